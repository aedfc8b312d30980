import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../support/fixtures.js';
import { FAULTS, HARNESS, runMatrix, sentBy, TARGETS } from './fault-matrix.js';
import { expectSound, MODES } from './fault-story.js';
import { type Harness, SOAK, startHarness } from './harness.js';

// Both transports: the store's own (the default) and a caller's AWS SDK client.
for (const transport of ['lean', 'sdk'] as const satisfies readonly Transport[]) {
  describe(`${transport} transport`, () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ ...HARNESS, transport });
    });
    afterAll(async () => {
      await harness?.stop();
    });

    it('fault matrix: no double execution, no overwritten result, no stuck claim, for every fault on every request', async () => {
      const { results, table, summary } = await runMatrix(harness, TARGETS, SOAK ? 5 : 1);
      console.log(`\nFault matrix, ${transport} transport\n${table}\n${summary}\n`);
      expectSound(results);
    }, 120_000);

    it('the fault matrix faults only the requests its endpoint sends: against one that returns the old item, the duplicate sends no fallback read', async () => {
      const likeDynamoDB = await startHarness({ ...HARNESS, transport, emulateReturnedOldItem: true });
      try {
        expect(likeDynamoDB.returnsItemOnConditionFailure).toBe(true);
        expect(harness.returnsItemOnConditionFailure).toBe(false);
        const duplicateRequests = TARGETS.filter((target) => target.step === 'B');
        expect(sentBy(likeDynamoDB, duplicateRequests).map((target) => target.operation)).toEqual(['PutItem']);
        const { results } = await runMatrix(likeDynamoDB, duplicateRequests, 1);
        expect(results.length).toBe(FAULTS.length * MODES.length);
        expectSound(results);
      } finally {
        await likeDynamoDB.stop();
      }
    }, 120_000);
  });
}
