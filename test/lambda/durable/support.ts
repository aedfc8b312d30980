import { afterAll, beforeAll } from 'vitest';
import { type StoreFixture, useStoreFixture } from '../../support/fixtures.js';

// The durable SDK, its local runner and Middy 7's durable mode declare Node >= 22: loaded only there.
const nodeMajor = Number(process.versions.node.split('.')[0]);
export const durableSdkRuns = nodeMajor >= 22;

export type Sdk = typeof import('@aws/durable-execution-sdk-js');
export type Testing = typeof import('@aws/durable-execution-sdk-js-testing');

/** What a durable test file works with once its `beforeAll` ran: the SDK, its runner, a table. */
export interface DurableEnvironment {
  sdk: Sdk;
  testing: Testing;
  fixture: StoreFixture;
}

/**
 * Loads the SDK and its local runner and makes a table before the describe block's tests, and
 * tears both down after. Call it inside the `describe.skipIf(!durableSdkRuns)` block.
 */
export function useDurableEnvironment(): DurableEnvironment {
  const environment = { fixture: useStoreFixture() } as DurableEnvironment;
  beforeAll(async () => {
    environment.sdk = await import('@aws/durable-execution-sdk-js');
    environment.testing = await import('@aws/durable-execution-sdk-js-testing');
    // Real time: fake timers would also move the store client's and the engine's clocks.
    await environment.testing.LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  });
  afterAll(async () => {
    await environment.testing?.LocalDurableTestRunner.teardownTestEnvironment();
  });
  return environment;
}
