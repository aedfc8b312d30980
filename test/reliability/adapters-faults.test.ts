import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FaultyTable, httpUnderFaults, sqsUnderFaults, startFaultyTable } from './adapters-faults.js';

// The faults, the clients and the queue are in adapters-faults.ts.

let on: FaultyTable;
beforeAll(async () => {
  on = await startFaultyTable();
});
afterAll(async () => {
  await on?.stop();
});

it('HTTP under faults: each payment is charged once and every retry gets the same response', async () => {
  const run = await httpUnderFaults(on);
  expect(run.faults).toBeGreaterThan(0);
  for (const paymentId of run.paymentIds) {
    expect(run.charges.get(paymentId), paymentId).toBe(1);
    const bodies = run.answers.filter((answer) => answer.paymentId === paymentId);
    expect(bodies.every((answer) => answer.status === 201 && answer.body === bodies[0]!.body)).toBe(true);
  }
}, 120_000);

it('SQS batch under faults: failed records are redelivered until done, and each message is applied once', async () => {
  const run = await sqsUnderFaults(on);
  expect(run.faults).toBeGreaterThan(0);
  expect(run.done).toBe(run.messages);
  for (const messageId of run.messageIds) expect(run.applied.get(messageId), messageId).toBe(1);
}, 120_000);
