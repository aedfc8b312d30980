import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { DynamoDBStore, httpIdempotency, InProgressError, makeIdempotent } from '../../src/index.js';
import { endpoint } from '../support/dynamodb.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { lambdaContext, useStoreFixture } from '../support/fixtures.js';
import { httpPaymentEvent } from './crash-http-event.js';

/**
 * A real process is killed (SIGKILL) in the middle of an invocation. Its claim outlives it, but
 * only until its in-progress expiry (the invocation's remaining time): a retry before that gets
 * InProgressError, a retry after it runs the handler, and a duplicate after that replays.
 */

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const REMAINING_MS = 2_500;
/** The engine's default clock-skew margin: a lapsed claim is taken over this long after its expiry. */
const CLOCK_SKEW_MS = 3_000;

const fixture = useStoreFixture();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'idempotency-crash-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function startChild(options: {
  endpoint: string;
  orderId: string;
  ledger: string;
  crashAt: 'handler' | 'result-write';
  adapter?: 'http';
}): {
  child: ChildProcess;
  inHandler: Promise<void>;
  exited: Promise<NodeJS.Signals | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: options.endpoint,
      IDEMPOTENCY_TABLE: fixture.table.name,
      CRASH_ORDER_ID: options.orderId,
      CRASH_REMAINING_MS: String(REMAINING_MS),
      CRASH_LEDGER: options.ledger,
      CRASH_AT: options.crashAt,
      CRASH_ADAPTER: options.adapter ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const inHandler = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => String(chunk).includes('IN_HANDLER') && resolve());
    void exited.then(() => reject(new Error(`the child exited before its handler ran:\n${stderr}`)));
  });
  return { child, inHandler, exited };
}

/** The same function, in the test process: same Lambda function name and wrapped name, same records. */
function retryingFunction(ledger: string) {
  const store = new DynamoDBStore({ tableName: fixture.table.name });
  async function chargeOrder(order: { orderId: string }, _context: Context) {
    // The ledger is a file the child writes too: one line per execution, whichever process.
    appendFileSync(ledger, `parent ${process.pid} ${order.orderId}\n`);
    return { orderId: order.orderId, chargedBy: `parent ${process.pid}` };
  }
  const charge = makeIdempotent(chargeOrder, { store, key: 'orderId', logger: { warn: () => undefined } });
  return (orderId: string) => charge({ orderId }, lambdaContext(30_000, 'crash-test-fn'));
}

const executions = (ledger: string) => readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean);

/** The record both processes use: the Lambda function name, the wrapped function's name, the key. */
async function recordOf(orderId: string): Promise<Record<string, unknown> | undefined> {
  const item = await fixture.rawItem(`crash-test-fn#${hashMaterial(orderId)}`);
  return item && unmarshall(item as Record<string, AttributeValue>);
}

// Concurrent: each test waits out a real claim expiry; run side by side they wait once.
describe.concurrent('a process killed mid-invocation', () => {
  it('killed inside the handler: retries get InProgressError until the claim expires, then one runs the handler', async () => {
    const orderId = `order-${randomUUID()}`;
    const ledger = join(dir, `${orderId}.log`);
    const { child, inHandler, exited } = startChild({ endpoint: endpoint(), orderId, ledger, crashAt: 'handler' });
    await inHandler;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const claim = await recordOf(orderId);
    expect(claim, 'the dead process left its claim').toMatchObject({ status: 'INPROGRESS' });
    const claimUntil = Number(claim!.in_progress_expiration);
    expect(claimUntil - Date.now()).toBeLessThanOrEqual(REMAINING_MS);

    const charge = retryingFunction(ledger);
    const early = await charge(orderId).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(InProgressError);
    expect((early as InProgressError).inProgressUntil).toBe(claimUntil);
    expect(executions(ledger)).toHaveLength(1);

    await sleep(Math.max(0, claimUntil - Date.now()) + CLOCK_SKEW_MS + 50);
    const late = await charge(orderId);
    expect(late).toEqual({ orderId, chargedBy: `parent ${process.pid}` });
    expect(await charge(orderId)).toEqual(late);
    expect(executions(ledger)).toEqual([`child ${child.pid} ${orderId}`, `parent ${process.pid} ${orderId}`]);
    expect(await recordOf(orderId)).toMatchObject({ status: 'COMPLETED' });
  }, 30_000);

  it('killed while its result write is on the wire: the write that lands is replayed, the handler never runs again', async () => {
    // The proxy holds the child's UpdateItem; the child dies; the write reaches DynamoDB afterwards.
    const proxy = await new FaultProxy({ upstream: endpoint(), delayMs: 1_000 }).start();
    try {
      const held = proxy.inject({ fault: 'late-request', operation: 'UpdateItem', nth: 1 });
      const orderId = `order-${randomUUID()}`;
      const ledger = join(dir, `${orderId}.log`);
      const { child, inHandler, exited } = startChild({ endpoint: proxy.endpoint, orderId, ledger, crashAt: 'result-write' });
      await inHandler;
      while (held.hits() === 0) await sleep(5);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const charge = retryingFunction(ledger);
      expect(await charge(orderId).catch((error: unknown) => error)).toBeInstanceOf(InProgressError);

      await proxy.drain();
      expect(await charge(orderId)).toEqual({ orderId, chargedBy: `child ${child.pid}` });
      expect(executions(ledger)).toEqual([`child ${child.pid} ${orderId}`]);
    } finally {
      await proxy.stop();
    }
  }, 30_000);

  it('an HTTP function killed inside the handler answers 409 with Retry-After until the claim expires, then runs once and replays', async () => {
    const orderId = `order-${randomUUID()}`;
    const ledger = join(dir, `${orderId}.log`);
    const { child, inHandler, exited } = startChild({
      endpoint: endpoint(),
      orderId,
      ledger,
      crashAt: 'handler',
      adapter: 'http',
    });
    await inHandler;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = new DynamoDBStore({ tableName: fixture.table.name });
    const retry = middy(async () => {
      appendFileSync(ledger, `parent ${process.pid} ${orderId}\n`);
      return { statusCode: 201, body: JSON.stringify({ orderId, chargedBy: `parent ${process.pid}` }) };
    }).use(httpIdempotency({ store }));
    const send = () =>
      retry(httpPaymentEvent(orderId), lambdaContext(30_000, 'crash-test-fn')) as Promise<{
        statusCode: number;
        headers?: Record<string, string>;
        body: string;
      }>;

    const early = await send();
    expect(early.statusCode).toBe(409);
    expect(early.headers?.['Retry-After']).toBeDefined();
    expect(executions(ledger)).toHaveLength(1);

    await sleep(REMAINING_MS + CLOCK_SKEW_MS + 100);
    const late = await send();
    expect(late.statusCode).toBe(201);
    const replay = await send();
    expect(replay.body).toBe(late.body);
    expect(replay.headers?.['Idempotent-Replayed']).toBe('true');
    expect(executions(ledger)).toEqual([`child ${child.pid} ${orderId}`, `parent ${process.pid} ${orderId}`]);
  }, 30_000);
});
