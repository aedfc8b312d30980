import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSampleTables, ensureSampleTables, sampleTableNames } from '../../demo/sample-tables.js';
import { runScenario, type ScenarioReport } from '../../demo/scenario.js';
import { endpoint, testClient } from '../support/dynamodb.js';
import { dropToolTables, runTool, toolEnvironment } from './run-tool.js';

const client = testClient();
const tables = sampleTableNames(`start-test-${randomUUID().slice(0, 8)}`, {});
let report: ScenarioReport;

beforeAll(async () => {
  await ensureSampleTables(client, tables);
  report = await runScenario({ tables, clientConfig: { endpoint: endpoint() } });
});
afterAll(async () => {
  await dropSampleTables(client, tables);
  await dropToolTables();
  client.destroy();
});

const step = <T extends { title: string }>(steps: readonly T[], title: string): T => {
  const found = steps.find((candidate) => candidate.title.startsWith(title));
  if (!found) throw new Error(`no step "${title}"`);
  return found;
};

describe("npm start's scenario", () => {
  it('runs the payment handler once per key however many times the key is sent', () => {
    expect(step(report.payments, 'first payment')).toMatchObject({ calls: 1, executions: 1, replays: 0 });
    expect(step(report.payments, 'first payment').statuses).toEqual(new Map([[201, 1]]));
    expect(step(report.payments, 'client retry')).toMatchObject({ calls: 1, executions: 0, replays: 1 });
    expect(step(report.payments, '10 concurrent retries')).toMatchObject({ calls: 10, executions: 0, replays: 10 });
    expect(step(report.payments, '10 concurrent retries').statuses).toEqual(new Map([[201, 10]]));
    expect(step(report.payments, 'same key, another body')).toMatchObject({ executions: 0, replays: 0 });
    expect(step(report.payments, 'same key, another body').statuses).toEqual(new Map([[422, 1]]));
    expect(step(report.payments, 'no Idempotency-Key').statuses).toEqual(new Map([[400, 1]]));
  });

  it('lets exactly one of ten concurrent first attempts run; the others get 409 or the replay', () => {
    const race = step(report.payments, '10 concurrent first attempts');
    expect(race.executions).toBe(1);
    const answered = [...race.statuses].filter(([status]) => status !== 201 && status !== 409);
    expect(answered).toEqual([]);
    const retried = report.payments.find((candidate) => candidate.title.startsWith('the 409s retried'));
    expect(retried?.executions ?? 0).toBe(0);
    expect(retried?.replays ?? 0).toBe(race.statuses.get(409) ?? 0);
  });

  it('applies each order event to the ledger once and reports only the failing records', () => {
    expect(step(report.orders, 'orders-first.json')).toMatchObject({ records: 3, executions: 3, duplicates: 0, failures: [] });
    const duplicates = step(report.orders, 'orders-duplicate.json');
    expect(duplicates).toMatchObject({ records: 5, executions: 1, duplicates: 3 });
    expect(duplicates.failures).toEqual([
      { messageId: '9a1e7c4b-0d2f-4b86-a3e5-c6f8d2b0e917', reason: expect.stringMatching(/^ValidationError: amount/) },
    ]);
    const mismatch = step(report.orders, 'orders-mismatch.json');
    expect(mismatch.executions).toBe(0);
    expect(mismatch.failures).toEqual([
      { messageId: 'c4f1a9e2-7b3d-4e60-9c85-0a2d6e8b3f71', reason: expect.stringMatching(/^PayloadMismatchError/) },
    ]);
  });

  it('applies an EventBridge refund once however many copies arrive, and refuses a copy with another detail', () => {
    expect(step(report.refunds, 'refunds-first.json')).toMatchObject({ records: 1, executions: 1, failures: [] });
    expect(step(report.refunds, 'refunds-duplicate.json')).toMatchObject({
      records: 3,
      executions: 0,
      duplicates: 3,
      failures: [],
    });
    const mismatch = step(report.refunds, 'refunds-mismatch.json');
    expect(mismatch.executions).toBe(0);
    expect(mismatch.failures).toEqual([
      { messageId: '3f9b2c71-8d4e-4a06-b5e3-c17a9d2f4e88', reason: expect.stringMatching(/^PayloadMismatchError/) },
    ]);
  });

  it('leaves one payment per key and the balances of each distinct event counted once', () => {
    expect(report.tables.payments).toHaveLength(2);
    const balances = Object.fromEntries(report.tables.ledger.map((entry) => [entry.customerId, entry.balance]));
    // orders-first and orders-duplicate: customer-17 +2500 -500, customer-42 +1250 +990; the refund: customer-42 -990.
    expect(balances).toEqual({ 'customer-17': 2000, 'customer-42': 1250 });
    expect(report.tables.idempotency.every((record) => record.status === 'COMPLETED')).toBe(true);
    expect(report.checks.filter((check) => !check.passed)).toEqual([]);
  });

  it('npm start prints the report and exits 0, here against an external endpoint whose tables it then drops', async () => {
    const { code, stdout, stderr } = await runTool('demo/start.ts', [], toolEnvironment());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`DynamoDB at ${endpoint()}`);
    expect(stdout).toMatch(/ok +\d+ calls with 2 idempotency keys ran the payment handler 2 times, once per key/);
    expect(stdout).toMatch(/ok +14 SQS records and EventBridge deliveries with 5 distinct events made 5 ledger writes/);
    expect(stdout).toContain('Every check passed');
    expect(stdout).not.toContain('FAIL');
  });
});
