import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../support/fixtures.js';
import { checkStep, type StepRecord, tally, type Violation } from '../support/idempotency-model.js';
import { redisAvailability, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary } from '../support/valkey-clients.js';
import { VALKEY_FAULTS, type ValkeyFault, type ValkeyFaultRule, type ValkeyOperation } from '../support/valkey-fault-proxy.js';
import { markdownTable, runStep, SOAK } from './harness.js';
import { startValkeyHarness, type ValkeyHarness } from './valkey-harness.js';

/**
 * The fault matrix of fault-matrix.test.ts, on the Valkey store: every fault × every request of an
 * invocation, the same story on its own key per cell, checked by the same model:
 *   A. first call (its handler throws in the release row)    ┐ the faulted request is in A or B
 *   B. duplicate                                              ┘
 *   C. duplicate, no faults
 *   — the clock moves past the claim's in-progress expiry —
 *   D. call, no faults: a claim left behind must be taken over now
 *   E. duplicate: replays D's outcome
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

interface Target {
  readonly label: string;
  readonly operation: ValkeyOperation;
  readonly step: 'A' | 'B';
  readonly handlerThrows?: boolean;
}

const TARGETS: readonly Target[] = [
  { label: 'claim (first call)', operation: 'claim', step: 'A' },
  { label: 'complete', operation: 'complete', step: 'A' },
  { label: 'release (handler threw)', operation: 'release', step: 'A', handlerThrows: true },
  { label: 'claim (duplicate)', operation: 'claim', step: 'B' },
];
const MODES = ['once', 'always'] as const;
type Mode = (typeof MODES)[number];

const IN_PROGRESS_TIMEOUT_MS = 5_000;
const TTL_SECONDS = 3_600;
/** The four client libraries agree cell for cell; the default run keeps two, `npm run soak` all. */
const LIBRARIES: readonly ClientLibrary[] = SOAK ? CLIENT_LIBRARIES : ['ioredis', 'valkey-glide'];
/** Each worker has a redis-server of its own: a restart in one cell never reaches another's. */
const WORKERS = 4;

interface CellResult {
  readonly target: Target;
  readonly fault: ValkeyFault;
  readonly mode: Mode;
  readonly injected: number;
  readonly faultedCall: string;
  readonly executionsBefore: number;
  readonly executionsAfter: number;
  readonly finalStatus: string;
  readonly violations: readonly Violation[];
}

async function runCell(harness: ValkeyHarness, target: Target, fault: ValkeyFault, mode: Mode): Promise<CellResult> {
  // From the real time: the server expires keys natively by its own clock, and a record written
  // with a window already past on it would vanish at once.
  const clock = manualClock(Date.now());
  const container = harness.container({ clock: clock.now, inProgressTimeoutMs: IN_PROGRESS_TIMEOUT_MS, ttlSeconds: TTL_SECONDS });
  const key = `valkey-matrix-${fault}-${mode}-${randomUUID()}`;
  const rule: ValkeyFaultRule = {
    fault,
    operation: target.operation,
    keyIncludes: harness.keyOf(harness.recordId(key)),
    ...(mode === 'once' ? { nth: 1 } : {}),
  };
  let injected = 0;
  const step = async (name: 'A' | 'B' | 'C' | 'D' | 'E', handlerThrows = false): Promise<StepRecord> => {
    const rules = target.step === name ? [rule] : [];
    const [record] = await runStep(harness, clock.now(), [{ container, key, kind: 'call', handlerThrows }], rules);
    injected += record!.faultsInjected;
    return record!;
  };

  const a = await step('A', target.handlerThrows);
  const b = await step('B');
  const c = await step('C');
  clock.advance(IN_PROGRESS_TIMEOUT_MS + 1_000);
  const d = await step('D');
  const e = await step('E');
  const faulted = target.step === 'A' ? a : b;
  const outcome = faulted.calls[0];
  return {
    target,
    fault,
    mode,
    injected,
    faultedCall: outcome === undefined ? '-' : outcome.ok ? 'returned' : outcome.error,
    executionsBefore: a.executions.length + b.executions.length + c.executions.length,
    executionsAfter: d.executions.length + e.executions.length,
    finalStatus: e.post.status,
    violations: [a, b, c, d, e].flatMap(checkStep),
  };
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
    const results: CellResult[] = [];
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
          const cell = results.filter((result) => result.target === target && result.fault === fault && result.mode === mode);
          const counts = tally(cell.flatMap((result) => result.violations));
          const ok = cell.every((result) => result.violations.length === 0 && result.injected > 0);
          const first = cell[0]!;
          return `${ok ? '✓' : '✗'} ${first.faultedCall} ${first.executionsBefore}+${first.executionsAfter} ${counts['double-execution']}/${counts.overwritten}/${counts['stuck-claim']}`;
        }),
      ]),
    );
    const totals = tally(results.flatMap((result) => result.violations));
    const faults = harnesses.reduce((sum, harness) => sum + harness.faultsInjected(), 0);
    console.log(
      [
        `\nValkey fault matrix (${library})`,
        markdownTable(['request, fault applied', ...VALKEY_FAULTS], grid),
        `${results.length} cells, ${faults} faults injected. Totals: ${totals['double-execution']} double executions, ${totals.overwritten} overwritten, ${totals['stuck-claim']} stuck claims, ${totals['wrong-replay']} wrong replays, ${totals['lost-result']} lost results.\n`,
      ].join('\n'),
    );

    for (const result of results) {
      const cell = `${result.target.label} × ${result.fault} (${result.mode})`;
      expect(result.injected, `${cell} injected no fault`).toBeGreaterThan(0);
      expect(result.violations, cell).toEqual([]);
      expect(result.finalStatus, cell).toBe('COMPLETED');
    }
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
