import { AsyncLocalStorage } from 'node:async_hooks';
import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { resetDisabledAnnouncement } from '../../src/engine/kill-switch.js';
import {
  type IdempotencyOptions,
  type IdempotencyWarning,
  idempotency,
  MissingIdempotencyKeyError,
  makeIdempotent,
} from '../../src/index.js';
import { invocationContext } from '../../src/lambda/invocation.js';
import type { IdempotencyOutcome } from '../../src/observability/index.js';
import { uniqueKey, useStoreFixture } from '../support/fixtures.js';
import {
  claimExpiryOf,
  contextWithDeadline,
  DEADLINE_TOLERANCE_MS,
  functionNameFor,
  interleaver,
  shuffledCopies,
  spacedDeadlines,
} from './support.js';

const fixture = useStoreFixture();

interface OrderEvent {
  orderId?: string;
  amount: number;
}
type Body<R> = (event: OrderEvent, context: Context) => Promise<R>;
type Options = Omit<IdempotencyOptions<OrderEvent>, 'key'>;
type Build = <R>(body: Body<R>, options: Options) => (event: OrderEvent, context: Context) => Promise<R>;
type MiddyLike = <R>(body: Body<R>) => { use(middleware: unknown): (event: OrderEvent, context: Context) => Promise<R> };

const viaMiddy =
  (middy: MiddyLike): Build =>
  (body, options) =>
    middy(body).use(idempotency<OrderEvent>({ ...options, key: 'orderId' }));

/** One handler, three ways to make it idempotent: each must keep concurrent invocations apart. */
const adapters: [string, Build][] = [
  ['Middy 6 middleware', viaMiddy(middy6 as unknown as MiddyLike)],
  ['Middy 7 middleware', viaMiddy(middy7 as unknown as MiddyLike)],
  ['makeIdempotent', (body, options) => makeIdempotent(body, { ...options, key: 'orderId' })],
];

// Duplicates that meet a claim in progress wait for it and replay, instead of failing with InProgressError.
const waitForInProgress = { timeoutMs: 20_000, initialDelayMs: 5, maxDelayMs: 25 };
const quiet = { warn: () => undefined };

interface Charged {
  paymentId: string;
  amount: number;
  claimUntil: number;
}
interface OrderResult {
  orderId: string;
  amount: number;
  executedBy: string;
  ownInvocationThroughout: boolean;
  charged: Charged;
}

describe.each(adapters)('%s: overlapping invocations in one process', (label, build) => {
  it('return each its own result, run each key once, and claim inner calls for their own deadline', async () => {
    const functionName = functionNameFor(label);
    const gate = interleaver(0x1a2b3c);
    const executions = new Map<string, number>();
    // The inner side effect, called without a context: it must find the deadline of its own invocation.
    const charge = makeIdempotent(
      async (payment: { paymentId: string; amount: number }): Promise<Charged> => {
        await gate.pause();
        const claimUntil = await claimExpiryOf(fixture, `${functionName}:charge`, payment.paymentId);
        return { ...payment, claimUntil };
      },
      { store: fixture.store, key: 'paymentId', name: 'charge' },
    );
    const handler = build<OrderResult>(
      async (event, context) => {
        const orderId = event.orderId as string;
        executions.set(orderId, (executions.get(orderId) ?? 0) + 1);
        const own = [invocationContext() === context];
        await gate.pause();
        own.push(invocationContext() === context);
        const charged = await charge({ paymentId: orderId, amount: event.amount });
        own.push(invocationContext() === context);
        await gate.pause();
        own.push(invocationContext() === context);
        return {
          orderId,
          amount: event.amount,
          executedBy: context.awsRequestId,
          ownInvocationThroughout: !own.includes(false),
          charged,
        };
      },
      { store: fixture.store, localCache: true, waitForInProgress },
    );

    const keys = Array.from({ length: 30 }, () => uniqueKey());
    const amountOf = new Map(keys.map((key, index) => [key, 100 + index]));
    const order = shuffledCopies(keys, 2, 0x5eed);
    const deadlines = spacedDeadlines(order.length);
    const contexts = order.map((_, index) => contextWithDeadline(deadlines[index] as number, functionName));
    const indexOfRequest = new Map(contexts.map((context, index) => [context.awsRequestId, index]));
    const results = await gate.drive(
      order.map((orderId, index) => handler({ orderId, amount: amountOf.get(orderId) as number }, contexts[index] as Context)),
    );

    // The invocations overlapped: every execution paused three times and was resumed out of order.
    expect(gate.released).toBe(keys.length * 3);
    expect([...executions.values()]).toEqual(keys.map(() => 1));
    for (const [index, result] of results.entries()) {
      const orderId = order[index] as string;
      expect(result).toMatchObject({
        orderId,
        amount: amountOf.get(orderId),
        charged: { paymentId: orderId, amount: amountOf.get(orderId) },
      });
      // The executing invocation was the one with this key, and saw only itself at every await.
      const executor = indexOfRequest.get(result.executedBy) as number;
      expect(order[executor]).toBe(orderId);
      expect(result.ownInvocationThroughout).toBe(true);
      // Its inner claim ends with its own deadline: not another invocation's, not the 15-minute default.
      expect(Math.abs(result.charged.claimUntil - (deadlines[executor] as number))).toBeLessThanOrEqual(DEADLINE_TOLERANCE_MS);
    }
    const executedOwn = results.filter((result, index) => result.executedBy === contexts[index]?.awsRequestId);
    expect(executedOwn).toHaveLength(keys.length);

    // Every retry now replays from the process's shared local cache, with no request at all, and a
    // caller changing its copy changes no other invocation's.
    fixture.commands.reset();
    const snapshots: OrderResult[] = [];
    const replays = order.map((orderId) =>
      handler({ orderId, amount: amountOf.get(orderId) as number }, contextWithDeadline(Date.now() + 30_000, functionName)).then(
        (result) => {
          snapshots.push(structuredClone(result));
          result.charged.amount = -1;
          return result;
        },
      ),
    );
    await gate.drive(replays);
    expect(fixture.commands.total()).toBe(0);
    const firstResultOf = new Map(results.map((result) => [result.orderId, result]));
    for (const snapshot of snapshots) expect(snapshot).toEqual(firstResultOf.get(snapshot.orderId));
  });

  it('reports warnings and outcomes inside the invocation they belong to, with its own request counts', async () => {
    const functionName = functionNameFor(label);
    const gate = interleaver(0xfeed);
    // What a logger keeps per request (Powertools Logger, pino with AsyncLocalStorage): set around each invocation.
    const userRequest = new AsyncLocalStorage<string>();
    const warnings: { warning: IdempotencyWarning; during: string | undefined }[] = [];
    const outcomes: { outcome: IdempotencyOutcome; during: string | undefined }[] = [];
    const handler = build(
      async (event) => {
        await gate.pause();
        return { orderId: event.orderId ?? null, amount: event.amount };
      },
      {
        store: fixture.store,
        requireKey: false,
        waitForInProgress,
        logger: quiet,
        onWarning: (warning) => void warnings.push({ warning, during: userRequest.getStore() }),
        onOutcome: (outcome) => void outcomes.push({ outcome, during: userRequest.getStore() }),
      },
    );
    const keys = Array.from({ length: 10 }, () => uniqueKey());
    // Ten keys twice, and ten events without a key, which run unprotected and each warn.
    const order: (string | undefined)[] = shuffledCopies([...keys, ...keys.map(() => undefined)], 1, 7).flatMap((key) =>
      key === undefined ? [undefined] : [key, key],
    );
    const contexts = order.map(() => contextWithDeadline(Date.now() + 30_000, functionName));
    const indexOf = new Map(contexts.map((context, index) => [context.awsRequestId, index]));
    const results = await gate.drive(
      order.map((orderId, index) => {
        const context = contexts[index] as Context;
        return userRequest.run(context.awsRequestId, () => handler({ orderId, amount: index }, context));
      }),
    );

    for (const [index, result] of results.entries()) {
      // A duplicate replays its key's first result; an unkeyed event always gets its own.
      expect(result.orderId).toBe(order[index] ?? null);
      if (order[index] === undefined) expect(result.amount).toBe(index);
    }
    const unkeyed = order.flatMap((key, index) => (key === undefined ? [contexts[index]?.awsRequestId] : []));
    expect(warnings.map(({ warning }) => warning)).toEqual(unkeyed.map(() => expect.any(MissingIdempotencyKeyError)));
    expect(warnings.map(({ during }) => during).sort()).toEqual([...unkeyed].sort());

    // One outcome per invocation, emitted inside it, naming its own record and counting its own requests.
    expect(outcomes.map(({ during }) => during).sort()).toEqual(contexts.map((context) => context.awsRequestId).sort());
    for (const { outcome, during } of outcomes) {
      const orderId = order[indexOf.get(during as string) as number];
      if (orderId === undefined) {
        expect(outcome.kind).toBe('unkeyed');
        continue;
      }
      expect(outcome.recordId).toBe(`${functionName}#${hashMaterial(orderId)}`);
      if (outcome.kind === 'executed') expect(outcome.requests).toMatchObject({ claim: 1, get: 0, complete: 1, release: 0 });
      else expect(outcome.requests).toMatchObject({ claim: 1, complete: 0, release: 0 });
    }
    const executed = outcomes.filter(({ outcome }) => outcome.kind === 'executed').map(({ outcome }) => outcome.recordId);
    expect(executed.sort()).toEqual(keys.map((key) => `${functionName}#${hashMaterial(key)}`).sort());
  });

  it('with the kill switch on, runs every invocation and says so once per process', async () => {
    resetDisabledAnnouncement();
    const functionName = functionNameFor(label);
    const gate = interleaver(0xd15a);
    const told: string[] = [];
    let executions = 0;
    const handler = build(
      async (event) => {
        executions++;
        await gate.pause();
        return event;
      },
      { store: fixture.store, disabled: true, logger: { warn: (message: string) => void told.push(message) } },
    );
    const order = shuffledCopies(
      Array.from({ length: 10 }, () => uniqueKey()),
      3,
      3,
    );
    const results = await gate.drive(
      order.map((orderId, index) => handler({ orderId, amount: index }, contextWithDeadline(Date.now() + 30_000, functionName))),
    );
    expect(results).toEqual(order.map((orderId, index) => ({ orderId, amount: index })));
    expect(executions).toBe(order.length);
    expect(told).toHaveLength(1);
  });
});

describe('after all those invocations', () => {
  it('no invocation is left behind: an inner call outside any claims for inProgressTimeoutMs', async () => {
    expect(invocationContext()).toBeUndefined();
    const charge = makeIdempotent(async (payment: { paymentId: string }) => payment, {
      store: fixture.store,
      key: 'paymentId',
      name: 'after-all',
      inProgressTimeoutMs: 45_000,
    });
    const paymentId = uniqueKey();
    const startedAt = Date.now();
    // Hold the claim open long enough to read it: the claim write precedes the function.
    let claimUntil = 0;
    const reading = makeIdempotent(
      async (payment: { paymentId: string }) => {
        claimUntil = await claimExpiryOf(fixture, 'default:after-all-reader', payment.paymentId);
        return charge(payment);
      },
      { store: fixture.store, key: 'paymentId', name: 'after-all-reader', inProgressTimeoutMs: 45_000 },
    );
    await reading({ paymentId });
    expect(claimUntil - startedAt).toBeGreaterThanOrEqual(44_000);
    expect(claimUntil - startedAt).toBeLessThanOrEqual(46_000);
  });
});
