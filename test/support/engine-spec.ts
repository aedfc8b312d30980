import type { Claim } from '../../src/engine/claim.js';
import { createIdempotencyEngine } from '../../src/engine/create-engine.js';
import type { IdempotencyEngine, InvocationRequest } from '../../src/engine/idempotency-engine.js';
import type { IdempotencyOptions } from '../../src/engine/options.js';
import type { IdempotencyWarning } from '../../src/errors.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { type VirtualTime, virtualTime } from './virtual-time.js';

/** The input every engine specification keys by `orderId`. */
export interface Order {
  orderId: string;
  amount?: number;
  [field: string]: unknown;
}

/** The scope an adapter would derive from the Lambda function name. */
export const SCOPE = 'orders-fn';
/** The engine's default clock-skew margin: every lapse is judged this much late. */
export const CLOCK_SKEW_MS = 3_000;
/** The shortest claim, for a context reporting almost no time left. */
export const MIN_CLAIM_MS = 1_000;
/** What a Lambda context reports left, unless a test says otherwise. */
export const REMAINING_MS = 30_000;

export interface SpecOptions extends Partial<IdempotencyOptions<Order>> {
  /** Options of the memory store (its clock is the virtual one unless given). */
  readonly storeOptions?: MemoryStoreOptions;
  /** Start the virtual clock elsewhere (a second container shares the first one's). */
  readonly time?: VirtualTime;
}

export interface Spec {
  readonly engine: IdempotencyEngine<Order>;
  readonly store: MemoryStore;
  readonly time: VirtualTime;
  /** Every warning reported through `onWarning`. */
  readonly warnings: IdempotencyWarning[];
  /** Every warning the logger was given: message and details. */
  readonly logged: { message: string; details?: Record<string, unknown> }[];
  /** An invocation of `orderId` as an adapter describes it: the function's scope, 30 s left. */
  request(input: Order | string, overrides?: Partial<InvocationRequest<Order>>): InvocationRequest<Order>;
  /** `begin`, expecting a claim: the attempt, or a failed test naming what came instead. */
  claim(input: Order | string, overrides?: Partial<InvocationRequest<Order>>): Promise<Claim>;
  /** A handler that counts its runs and returns `produce(order)`. */
  handler<R>(produce: (order: Order, run: number) => R | Promise<R>): CountingHandler<R>;
}

export interface CountingHandler<R> {
  /** How many times it ran. */
  readonly runs: () => number;
  /** The handler for `engine.run(request, handler.for(order))`. */
  for(order: Order): () => Promise<R>;
}

/**
 * An engine on the memory store, both on one virtual clock, warnings collected: the setup of every
 * file in test/engine. Options override the defaults (key `orderId`).
 */
export function spec(options: SpecOptions = {}): Spec {
  const { storeOptions, time: sharedTime, ...engineOptions } = options;
  const time = sharedTime ?? virtualTime();
  const store =
    engineOptions.store instanceof MemoryStore ? engineOptions.store : new MemoryStore({ clock: time.now, ...storeOptions });
  const warnings: IdempotencyWarning[] = [];
  const logged: { message: string; details?: Record<string, unknown> }[] = [];
  const engine = createIdempotencyEngine<Order>({
    store,
    key: 'orderId',
    clock: time.now,
    onWarning: (warning) => void warnings.push(warning),
    logger: { warn: (message, details) => void logged.push({ message, details }) },
    ...engineOptions,
  });
  const request = (input: Order | string, overrides: Partial<InvocationRequest<Order>> = {}): InvocationRequest<Order> => ({
    input: typeof input === 'string' ? { orderId: input } : input,
    scope: SCOPE,
    remainingTimeMs: REMAINING_MS,
    ...overrides,
  });
  return {
    engine,
    store,
    time,
    warnings,
    logged,
    request,
    async claim(input, overrides) {
      const begun = await engine.begin(request(input, overrides));
      if (begun.kind !== 'claimed') throw new Error(`expected the key to be claimed, but begin answered "${begun.kind}"`);
      return begun.claim;
    },
    handler<R>(produce: (order: Order, run: number) => R | Promise<R>): CountingHandler<R> {
      let runs = 0;
      return {
        runs: () => runs,
        for: (order) => async () => produce(order, ++runs),
      };
    },
  };
}

/** A promise the test resolves or rejects from outside. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void; fail(error: unknown): void } {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}
