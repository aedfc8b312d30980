import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runOrdered } from '../../src/batch/scheduler.js';

interface Trace {
  readonly started: number[];
  readonly blocked: Map<number, number>;
  peak: number;
}

async function schedule(groups: (string | undefined)[], failing: Set<number>, concurrency: number): Promise<Trace> {
  const trace: Trace = { started: [], blocked: new Map(), peak: 0 };
  let active = 0;
  await runOrdered(groups.length, {
    concurrency,
    groupOf: (index) => groups[index],
    run: async (index) => {
      trace.started.push(index);
      active++;
      trace.peak = Math.max(trace.peak, active);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      return !failing.has(index);
    },
    block: (index, failed) => void trace.blocked.set(index, failed),
  });
  return trace;
}

const batches = fc.record({
  groups: fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), { maxLength: 30 }),
  failures: fc.array(fc.nat(29), { maxLength: 5 }),
  concurrency: fc.integer({ min: 1, max: 6 }),
});

describe('runOrdered', () => {
  it('settles every item once, keeps each group in order and blocks a group after its failure', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async ({ groups, failures, concurrency }) => {
        const failing = new Set(failures);
        const trace = await schedule(groups, failing, concurrency);
        const settled = [...trace.started, ...trace.blocked.keys()].sort((a, b) => a - b);
        expect(settled).toEqual(groups.map((_, index) => index));
        expect(trace.peak).toBeLessThanOrEqual(concurrency);
        for (const [index, failed] of trace.blocked) {
          expect(groups[index]).toBeDefined();
          expect(groups[failed]).toBe(groups[index]);
          expect(failed).toBeLessThan(index);
          expect(failing.has(failed)).toBe(true);
        }
        for (const group of new Set(groups)) {
          if (group === undefined) continue;
          const ran = trace.started.filter((index) => groups[index] === group);
          expect(ran).toEqual([...ran].sort((a, b) => a - b));
          expect(ran.slice(0, -1).some((index) => failing.has(index))).toBe(false);
        }
        if (concurrency === 1) expect(trace.started).toEqual([...trace.started].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });

  it('runs ungrouped items side by side up to the limit', async () => {
    const trace = await schedule(
      Array.from({ length: 12 }, () => undefined),
      new Set(),
      4,
    );
    expect(trace.peak).toBe(4);
    expect(trace.started).toEqual(Array.from({ length: 12 }, (_, index) => index));
  });
});
