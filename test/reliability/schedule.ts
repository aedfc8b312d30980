import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { manualClock } from '../support/fixtures.js';
import { checkResume, checkStep, MODEL_CLOCK_SKEW_MS, type Violation } from '../support/idempotency-model.js';
import { runStep, type Stalled, type StepInvocation, type StoreHarness } from './harness.js';

/**
 * The model-based property test's story, for any store: random schedules of invocations over a
 * few keys, with random faults of the store's kind, crashed attempts (claimed, then abandoned
 * mid-handler), stalled attempts that settle late, two containers (one with a local cache) and
 * clock steps, checked against the model in test/support/idempotency-model.ts after every step.
 */

export const SCHEDULE_KEYS = 3;
export const SCHEDULE_IN_PROGRESS_TIMEOUT_MS = 10_000;
export const SCHEDULE_TTL_SECONDS = 60;

type InvocationKind = 'call' | 'crash' | 'stall';

/** Concurrent invocations at one instant, with faults in force. */
interface InvocationStep<TRule> {
  readonly type: 'invoke';
  /** How far the clock moves before the step. */
  readonly advanceMs: number;
  readonly invocations: readonly {
    readonly key: number;
    readonly container: number;
    readonly kind: InvocationKind;
    readonly throws: boolean;
  }[];
  readonly faults: readonly TRule[];
}

/** A stalled attempt comes back and settles its claim, perhaps long after it lapsed. */
interface ResumeStep<TRule> {
  readonly type: 'resume';
  readonly advanceMs: number;
  /** Which pending stalled attempt (modulo how many there are). */
  readonly pick: number;
  readonly settle: 'complete' | 'fail';
  readonly faults: readonly TRule[];
}

export type ScheduledStep<TRule> = InvocationStep<TRule> | ResumeStep<TRule>;

const advanceArbitrary = fc.constantFrom(
  0,
  0,
  1_000,
  SCHEDULE_IN_PROGRESS_TIMEOUT_MS + MODEL_CLOCK_SKEW_MS + 1,
  SCHEDULE_TTL_SECONDS * 1000 + 1_000,
);

/** Schedules of one to six steps, with `faults` drawn for each. */
export function scheduleArbitrary<TRule>(faults: fc.Arbitrary<readonly TRule[]>): fc.Arbitrary<ScheduledStep<TRule>[]> {
  const invocationStep: fc.Arbitrary<ScheduledStep<TRule>> = fc.record({
    type: fc.constant('invoke' as const),
    advanceMs: advanceArbitrary,
    invocations: fc.array(
      fc.record({
        key: fc.integer({ min: 0, max: SCHEDULE_KEYS - 1 }),
        container: fc.integer({ min: 0, max: 1 }),
        kind: fc.constantFrom<InvocationKind>('call', 'call', 'call', 'call', 'call', 'crash', 'stall'),
        throws: fc.integer({ min: 0, max: 4 }).map((draw) => draw === 0),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    faults,
  });
  const resumeStep: fc.Arbitrary<ScheduledStep<TRule>> = fc.record({
    type: fc.constant('resume' as const),
    advanceMs: advanceArbitrary,
    pick: fc.nat(),
    settle: fc.constantFrom<'complete' | 'fail'>('complete', 'complete', 'fail'),
    faults,
  });
  const step = fc.oneof({ weight: 4, arbitrary: invocationStep }, { weight: 1, arbitrary: resumeStep });
  return fc.array(step, { minLength: 1, maxLength: 6 });
}

interface Pending {
  readonly stalled: Stalled;
  readonly lease: string | undefined;
}

/** Runs one schedule from `startAt` on the engine's clock; returns what the model found. */
export async function runSchedule<TRule>(
  harness: StoreHarness<TRule>,
  schedule: readonly ScheduledStep<TRule>[],
  startAt: number,
): Promise<{ violations: Violation[]; steps: number }> {
  const clock = manualClock(startAt);
  const options = { clock: clock.now, inProgressTimeoutMs: SCHEDULE_IN_PROGRESS_TIMEOUT_MS, ttlSeconds: SCHEDULE_TTL_SECONDS };
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
      if (pending.length > 0) {
        violations.push(...(await resume(harness, pending.splice(step.pick % pending.length, 1)[0]!, step)));
      }
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

async function resume<TRule>(
  harness: StoreHarness<TRule>,
  { stalled, lease }: Pending,
  step: ResumeStep<TRule>,
): Promise<Violation[]> {
  const { key, attempt, execution } = stalled;
  const id = harness.recordId(key);
  await harness.beforeStep?.();
  const pre = await harness.observe(id);
  const value = { key, execution: execution.startSeq };
  harness.ledger.finish(execution, step.settle === 'complete' ? 'ok' : 'threw', value);
  const rules = step.faults.map((rule) => harness.inject(rule));
  try {
    await (step.settle === 'complete' ? attempt.complete(value) : attempt.release());
  } catch {
    // complete() throws only for unstorable results; a failed write is reported, not thrown.
  } finally {
    await harness.drain(id);
    for (const rule of rules) rule.remove();
  }
  const post = await harness.observe(id);
  return checkResume({ key, lease, settled: step.settle, value, pre, post });
}

/** What a property run saw, for its summary line. */
export interface PropertyRun {
  readonly schedules: number;
  readonly steps: number;
  readonly executions: number;
  readonly faults: number;
  readonly seconds: number;
  readonly violations: readonly Violation[];
}

/**
 * Checks `runs` random schedules (seeded) on `harness`; throws on the first violation (or, with
 * `keepGoing`, after all runs), naming the seed to replay it with.
 */
export async function checkSchedules<TRule>(
  harness: StoreHarness<TRule>,
  options: {
    readonly seed: number;
    readonly runs: number;
    readonly faults: fc.Arbitrary<readonly TRule[]>;
    /** The engine's clock at the start of each schedule. */
    readonly startAt: () => number;
    readonly keepGoing?: boolean;
  },
): Promise<PropertyRun> {
  let schedules = 0;
  let steps = 0;
  const ledgerStart = harness.ledger.executions.length;
  const faultsBefore = harness.faultsInjected();
  const started = Date.now();
  const found: Violation[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(options.faults), async (schedule) => {
        const outcome = await runSchedule(harness, schedule, options.startAt());
        schedules++;
        steps += outcome.steps;
        found.push(...outcome.violations);
        if (outcome.violations.length > 0) {
          throw new Error(`model violations:\n${outcome.violations.map((v) => `  ${v.kind} [${v.key}] ${v.detail}`).join('\n')}`);
        }
      }),
      { seed: options.seed, numRuns: options.runs, endOnFailure: !options.keepGoing },
    );
  } catch (error) {
    console.error(`Property failed. Replay with IDEMPOTENCY_SEED=${options.seed} IDEMPOTENCY_RUNS=${options.runs}.`);
    throw error;
  }
  return {
    schedules,
    steps,
    executions: harness.ledger.executions.length - ledgerStart,
    faults: harness.faultsInjected() - faultsBefore,
    seconds: (Date.now() - started) / 1000,
    violations: found,
  };
}
