import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONCURRENCY, INVOCATIONS, KEYS, type LoadTable, loadDirect, loadThroughFaults, startLoadTable } from './load.js';

// The burst, its two runs and their table are in load.ts.

let on: LoadTable;
beforeAll(async () => {
  on = await startLoadTable();
});
afterAll(async () => {
  await on?.stop();
});

it(`load: ${INVOCATIONS} invocations over ${KEYS} keys at concurrency ${CONCURRENCY} run each key once and lose no result`, async () => {
  const outcome = await loadDirect(on);
  expect(outcome.executions).toBe(KEYS);
  expect(outcome.lost).toBe(0);
  expect(outcome.completed).toBe(KEYS);
}, 300_000);

it('load through the fault proxy (3% throttled, 1% lost responses, 1% resets): still once per key, nothing lost', async () => {
  const outcome = await loadThroughFaults(on);
  expect(outcome.faults).toBeGreaterThan(0);
  expect(outcome.executions).toBe(outcome.keys);
  expect(outcome.lost).toBe(0);
  expect(outcome.completed).toBe(outcome.keys);
}, 300_000);
