import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALL_FAULTS, type DynamoDBOperation, type FaultRule } from '../support/fault-proxy.js';
import { manualClock } from '../support/fixtures.js';
import { checkResume, checkStep, MODEL_CLOCK_SKEW_MS, observe, tally, type Violation } from '../support/idempotency-model.js';
import { type Harness, publish, runStep, SOAK, type Stalled, type StepInvocation, startHarness } from './harness.js';

/**
 * Random schedules of invocations over a few keys, with random network faults, crashed attempts
 * (claimed, then abandoned mid-handler), two containers (one with a local cache) and clock steps,
 * checked against the model in test/support/idempotency-model.ts after every step.
 *
 * Seeded: the same IDEMPOTENCY_SEED replays the same schedules and the same faults (up to the
 * interleaving of concurrent requests). A failure prints the seed and the shrunk schedule.
 */

const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);
const RUNS = Number(process.env.IDEMPOTENCY_RUNS ?? (SOAK ? 300 : 25));
const KEYS = 3;
const IN_PROGRESS_TIMEOUT_MS = 10_000;
const TTL_SECONDS = 60;
const OPERATIONS: readonly (DynamoDBOperation | undefined)[] = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', undefined];

type InvocationKind = 'call' | 'crash' | 'stall';

/** Concurrent invocations at one instant, with faults in force. */
interface InvocationStep {
  readonly type: 'invoke';
  /** How far the clock moves before the step. */
  readonly advanceMs: number;
  readonly invocations: readonly {
    readonly key: number;
    readonly container: number;
    readonly kind: InvocationKind;
    readonly throws: boolean;
  }[];
  readonly faults: readonly FaultRule[];
}

/** A stalled attempt comes back and settles its claim, perhaps long after it lapsed. */
interface ResumeStep {
  readonly type: 'resume';
  readonly advanceMs: number;
  /** Which pending stalled attempt (modulo how many there are). */
  readonly pick: number;
  readonly settle: 'complete' | 'fail';
  readonly faults: readonly FaultRule[];
}

type ScheduledStep = InvocationStep | ResumeStep;

const advanceArbitrary = fc.constantFrom(
  0,
  0,
  1_000,
  IN_PROGRESS_TIMEOUT_MS + MODEL_CLOCK_SKEW_MS + 1,
  TTL_SECONDS * 1000 + 1_000,
);

const faultsArbitrary: fc.Arbitrary<readonly FaultRule[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as FaultRule[]) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.record({
        // The two timeout faults cost real time (a held request): rarer, to keep the run short.
        fault: fc.constantFrom(...ALL_FAULTS, 'throttle', 'server-error', 'lost-response', 'reset'),
        operation: fc.constantFrom(...OPERATIONS),
        probability: fc.constantFrom(0.25, 0.5, 1),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  },
);

const invocationStep: fc.Arbitrary<ScheduledStep> = fc.record({
  type: fc.constant('invoke' as const),
  advanceMs: advanceArbitrary,
  invocations: fc.array(
    fc.record({
      key: fc.integer({ min: 0, max: KEYS - 1 }),
      container: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom<InvocationKind>('call', 'call', 'call', 'call', 'call', 'crash', 'stall'),
      throws: fc.integer({ min: 0, max: 4 }).map((draw) => draw === 0),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  faults: faultsArbitrary,
});

const resumeStep: fc.Arbitrary<ScheduledStep> = fc.record({
  type: fc.constant('resume' as const),
  advanceMs: advanceArbitrary,
  pick: fc.nat(),
  settle: fc.constantFrom<'complete' | 'fail'>('complete', 'complete', 'fail'),
  faults: faultsArbitrary,
});

const stepArbitrary = fc.oneof({ weight: 4, arbitrary: invocationStep }, { weight: 1, arbitrary: resumeStep });

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ seed: SEED, timeoutMs: 250, delayMs: 400 });
});
afterAll(async () => {
  await harness?.stop();
});

interface Pending {
  readonly stalled: Stalled;
  readonly lease: string | undefined;
}

async function runSchedule(schedule: readonly ScheduledStep[]): Promise<{ violations: Violation[]; steps: number }> {
  const clock = manualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const options = { clock: clock.now, inProgressTimeoutMs: IN_PROGRESS_TIMEOUT_MS, ttlSeconds: TTL_SECONDS };
  // Two containers of one function: the second keeps completed results in memory.
  const containers = [harness.container(options), harness.container({ ...options, localCache: true })];
  const run = randomUUID();
  const keyName = (index: number) => `prop-${run}-${index}`;
  const violations: Violation[] = [];
  const pending: Pending[] = [];
  let steps = 0;
  for (const step of schedule) {
    clock.advance(step.advanceMs);
    steps++;
    if (step.type === 'resume') {
      if (pending.length > 0) violations.push(...(await resume(pending.splice(step.pick % pending.length, 1)[0]!, step)));
      continue;
    }
    const invocations = step.invocations.map(
      (invocation): StepInvocation => ({
        container: containers[invocation.container]!,
        key: keyName(invocation.key),
        kind: invocation.kind,
        handlerThrows: invocation.throws,
      }),
    );
    const stalled: Stalled[] = [];
    const records = await runStep(harness, clock.now(), invocations, step.faults, stalled);
    // Checked now: a stalled execution is still running at this point of the story.
    violations.push(...records.flatMap(checkStep));
    for (const attempt of stalled) {
      const post = records.find((record) => record.key === attempt.key)?.post;
      pending.push({ stalled: attempt, lease: post && 'lease' in post ? post.lease : undefined });
    }
  }
  // Attempts never resumed are crashes in effect; their claims lapse like any other.
  return { violations, steps };
}

async function resume({ stalled, lease }: Pending, step: ResumeStep): Promise<Violation[]> {
  const { key, attempt, execution } = stalled;
  const id = harness.recordId(key);
  const pre = await observe(harness.direct, harness.table.name, id);
  const value = { key, execution: execution.startSeq };
  harness.ledger.finish(execution, step.settle === 'complete' ? 'ok' : 'threw', value);
  const rules = step.faults.map((rule) => harness.proxy.inject(rule));
  try {
    await (step.settle === 'complete' ? attempt.complete(value) : attempt.fail());
  } catch {
    // complete() throws only for unstorable results; a failed write is reported, not thrown.
  } finally {
    await harness.proxy.drain(id);
    for (const rule of rules) rule.remove();
  }
  const post = await observe(harness.direct, harness.table.name, id);
  return checkResume({ key, lease, settled: step.settle, value, pre, post });
}

it(`random schedules with faults, crashes and clock steps keep every guarantee (seed ${SEED}, ${RUNS} runs)`, async () => {
  let schedules = 0;
  let totalSteps = 0;
  let executions = 0;
  const ledgerStart = harness.ledger.executions.length;
  const faultsBefore = harness.proxy.faultsInjected();
  const started = Date.now();
  const found: Violation[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 6 }), async (schedule) => {
        const { violations, steps } = await runSchedule(schedule);
        schedules++;
        totalSteps += steps;
        found.push(...violations);
        if (violations.length > 0) {
          throw new Error(`model violations:\n${violations.map((v) => `  ${v.kind} [${v.key}] ${v.detail}`).join('\n')}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: !SOAK },
    );
  } catch (error) {
    console.error(`Property failed. Replay with IDEMPOTENCY_SEED=${SEED} IDEMPOTENCY_RUNS=${RUNS}.`);
    throw error;
  }
  executions = harness.ledger.executions.length - ledgerStart;
  const counts = tally(found);
  const summary =
    `Model-based property test (seed ${SEED}): ${schedules} schedules, ${totalSteps} steps, ${executions} handler executions, ` +
    `${harness.proxy.faultsInjected() - faultsBefore} faults injected, ${(Date.now() - started) / 1000} s; ` +
    `violations: ${Object.entries(counts)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ')}.`;
  console.log(`\n${summary}\n`);
  await publish('property', summary);
  expect(schedules).toBeGreaterThanOrEqual(RUNS);
  expect(found).toEqual([]);
}, 600_000);
