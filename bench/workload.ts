import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { seededRandom } from '../test/support/seeded-random.js';

/** The event both libraries receive: an order request, keyed by `orderId`. */
export interface OrderEvent {
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
}

export const BENCH_FUNCTION_NAME = 'orders-bench';

export function orderEvent(orderId: string = `order-${randomUUID()}`): OrderEvent {
  return {
    orderId,
    customerId: 'cus_8f2a61c0b9',
    amountCents: 12_499,
    currency: 'EUR',
    items: [
      { sku: 'BK-2231-RED', quantity: 2 },
      { sku: 'MG-0017-STD', quantity: 1 },
    ],
  };
}

/** A Lambda context with a fixed remaining time (30 s), named like the function under test. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: BENCH_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${BENCH_FUNCTION_NAME}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${BENCH_FUNCTION_NAME}`,
    logStreamName: '2026/11/29/[$LATEST]bench',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const WORDS = (
  'ceramic walnut linen espresso notebook lamp charger backpack kettle blanket organic recycled compact premium ' +
  'wireless limited classic travel studio outdoor grey navy olive sand graphite amber large small set pack'
).split(' ');
const CITIES = ['Lyon', 'Porto', 'Ghent', 'Utrecht', 'Graz', 'Bologna', 'Tartu', 'Malmö', 'Kraków', 'Bilbao'];
const STREETS = ['Rue de la République', 'Rua das Flores', 'Veldstraat', 'Oudegracht', 'Herrengasse', 'Via Zamboni'];
const FIRST = ['Ana', 'Lars', 'Mei', 'Tomás', 'Ingrid', 'Yusuf', 'Chloé', 'Nikos', 'Aino', 'Rafael'];
const LAST = ['Silva', 'Jansen', 'Novak', 'Moreau', 'Kowalski', 'Rossi', 'Tamm', 'Ortega', 'Berg', 'Ivanova'];

/**
 * A realistic order confirmation of about `targetBytes` of JSON (never more): varied names,
 * SKUs, prices and timestamps from a seeded generator, so compression ratios are those of real
 * API payloads, not of a repeated character.
 */
export function orderResult(orderId: string, targetBytes: number, seed = 42): Record<string, unknown> {
  // Deterministic, so both libraries store byte-identical results.
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const hex = (length: number) =>
    Array.from({ length }, () =>
      Math.floor(random() * 16)
        .toString(16)
        .toLowerCase(),
    ).join('');
  const base = Date.UTC(2026, 10, 29, 9, 0, 0);
  const timestamp = () => new Date(base + Math.floor(random() * 86_400_000)).toISOString();
  const result: Record<string, unknown> = {
    orderId,
    status: 'CONFIRMED',
    createdAt: timestamp(),
    customer: {
      id: `cus_${hex(10)}`,
      name: `${pick(FIRST)} ${pick(LAST)}`,
      email: `${pick(FIRST).toLowerCase()}.${hex(4)}@example.org`,
      shippingAddress: { street: `${pick(STREETS)} ${1 + Math.floor(random() * 200)}`, city: pick(CITIES), country: 'EU' },
    },
    currency: 'EUR',
    lines: [] as unknown[],
    totals: { subtotalCents: 0, taxCents: 0, shippingCents: 495 },
  };
  const lines = result.lines as { quantity: number; unitPriceCents: number; discountCents: number }[];
  // Sizes are added up line by line (re-serializing the whole order each time would be quadratic);
  // the totals' digits are then settled by dropping lines until the whole fits.
  let size = Buffer.byteLength(JSON.stringify(result)) + 40;
  for (;;) {
    const quantity = 1 + Math.floor(random() * 4);
    const unitPriceCents = 199 + Math.floor(random() * 19_800);
    const line = {
      lineId: `ln_${hex(12)}`,
      sku: `${pick(WORDS).slice(0, 3).toUpperCase()}-${hex(4)}-${pick(WORDS).slice(0, 3).toUpperCase()}`,
      name: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`,
      quantity,
      unitPriceCents,
      discountCents: random() < 0.3 ? Math.floor(unitPriceCents * 0.1) : 0,
      warehouse: `${pick(CITIES).toUpperCase().slice(0, 3)}-${1 + Math.floor(random() * 9)}`,
      estimatedDelivery: timestamp(),
    };
    size += Buffer.byteLength(JSON.stringify(line)) + (lines.length > 0 ? 1 : 0);
    if (size > targetBytes) break;
    lines.push(line);
  }
  const settleTotals = () => {
    const subtotal = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents - line.discountCents, 0);
    result.totals = { subtotalCents: subtotal, taxCents: Math.round(subtotal * 0.2), shippingCents: 495 };
  };
  settleTotals();
  while (lines.length > 0 && Buffer.byteLength(JSON.stringify(result)) > targetBytes) {
    lines.pop();
    settleTotals();
  }
  return result;
}
