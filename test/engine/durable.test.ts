import { describe, expect, it, vi } from 'vitest';
import { InProgressError } from '../../src/errors.js';
import { spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

const execution = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/${name}/1`;

describe('the claim of a durable execution', () => {
  it('is held again by a later invocation of the same execution', async () => {
    const { engine, request } = spec();
    await engine.begin(request('order-1', { durableExecutionId: execution('first') }));

    // The next invocation (after a wait or a crash) has no memory of the first one's attempt.
    expect(await engine.begin(request('order-1', { durableExecutionId: execution('first') }))).toMatchObject({ kind: 'claimed' });
  });

  it('is refused to another execution and to a plain invocation', async () => {
    const { engine, request } = spec();
    await engine.begin(request('order-1', { durableExecutionId: execution('first') }));

    await expect(engine.begin(request('order-1', { durableExecutionId: execution('second') }))).rejects.toThrow(InProgressError);
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
  });

  it('replays the stored result to a replay of the execution that completed it', async () => {
    const { request, claim, engine } = spec();
    const attempt = await claim('order-1', { durableExecutionId: execution('completes') });
    await attempt.complete({ shipped: true });

    expect(await engine.begin(request('order-1', { durableExecutionId: execution('completes') }))).toMatchObject({
      kind: 'replay',
      value: { shipped: true },
    });
  });

  it('lasts durableExecutionTimeoutSeconds, not the invocation remaining time, and the record outlives it', async () => {
    const { claim, store, time } = spec({ durableExecutionTimeoutSeconds: 7_200 });
    const { recordId } = await claim('order-1', { remainingTimeMs: 5_000, durableExecutionId: execution('two-hours') });

    const record = store.peek(recordId);
    expect(record?.inProgressUntil).toBe(time.now() + 7_200_000);
    expect(record?.expiresAt).toBeGreaterThanOrEqual(Math.ceil((record?.inProgressUntil ?? 0) / 1000));
  });

  it('lasts 366 days by default, the longest a durable execution can run', async () => {
    const { claim, store, time } = spec();
    const { recordId } = await claim('order-1', { durableExecutionId: execution('default') });

    expect(store.peek(recordId)?.inProgressUntil).toBe(time.now() + 366 * 24 * 3600 * 1000);
  });
});
