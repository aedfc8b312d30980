import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../support/fixtures.js';
import { checkStep } from '../support/idempotency-model.js';
import { redisAvailability, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary } from '../support/valkey-clients.js';
import { VALKEY_FAULTS, type ValkeyFaultRule } from '../support/valkey-fault-proxy.js';
import { expectSound } from './fault-story.js';
import { runStep, SOAK } from './harness.js';
import { startValkeyHarness, type ValkeyHarness } from './valkey-harness.js';
import { matrixCells, runMatrix } from './valkey-matrix.js';

/**
 * The fault matrix of fault-matrix.test.ts, on the Valkey store over one redis-server: every
 * fault × every request of an invocation (valkey-matrix.ts), checked by the same model.
 */
const availability = redisAvailability();
// Restarts and SCRIPT FLUSH need a server of the test's own: never REDIS_URL's.
const runnable = availability.available && availability.external === undefined;
const runnability =
  runnable || !availability.available
    ? availability
    : { available: false as const, reason: 'REDIS_URL is set; it needs a server it owns' };

const IN_PROGRESS_TIMEOUT_MS = 5_000;
const TTL_SECONDS = 3_600;
/** The four client libraries agree cell for cell; the default run keeps two, `npm run soak` all. */
const LIBRARIES: readonly ClientLibrary[] = SOAK ? CLIENT_LIBRARIES : ['ioredis', 'valkey-glide'];
/** Each worker has a redis-server of its own: a restart in one cell never reaches another's. */
const WORKERS = 4;

describe.skipIf(!runnable).each(LIBRARIES)(`${titled('Valkey fault matrix', runnability)}, over %s`, (library) => {
  const harnesses: ValkeyHarness[] = [];
  beforeAll(async () => {
    for (let index = 0; index < WORKERS; index++) {
      harnesses.push(await startValkeyHarness({ library, timeoutMs: 250, holdMs: 600 }));
    }
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((harness) => harness.stop()));
  });

  it('no double execution, no overwritten result, no stuck claim, for every fault on every request', async () => {
    const results = await runMatrix(
      `Valkey fault matrix (${library})`,
      harnesses,
      matrixCells(VALKEY_FAULTS),
      VALKEY_FAULTS,
      SOAK ? 5 : 1,
    );
    expectSound(results);
  }, 120_000);
});

describe.skipIf(!runnable)(titled('Valkey restart without persistence', runnability), () => {
  let harness: ValkeyHarness;
  beforeAll(async () => {
    harness = await startValkeyHarness({ timeoutMs: 250, holdMs: 600, durable: false });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  // The caveat docs/valkey.md states, measured: a server that forgets what it acknowledged (no
  // persistence, or a failover to a replica that had not received the write) loses the claim.
  it('loses a claim acknowledged before the restart: the lost result is reported and a retry runs the handler again', async () => {
    const clock = manualClock(Date.now());
    const container = harness.container({
      clock: clock.now,
      inProgressTimeoutMs: IN_PROGRESS_TIMEOUT_MS,
      ttlSeconds: TTL_SECONDS,
    });
    const key = `valkey-volatile-${randomUUID()}`;
    const rule: ValkeyFaultRule = {
      fault: 'restart',
      operation: 'complete',
      keyIncludes: harness.keyOf(harness.recordId(key)),
      nth: 1,
    };
    const [a] = await runStep(harness, clock.now(), [{ container, key, kind: 'call' }], [rule]);
    const [b] = await runStep(harness, clock.now(), [{ container, key, kind: 'call' }]);
    expect(a!.faultsInjected).toBe(1);
    expect(a!.calls[0]).toMatchObject({ ok: true });
    expect(a!.post.status).toBe('ABSENT');
    expect(checkStep(a!).map((violation) => violation.kind)).toEqual(['lost-result']);
    expect(harness.warnings).toContainEqual(
      expect.objectContaining({ name: 'LeaseLostError', operation: 'complete', recordId: harness.recordId(key) }),
    );
    // The retry finds no record and runs again: within the window, the second execution.
    expect(b!.executions).toHaveLength(1);
    expect(b!.post.status).toBe('COMPLETED');
  });
});
