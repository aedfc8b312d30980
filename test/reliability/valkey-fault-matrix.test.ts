import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../support/fixtures.js';
import { checkStep } from '../support/idempotency-model.js';
import { redisAvailability, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary } from '../support/valkey-clients.js';
import { VALKEY_FAULTS, type ValkeyFault, type ValkeyFaultRule, type ValkeyOperation } from '../support/valkey-fault-proxy.js';
import {
  type CellResult,
  cellText,
  expectSound,
  MODES,
  type Mode,
  runStory,
  type StoryTarget,
  totalsText,
} from './fault-story.js';
import { markdownTable, runStep, SOAK } from './harness.js';
import { startValkeyHarness, type ValkeyHarness } from './valkey-harness.js';

/**
 * The fault matrix of fault-matrix.test.ts, on the Valkey store: every fault × every request of an
 * invocation, each cell the story of fault-story.ts on its own key, checked by the same model.
 * The store sends claim (`SET … NX GET`, then the claim script for a lapsed record), complete and
 * release (one script each); it reads (GET) only for a caller that waits on an in-progress key,
 * which these engines do not.
 */
const availability = redisAvailability();
// Restarts and SCRIPT FLUSH need a server of the test's own: never REDIS_URL's.
const runnable = availability.available && availability.external === undefined;
const runnability =
  runnable || !availability.available
    ? availability
    : { available: false as const, reason: 'REDIS_URL is set; it needs a server it owns' };

interface Target extends StoryTarget {
  readonly operation: ValkeyOperation;
}

const TARGETS: readonly Target[] = [
  { label: 'claim (first call)', operation: 'claim', step: 'A' },
  { label: 'complete', operation: 'complete', step: 'A' },
  { label: 'release (handler threw)', operation: 'release', step: 'A', handlerThrows: true },
  { label: 'claim (duplicate)', operation: 'claim', step: 'B' },
];
const IN_PROGRESS_TIMEOUT_MS = 5_000;
const TTL_SECONDS = 3_600;
/** The four client libraries agree cell for cell; the default run keeps two, `npm run soak` all. */
const LIBRARIES: readonly ClientLibrary[] = SOAK ? CLIENT_LIBRARIES : ['ioredis', 'valkey-glide'];
/** Each worker has a redis-server of its own: a restart in one cell never reaches another's. */
const WORKERS = 4;

/** A cell: the story from the real time (the server expires keys natively by its own clock, and a
 * record written with a window already past on it would vanish at once), the fault on the target's
 * command for the cell's record. */
function runCell(
  harness: ValkeyHarness,
  target: Target,
  fault: ValkeyFault,
  mode: Mode,
): Promise<CellResult<Target, ValkeyFault>> {
  return runStory(harness, {
    target,
    fault,
    mode,
    startAt: Date.now(),
    rule: (recordId): ValkeyFaultRule => ({
      fault,
      operation: target.operation,
      keyIncludes: harness.keyOf(recordId),
      ...(mode === 'once' ? { nth: 1 } : {}),
    }),
  });
}

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
    const cells = TARGETS.flatMap((target) => VALKEY_FAULTS.flatMap((fault) => MODES.map((mode) => ({ target, fault, mode }))));
    const queue = Array.from({ length: SOAK ? 5 : 1 }, () => cells).flat();
    const results: CellResult<Target, ValkeyFault>[] = [];
    await Promise.all(
      harnesses.map(async (harness) => {
        for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
          results.push(await runCell(harness, cell.target, cell.fault, cell.mode));
        }
      }),
    );

    const grid = TARGETS.flatMap((target) =>
      MODES.map((mode) => [
        `${target.label}, ${mode}`,
        ...VALKEY_FAULTS.map((fault) => {
          return cellText(results.filter((result) => result.target === target && result.fault === fault && result.mode === mode));
        }),
      ]),
    );
    const faults = harnesses.reduce((sum, harness) => sum + harness.faultsInjected(), 0);
    console.log(
      [
        `\nValkey fault matrix (${library})`,
        markdownTable(['request, fault applied', ...VALKEY_FAULTS], grid),
        `${results.length} cells, ${faults} faults injected. ${totalsText(results)}\n`,
      ].join('\n'),
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
