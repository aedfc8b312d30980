import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDBStore,
  type HttpEvent,
  HttpProblemType,
  type HttpResponse,
  httpIdempotency,
  idempotentBatch,
  makeIdempotent,
  StoreError,
} from '../../src/index.js';
import { emfMetrics, type IdempotencyOutcome } from '../../src/observability/index.js';
import { sampleEvent } from '../batch/support.js';
import { headersOf, httpShapes, withBody, withKey } from '../http/http-events.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { lambdaContext, timed } from '../support/fixtures.js';

/**
 * DynamoDB (dynalite, through the store's own lean transport, and through an AWS SDK client) refusing connections, hanging and
 * throttling, under both answers to `whenStoreUnavailable`: fail closed fails the invocation with
 * an unavailable StoreError and runs nothing; fail open runs the handler without idempotency and
 * says so. When the store returns, nothing was written, released or replayed wrongly.
 */

/** The engine's bound on each store request in these tests. */
const STORE_TIMEOUT_MS = 300;
/** How long the proxy holds a hung request before it forwards it (DynamoDB then applies it). */
const HANG_MS = 2_000;
/** Each invocation's remaining time, so its claim's lifetime: a claim that lands late has lapsed. */
const REMAINING_MS = 1_000;
/**
 * Fails within this however the store fails. A hung request is ended by the bound (300 ms): this is
 * below the hang (2 s) and the transport's own timeout (5 s), with room for a loaded machine.
 */
const FAILS_WITHIN_MS = 1_500;

type Outage = 'refusing connections' | 'hanging' | 'throttling';
const OUTAGES: readonly Outage[] = ['refusing connections', 'hanging', 'throttling'];
const quiet = { warn: () => undefined, error: () => undefined };

let direct: DynamoDBClient;
let table: TestTable;
let proxy: FaultProxy;
let port: number;
beforeAll(async () => {
  direct = testClient();
  table = await createTable(direct);
  proxy = await new FaultProxy({ upstream: endpoint(), delayMs: HANG_MS }).start();
  port = Number(new URL(proxy.endpoint).port);
});
/** The SDK clients the tests made, destroyed at the end. */
const clients: Array<{ destroy(): void }> = [];
afterAll(async () => {
  for (const client of clients) client.destroy();
  await proxy.stop();
  await table.drop();
  direct.destroy();
});

type Transport = 'lean' | 'sdk';

/** A store of its own per test (the circuit is per store object), through the proxy. */
function storeFor(transport: Transport = 'lean', tableName = table.name): DynamoDBStore {
  if (transport === 'sdk') {
    const client = faultClient(proxy.endpoint, { maxAttempts: 2, timeoutMs: 5_000 });
    clients.push(client);
    return new DynamoDBStore({ tableName, client });
  }
  return new DynamoDBStore({
    tableName,
    endpoint: proxy.endpoint,
    maxAttempts: 2,
    retryBaseDelayMs: 5,
    connectTimeoutMs: 200,
    // Longer than the hang: what ends a hung request is the engine's bound, not the transport.
    requestTimeoutMs: 5_000,
  });
}

/** Takes DynamoDB away from the records of `functionName`, as `outage` says; resolves to what brings it back. */
async function takeDown(outage: Outage, functionName: string): Promise<() => Promise<void>> {
  switch (outage) {
    case 'refusing connections': {
      await proxy.stop();
      return async () => {
        proxy = await new FaultProxy({ upstream: endpoint(), delayMs: HANG_MS, port }).start();
      };
    }
    case 'hanging': {
      const rule = proxy.inject({ fault: 'late-request', bodyIncludes: functionName });
      return async () => {
        rule.remove();
        // The held requests reach DynamoDB now: what they write is what the test then inspects.
        await proxy.drain(functionName);
      };
    }
    case 'throttling': {
      const rule = proxy.inject({ fault: 'throttle', bodyIncludes: functionName });
      return async () => rule.remove();
    }
  }
}

/** The records of one function's scope, read straight from the table. */
async function recordsOf(functionName: string): Promise<Array<{ status: string; lease: string; result?: string }>> {
  const { Items = [] } = await direct.send(new ScanCommand({ TableName: table.name, ConsistentRead: true }));
  return Items.filter((item) => item.id?.S?.startsWith(`${functionName}#`)).map((item) => ({
    status: String(item.status?.S),
    lease: String(item.lease?.S),
    ...(item.result?.S !== undefined && { result: item.result.S }),
  }));
}

/** An idempotent function of its own, counting its runs, with every outcome and EMF document kept. */
function subject(whenStoreUnavailable: 'fail-closed' | 'fail-open', transport: Transport = 'lean') {
  const functionName = `outage-${randomUUID().slice(0, 8)}`;
  const outcomes: IdempotencyOutcome[] = [];
  const documents: Array<Record<string, unknown>> = [];
  const warnings: string[] = [];
  let runs = 0;
  const send = makeIdempotent(
    async (_event: { id: string }, _context: unknown) => {
      runs++;
      return `run ${runs}`;
    },
    {
      store: storeFor(transport),
      key: 'id',
      whenStoreUnavailable,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      clockSkewMs: 50,
      logger: { warn: (message: string) => void warnings.push(message), error: () => undefined },
      onOutcome: [
        (outcome) => void outcomes.push(outcome),
        emfMetrics({ namespace: 'Test', write: (line) => void documents.push(JSON.parse(line) as Record<string, unknown>) }),
      ],
    },
  );
  return {
    functionName,
    outcomes,
    documents,
    warnings,
    runs: () => runs,
    call: (id: string) => send({ id }, lambdaContext(REMAINING_MS, functionName)),
  };
}

describe.each(OUTAGES.flatMap((outage) => (['lean', 'sdk'] as const).map((transport) => [outage, transport] as const)))(
  'DynamoDB %s (%s transport)',
  (outage, transport) => {
    it('fail closed (default): an unavailable StoreError, the handler not run; when DynamoDB returns, the retry runs once', async () => {
      const fn = subject('fail-closed', transport);
      const bringBack = await takeDown(outage, fn.functionName);
      const failed = await timed(fn.call('order-1'));
      await bringBack();

      expect(failed.error).toBeInstanceOf(StoreError);
      // The lean transport is told the bound and times out itself (PutItem); an SDK client is not, and
      // the engine gives up on it (claim).
      const hungOnSdk = outage === 'hanging' && transport === 'sdk';
      expect(failed.error).toMatchObject({ unavailable: true, operation: hungOnSdk ? 'claim' : 'PutItem' });
      expect(failed.elapsedMs).toBeLessThan(FAILS_WITHIN_MS);
      expect(fn.runs()).toBe(0);
      expect(fn.outcomes.map((outcome) => outcome.kind)).toEqual(['store-error']);

      expect(await fn.call('order-1')).toBe('run 1');
      expect(await fn.call('order-1')).toBe('run 1');
      expect(fn.runs()).toBe(1);
      expect(await recordsOf(fn.functionName)).toMatchObject([{ status: 'COMPLETED' }]);
    });

    it('fail open: the handler runs without idempotency, warned, outcome and EMF StoreUnavailable; nothing of it is stored or replayed', async () => {
      const fn = subject('fail-open', transport);
      const bringBack = await takeDown(outage, fn.functionName);
      const ran = await timed(fn.call('order-1'));
      await bringBack();

      expect(ran.error).toBeUndefined();
      expect(ran.value).toBe('run 1');
      expect(ran.elapsedMs).toBeLessThan(FAILS_WITHIN_MS);
      expect(fn.warnings).toEqual([expect.stringMatching(/record "outage-\w+#[\w-]+" runs WITHOUT idempotency/)]);
      expect(fn.outcomes).toMatchObject([{ kind: 'store-unavailable', recordId: expect.stringMatching(/^outage-/) }]);
      expect(fn.documents).toMatchObject([{ StoreUnavailable: 1 }]);
      // Nothing of the unprotected run: no record, or (a claim sent before the outage was declared,
      // applied late) an in-progress claim under a lease no invocation holds, already lapsed.
      const after = await recordsOf(fn.functionName);
      if (outage === 'hanging') expect(after).toMatchObject([{ status: 'INPROGRESS' }]);
      else expect(after).toEqual([]);
      expect(after[0]?.result).toBeUndefined();

      // Its duplicate runs again (there is nothing to replay), under a claim of its own, and is stored.
      expect(await fn.call('order-1')).toBe('run 2');
      expect(await fn.call('order-1')).toBe('run 2');
      const stored = await recordsOf(fn.functionName);
      expect(stored).toMatchObject([{ status: 'COMPLETED' }]);
      if (outage === 'hanging') expect(stored[0]?.lease).not.toBe(after[0]?.lease);
      expect(fn.outcomes.map((outcome) => outcome.kind)).toEqual(['store-unavailable', 'executed', 'replayed']);
    });
  },
);

describe('a refusal that waiting does not heal', () => {
  it('a missing table fails closed even with fail open: the handler does not run, nothing counts towards the circuit', async () => {
    let runs = 0;
    const send = makeIdempotent(
      async (_event: { id: string }) => {
        runs++;
        return 'ran';
      },
      { store: storeFor('lean', `missing-${randomUUID()}`), key: 'id', whenStoreUnavailable: 'fail-open', logger: quiet },
    );
    for (let index = 0; index < 4; index++) {
      const error = await send({ id: `order-${index}` }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ unavailable: false });
      // Never "circuit is open": a refusal is an answer of the store.
      expect((error as Error).message).toMatch(/does not exist/);
    }
    expect(runs).toBe(0);
  });
});

describe('the circuit, against DynamoDB throttling', () => {
  it('after 2 failed invocations sends nothing for openMs, then one probe closes it', async () => {
    const functionName = `circuit-${randomUUID().slice(0, 8)}`;
    const outcomes: IdempotencyOutcome[] = [];
    const send = makeIdempotent(async (event: { id: string }, _context: unknown) => `sent ${event.id}`, {
      store: storeFor(),
      key: 'id',
      whenStoreUnavailable: 'fail-open',
      circuitBreaker: { failureThreshold: 2, openMs: 500 },
      logger: quiet,
      onOutcome: (outcome) => void outcomes.push(outcome),
    });
    const call = (id: string) => send({ id }, lambdaContext(REMAINING_MS, functionName));
    const throttled = proxy.inject({ fault: 'throttle', bodyIncludes: functionName });

    for (const id of ['a', 'b', 'c', 'd']) expect(await call(id)).toBe(`sent ${id}`);
    // Two invocations, each through the transport's two attempts; then none.
    expect(throttled.hits()).toBe(4);
    expect(outcomes.map((outcome) => [outcome.kind, outcome.requests.total])).toEqual([
      ['store-unavailable', 1],
      ['store-unavailable', 1],
      ['store-unavailable', 0],
      ['store-unavailable', 0],
    ]);

    throttled.remove();
    await sleep(500);
    expect(await call('e')).toBe('sent e');
    expect(await call('e')).toBe('sent e');
    expect(outcomes.slice(4).map((outcome) => outcome.kind)).toEqual(['executed', 'replayed']);
    expect(await recordsOf(functionName)).toMatchObject([{ status: 'COMPLETED' }]);
  });
});

describe('the adapters while DynamoDB refuses connections', () => {
  const sample = httpShapes.find((shape) => shape.file === 'http-api.json')!;

  async function httpCall(whenStoreUnavailable: 'fail-closed' | 'fail-open') {
    let runs = 0;
    const handler = middy(async (_event: HttpEvent): Promise<HttpResponse> => {
      runs++;
      return { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: '{"created":true}' };
    }).use(httpIdempotency({ store: storeFor(), whenStoreUnavailable, logger: quiet }));
    const functionName = `http-${randomUUID().slice(0, 8)}`;
    const event = withBody(withKey(sample.event(), `key-${randomUUID()}`), '{"amount":4200}');
    const bringBack = await takeDown('refusing connections', functionName);
    try {
      const response = (await handler(event, lambdaContext(REMAINING_MS, functionName))) as {
        statusCode: number;
        body: string;
      };
      return { response, runs };
    } finally {
      await bringBack();
    }
  }

  it('HTTP, fail closed: 503 problem+json with Retry-After, the handler not run', async () => {
    const { response, runs } = await httpCall('fail-closed');
    expect(runs).toBe(0);
    expect(response.statusCode).toBe(503);
    const headers = headersOf(response);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(response.body)).toMatchObject({ type: HttpProblemType.storeUnavailable, status: 503 });
  });

  it("HTTP, fail open: the handler's own response, not marked as a replay", async () => {
    const { response, runs } = await httpCall('fail-open');
    expect(runs).toBe(1);
    expect(response.statusCode).toBe(201);
    expect(headersOf(response)['idempotent-replayed']).toBeUndefined();
  });

  async function batchCall(whenStoreUnavailable: 'fail-closed' | 'fail-open') {
    const applied: string[] = [];
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        applied.push(record.messageId);
      },
      { store: storeFor(), whenStoreUnavailable, logger: quiet },
    );
    const functionName = `batch-${randomUUID().slice(0, 8)}`;
    // AWS's example SQS event: its records are this function's own (a fresh scope per test).
    const event = sampleEvent<SQSEvent>('sqs');
    const bringBack = await takeDown('refusing connections', functionName);
    try {
      const response = await handler(event, lambdaContext(REMAINING_MS, functionName));
      return { event, response, applied };
    } finally {
      await bringBack();
    }
  }

  it('SQS batch, fail closed: every record reported failed for redelivery, none run', async () => {
    const { event, response, applied } = await batchCall('fail-closed');
    expect(applied).toEqual([]);
    expect(response).toEqual({
      batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
    });
  });

  it('SQS batch, fail open: every record runs, none reported failed', async () => {
    const { event, response, applied } = await batchCall('fail-open');
    expect(applied).toEqual(event.Records.map((record) => record.messageId));
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
