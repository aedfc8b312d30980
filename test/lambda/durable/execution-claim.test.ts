import { describe, expect, it } from 'vitest';
import { createIdempotencyEngine } from '../../../src/engine/index.js';
import { IdempotencyConfigError, InProgressError } from '../../../src/index.js';
import { uniqueKey, useStoreFixture } from '../../support/fixtures.js';

// The engine's side of durable executions, on every runtime: no durable SDK involved.
const fixture = useStoreFixture();

const arn = (name: string) =>
  `arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/${name}/${uniqueKey()}`;

function engine(options: { durableExecutionTimeoutSeconds?: number } = {}) {
  return createIdempotencyEngine<{ orderId: string }>({
    store: fixture.store,
    key: 'orderId',
    keyPrefix: 'durable-claims',
    ...options,
  });
}

describe('the claim of a durable execution', () => {
  it('is held again by a later invocation of the same execution, and refused to another execution', async () => {
    const orders = engine();
    const input = { orderId: uniqueKey() };
    const execution = arn('first');
    const first = await orders.begin({ input, scope: 'orders', remainingTimeMs: 60_000, durableExecutionId: execution });
    expect(first.kind).toBe('claimed');
    // The next invocation (after a wait or a crash) has no memory of the first one's attempt.
    const replay = await orders.begin({ input, scope: 'orders', remainingTimeMs: 60_000, durableExecutionId: execution });
    expect(replay.kind).toBe('claimed');
    await expect(
      orders.begin({ input, scope: 'orders', remainingTimeMs: 60_000, durableExecutionId: arn('second') }),
    ).rejects.toThrow(InProgressError);
    await expect(orders.begin({ input, scope: 'orders', remainingTimeMs: 60_000 })).rejects.toThrow(InProgressError);
  });

  it('replays the stored result to a replay of the execution that completed it', async () => {
    const orders = engine();
    const input = { orderId: uniqueKey() };
    const execution = arn('completes');
    const first = await orders.begin({ input, scope: 'orders', durableExecutionId: execution });
    if (first.kind !== 'claimed') throw new Error(`expected a claim, got ${first.kind}`);
    await first.claim.complete({ shipped: true });
    // Its outcome was lost after the write: the execution is replayed once more.
    const again = await orders.begin({ input, scope: 'orders', durableExecutionId: execution });
    expect(again).toMatchObject({ kind: 'replay', value: { shipped: true } });
  });

  it('lasts durableExecutionTimeoutSeconds, not the invocation remaining time', async () => {
    const orders = engine({ durableExecutionTimeoutSeconds: 7200 });
    const input = { orderId: uniqueKey() };
    const before = Date.now();
    const begun = await orders.begin({ input, scope: 'orders', remainingTimeMs: 5_000, durableExecutionId: arn('two-hours') });
    if (begun.kind !== 'claimed') throw new Error(`expected a claim, got ${begun.kind}`);
    const item = await fixture.rawItem(begun.claim.recordId);
    if (item === undefined) throw new Error('the claim wrote no record');
    const inProgressUntil = Number((item.in_progress_expiration as { N: string }).N);
    expect(inProgressUntil).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(inProgressUntil).toBeLessThanOrEqual(Date.now() + 7_200_000);
    // The record itself outlives the claim.
    expect(Number((item.expiration as { N: string }).N)).toBeGreaterThanOrEqual(Math.floor(inProgressUntil / 1000));
  });

  it('refuses a durableExecutionTimeoutSeconds below 1 at setup', () => {
    expect(() => engine({ durableExecutionTimeoutSeconds: 0 })).toThrow(IdempotencyConfigError);
  });
});
