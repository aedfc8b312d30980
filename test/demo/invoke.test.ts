import { afterAll, describe, expect, it } from 'vitest';
import { dropToolTables, runTool, toolEnvironment } from './run-tool.js';

afterAll(dropToolTables);

describe('npm run invoke', () => {
  it('runs the payments handler on sample events in turn: created, replayed, refused', async () => {
    const { code, stdout, stderr } = await runTool(
      'demo/invoke.ts',
      [
        'payments',
        'events/samples/payments-first.json',
        'events/samples/payments-duplicate.json',
        'events/samples/payments-mismatch.json',
      ],
      toolEnvironment(),
    );
    expect(code).toBe(0);
    expect(stderr).toContain('# events/samples/payments-duplicate.json');
    const results = stdout
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text) as { statusCode: number; headers: Record<string, string>; body: string });
    expect(results.map((result) => result.statusCode)).toEqual([201, 201, 422]);
    expect(results[1]?.headers['Idempotent-Replayed']).toBe('true');
    expect(results[1]?.body).toBe(results[0]?.body);
  });

  it('runs the orders consumer: a redelivered batch applies only what is new, a bad record is a batch item failure', async () => {
    const { code, stdout } = await runTool(
      'demo/invoke.ts',
      ['orders', 'events/samples/orders-first.json', 'events/samples/orders-duplicate.json'],
      toolEnvironment(),
    );
    expect(code).toBe(0);
    const results = stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as unknown);
    expect(results).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [{ itemIdentifier: '9a1e7c4b-0d2f-4b86-a3e5-c6f8d2b0e917' }] },
    ]);
  });

  it('runs the refunds function: a copy of an EventBridge event gets the first result, a changed copy an error', async () => {
    const { code, stdout } = await runTool(
      'demo/invoke.ts',
      [
        'refunds',
        'events/samples/refunds-first.json',
        'events/samples/refunds-duplicate.json',
        'events/samples/refunds-mismatch.json',
      ],
      toolEnvironment(),
    );
    expect(code).toBe(1);
    const [first, duplicate, mismatch] = stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(first).toEqual({ customerId: 'customer-42', balance: -990, currency: 'EUR', appliedEvents: 1 });
    expect(duplicate).toEqual(first);
    expect(mismatch).toMatchObject({ errorType: 'PayloadMismatchError' });
  });

  it('names the functions it knows when called wrongly', async () => {
    const { code, stderr } = await runTool(
      'demo/invoke.ts',
      ['shipments', 'events/samples/payments-first.json'],
      toolEnvironment(),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run invoke -- <payments|orders|refunds> <event.json>');
  });
});
