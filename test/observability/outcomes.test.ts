import { DeleteItemCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { resetDisabledAnnouncement } from '../../src/engine/kill-switch.js';
import {
  DynamoDBStore,
  IdempotencyConfigError,
  InProgressError,
  idempotency,
  makeIdempotent,
  PayloadMismatchError,
} from '../../src/index.js';
import type { IdempotencyOutcome, OutcomeSink } from '../../src/observability/index.js';
import { emfMetrics, outcomeLog } from '../../src/observability/index.js';
import { createTable, testClient } from '../support/dynamodb.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture, warningSink } from '../support/fixtures.js';
import { expectValidEmf } from './emf-spec.js';

const fixture = useStoreFixture();

/** Everything an invocation's sinks received: the outcome, the log lines, the EMF documents. */
function observed() {
  const outcomes: IdempotencyOutcome[] = [];
  const lines: Array<{ level: string; line: Record<string, unknown> }> = [];
  const documents: Array<Record<string, unknown>> = [];
  const record = (level: string) => (text: unknown) => void lines.push({ level, line: JSON.parse(String(text)) });
  const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  return {
    outcomes,
    lines,
    documents,
    onOutcome: [
      (outcome: IdempotencyOutcome) => void outcomes.push(outcome),
      outcomeLog({ logger, style: 'json', level: 'info' }),
      emfMetrics({
        namespace: 'Test',
        dimensions: { Service: 'orders' },
        write: (line) => void documents.push(expectValidEmf(line)),
      }),
    ],
  };
}

const charge = async (order: { orderId: string; amount: number }, _context?: unknown) => ({ charged: order.amount });

describe('one outcome per invocation, with its log line and EMF document', () => {
  it('executed, then replayed: the record id is a hash, requests are counted, executions are not logged', async () => {
    const sinks = observed();
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome });
    const key = uniqueKey();
    await once({ orderId: key, amount: 5 }, lambdaContext());
    await once({ orderId: key, amount: 5 }, lambdaContext());
    expect(sinks.outcomes.map((outcome) => outcome.kind)).toEqual(['executed', 'replayed']);
    const [executed, replayed] = sinks.outcomes;
    expect(executed?.recordId).toMatch(/^orders-fn#[A-Za-z0-9+/_=-]+$/);
    expect(executed?.recordId).not.toContain(key);
    expect(executed?.scope).toBe('orders-fn');
    expect(executed?.requests).toEqual({ claim: 1, get: 0, complete: 1, release: 0, total: 2 });
    expect(executed?.phases.finish?.operation).toBe('complete');
    expect(replayed?.requests.total).toBe(1);
    expect(replayed?.recordId).toBe(executed?.recordId);
    expect(replayed?.durationMs).toBeGreaterThan(0);
    // The plain execution is at debug, below the info threshold: one line, for the replay.
    expect(sinks.lines).toEqual([
      {
        level: 'info',
        line: expect.objectContaining({
          level: 'INFO',
          idempotencyOutcome: 'replayed',
          recordId: executed?.recordId,
          storeRequests: 1,
        }),
      },
    ]);
    expect(JSON.stringify(sinks.lines)).not.toContain(key);
    expect(sinks.documents.map((document) => [document.Executed, document.Replayed])).toEqual([
      [1, undefined],
      [undefined, 1],
    ]);
    expect(sinks.documents[0]).toMatchObject({
      FunctionName: 'unknown',
      Service: 'orders',
      StoreRequests: 2,
      recordId: executed?.recordId,
    });
  });

  it('replayed from the local cache sends no request', async () => {
    const sinks = observed();
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', localCache: true, onOutcome: sinks.onOutcome });
    const order = { orderId: uniqueKey(), amount: 1 };
    await once(order);
    await once(order);
    expect(sinks.outcomes.map((outcome) => [outcome.kind, outcome.requests.total])).toEqual([
      ['executed', 2],
      ['replayed-from-cache', 0],
    ]);
    expect(sinks.lines[0]?.line.idempotencyOutcome).toBe('replayed-from-cache');
    expect(sinks.documents[1]?.ReplayedFromCache).toBe(1);
  });

  it('in progress: refused while the owner runs, then waited and replayed', async () => {
    const sinks = observed();
    const running = deferred();
    const started = deferred();
    const slow = async function slowCharge(order: { orderId: string }) {
      started.resolve();
      await running.promise;
      return { ok: order.orderId.length };
    };
    const refusing = makeIdempotent(slow, { store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome });
    const waiting = makeIdempotent(slow, {
      store: fixture.store,
      key: 'orderId',
      onOutcome: sinks.onOutcome,
      waitForInProgress: { timeoutMs: 5000, initialDelayMs: 20 },
    });
    const order = { orderId: uniqueKey() };
    const owner = refusing(order);
    await started.promise;
    await expect(refusing(order)).rejects.toBeInstanceOf(InProgressError);
    const waiter = waiting(order);
    setTimeout(() => running.resolve(), 100);
    await Promise.all([owner, waiter]);
    const kinds = sinks.outcomes.map((outcome) => [outcome.kind, outcome.waited ?? null]);
    expect(kinds).toEqual([
      ['in-progress', false],
      ['executed', null],
      ['in-progress', true],
    ]);
    expect(sinks.outcomes[2]?.requests.get).toBeGreaterThan(0);
    expect(sinks.lines.map((entry) => [entry.level, entry.line.idempotencyOutcome])).toEqual([
      ['warn', 'in-progress'],
      ['info', 'in-progress'],
    ]);
    expect(
      sinks.documents.map((document) => document.InProgressRefused ?? document.InProgressWaited ?? document.Executed),
    ).toEqual([1, 1, 1]);
    expect(sinks.documents[0]?.InProgressRefused).toBe(1);
    expect(sinks.documents[2]?.InProgressWaited).toBe(1);
  });

  it('payload mismatch, handler failed and unkeyed', async () => {
    const sinks = observed();
    const quiet = warningSink();
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', payload: 'amount', onOutcome: sinks.onOutcome });
    const key = uniqueKey();
    await once({ orderId: key, amount: 1 });
    await expect(once({ orderId: key, amount: 2 })).rejects.toBeInstanceOf(PayloadMismatchError);
    const failing = makeIdempotent(
      async function failingCharge(_order: { orderId: string }) {
        throw new Error('card declined');
      },
      { store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome },
    );
    await expect(failing({ orderId: uniqueKey() })).rejects.toThrow('card declined');
    const unkeyed = makeIdempotent(charge, {
      ...quiet,
      store: fixture.store,
      key: 'orderId',
      requireKey: false,
      onOutcome: sinks.onOutcome,
    });
    await unkeyed({ orderId: '', amount: 3 });
    expect(sinks.outcomes.map((outcome) => outcome.kind)).toEqual(['executed', 'payload-mismatch', 'handler-failed', 'unkeyed']);
    expect(sinks.outcomes[1]?.error?.name).toBe('PayloadMismatchError');
    expect(sinks.outcomes[2]?.requests).toMatchObject({ claim: 1, release: 1 });
    expect(sinks.outcomes[3]?.recordId).toBeUndefined();
    expect(sinks.lines.map((entry) => [entry.level, entry.line.idempotencyOutcome])).toEqual([
      ['warn', 'payload-mismatch'],
      ['warn', 'handler-failed'],
      ['warn', 'unkeyed'],
    ]);
    expect(
      sinks.documents.map((document) => Object.keys(document).find((name) => document[name] === 1 && name !== 'StoreRequests')),
    ).toEqual(['Executed', 'PayloadMismatch', 'HandlerFailed', 'Unkeyed']);
  });

  it('lease lost: the record was deleted out of band while the handler ran', async () => {
    const sinks = observed();
    const quiet = warningSink();
    const key = uniqueKey();
    // The id the engine derives: scope (here the key prefix), then the hash of the key material.
    const recordId = `evicted#${hashMaterial(key)}`;
    const once = makeIdempotent(
      async function evictedMidway(order: { orderId: string }) {
        await fixture.client.send(new DeleteItemCommand({ TableName: fixture.table.name, Key: { id: { S: recordId } } }));
        return order;
      },
      { ...quiet, store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome, keyPrefix: 'evicted' },
    );
    await once({ orderId: key });
    expect(sinks.outcomes.map((outcome) => [outcome.kind, outcome.recordId])).toEqual([['lease-lost', recordId]]);
    expect(quiet.warnings.map((warning) => warning.name)).toEqual(['LeaseLostError']);
    expect(sinks.lines[0]).toMatchObject({ level: 'warn', line: { idempotencyOutcome: 'lease-lost' } });
    expect(sinks.documents[0]?.LeaseLost).toBe(1);
  });

  it('store error and result not persisted, on a table that is missing or deleted mid-invocation', async () => {
    const client = testClient({ maxAttempts: 1 });
    const sinks = observed();
    const quiet = warningSink();
    const missing = makeIdempotent(charge, {
      ...quiet,
      store: new DynamoDBStore({ tableName: 'no-such-table', maxAttempts: 1 }),
      key: 'orderId',
      onOutcome: sinks.onOutcome,
    });
    await expect(missing({ orderId: uniqueKey(), amount: 1 })).rejects.toThrow();
    const doomed = await createTable(client);
    const vanishing = makeIdempotent(
      async function dropsItsTable(order: { orderId: string }) {
        await client.send(new DeleteTableCommand({ TableName: doomed.name }));
        return order;
      },
      {
        ...quiet,
        store: new DynamoDBStore({ tableName: doomed.name, maxAttempts: 1 }),
        key: 'orderId',
        onOutcome: sinks.onOutcome,
      },
    );
    await vanishing({ orderId: uniqueKey() });
    expect(sinks.outcomes.map((outcome) => outcome.kind)).toEqual(['store-error', 'result-not-persisted']);
    expect(sinks.outcomes[0]?.error?.name).toBe('StoreError');
    expect(sinks.outcomes[1]?.requests.complete).toBe(3);
    expect(sinks.documents.map((document) => document.StoreError ?? document.ResultNotPersisted)).toEqual([1, 1]);
    expect(sinks.lines.map((entry) => entry.level)).toEqual(['warn', 'warn']);
  });

  it('the Middy middleware reports the HTTP status of what it stored and replayed', async () => {
    const sinks = observed();
    const handler = middy(async (_event: { orderId: string }) => ({ statusCode: 201, body: 'created' })).use(
      idempotency<{ orderId: string }, { statusCode: number; body: string }>({
        store: fixture.store,
        key: 'orderId',
        onOutcome: sinks.onOutcome,
      }),
    );
    const event = { orderId: uniqueKey() };
    await handler(event, lambdaContext());
    await handler(event, lambdaContext());
    expect(sinks.outcomes.map((outcome) => [outcome.kind, outcome.statusCode])).toEqual([
      ['executed', 201],
      ['replayed', 201],
    ]);
    expect(sinks.lines[0]?.line.statusCode).toBe(201);
  });
});

describe('hooks never change the result', () => {
  it('a sink that throws or rejects leaves the result and the other sinks alone', async () => {
    const seen: string[] = [];
    const warnings: unknown[] = [];
    const once = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      logger: { warn: (message: string) => void warnings.push(message) },
      onOutcome: [
        () => {
          throw new Error('sink down');
        },
        async () => Promise.reject(new Error('async sink down')),
        (outcome) => void seen.push(outcome.kind),
      ],
    });
    const order = { orderId: uniqueKey(), amount: 7 };
    await expect(once(order)).resolves.toEqual({ charged: 7 });
    await expect(once(order)).resolves.toEqual({ charged: 7 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['executed', 'replayed']);
    expect(warnings).toHaveLength(4);
  });

  it('responseHook adjusts replays only, and a throwing one falls back to the stored result', async () => {
    const calls: Array<{ recordId: string; fromCache: boolean }> = [];
    const once = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      localCache: true,
      responseHook: (value, replay) => {
        calls.push(replay);
        return { ...(value as object), replayed: true };
      },
    });
    const order = { orderId: uniqueKey(), amount: 2 };
    await expect(once(order)).resolves.toEqual({ charged: 2 });
    await expect(once(order)).resolves.toEqual({ charged: 2, replayed: true });
    // The cached object was not mutated by the hook: the next replay is adjusted afresh.
    await expect(once(order)).resolves.toEqual({ charged: 2, replayed: true });
    // Both replays came from the local cache, and the hook is told so (without any sink as well).
    expect(calls.map((call) => call.fromCache)).toEqual([true, true]);
    const broken = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      logger: { warn: () => undefined },
      responseHook: () => {
        throw new Error('hook bug');
      },
    });
    await broken(order);
    await expect(broken(order)).resolves.toEqual({ charged: 2 });
  });
});

describe('what onOutcome takes', () => {
  it('takes a function of your own, alone or beside the shipped sinks, and refuses anything else at setup', async () => {
    for (const onOutcome of ['log', [emfMetrics({ write: () => undefined }), 'log']] as unknown as OutcomeSink[]) {
      expect(() => makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome })).toThrow(IdempotencyConfigError);
      expect(() => idempotency({ store: fixture.store, key: 'orderId', onOutcome })).toThrow(
        /Option "onOutcome" must be a function/,
      );
    }
    const kinds: string[] = [];
    const once = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      onOutcome: (o) => void kinds.push(o.kind),
    });
    await once({ orderId: uniqueKey(), amount: 1 });
    const alongside = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      onOutcome: [emfMetrics({ write: () => undefined }), (o) => void kinds.push(`beside ${o.kind}`)],
    });
    await alongside({ orderId: uniqueKey(), amount: 2 });
    expect(kinds).toEqual(['executed', 'beside executed']);
  });

  it('an empty array observes nothing and runs as without sinks', async () => {
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: [] });
    await expect(once({ orderId: uniqueKey(), amount: 3 })).resolves.toEqual({ charged: 3 });
  });
});

describe('the kill switch', () => {
  afterEach(() => {
    delete process.env.IDEMPOTENCY_DISABLED;
    delete process.env.POWERTOOLS_IDEMPOTENCY_DISABLED;
    resetDisabledAnnouncement();
  });

  for (const variable of ['IDEMPOTENCY_DISABLED', 'POWERTOOLS_IDEMPOTENCY_DISABLED']) {
    it(`${variable}=true runs handlers plainly, with no request, and says so once per container`, async () => {
      process.env[variable] = 'true';
      const warnings: string[] = [];
      let runs = 0;
      const once = makeIdempotent(
        async function counted(_order: { orderId: string }) {
          runs++;
          return runs;
        },
        { store: fixture.store, key: 'orderId', logger: { warn: (message: string) => void warnings.push(message) } },
      );
      fixture.commands.reset();
      const order = { orderId: uniqueKey() };
      expect([await once(order), await once(order)]).toEqual([1, 2]);
      expect(fixture.commands.total()).toBe(0);
      expect(warnings).toEqual(['Idempotency is disabled: handlers run without claims, records or replays.']);
    });
  }

  it('the option turns it off whatever the environment says, and on again', async () => {
    process.env.IDEMPOTENCY_DISABLED = 'true';
    let runs = 0;
    const on = makeIdempotent(
      async function countedRuns(_order: { orderId: string }) {
        runs++;
        return runs;
      },
      { store: fixture.store, key: 'orderId', disabled: false },
    );
    const order = { orderId: uniqueKey() };
    expect([await on(order), await on(order)]).toEqual([1, 1]);
    const off = makeIdempotent(
      async function plain() {
        runs++;
        return runs;
      },
      { store: fixture.store, disabled: true, logger: { warn: () => undefined } },
    );
    expect([await off(), await off()]).toEqual([2, 3]);
  });
});

describe('the log level follows AWS_LAMBDA_LOG_LEVEL', () => {
  afterEach(() => {
    delete process.env.AWS_LAMBDA_LOG_LEVEL;
  });

  it.each([
    ['DEBUG', ['debug', 'info']],
    ['INFO', ['info']],
    ['WARN', []],
  ])('at %s an execution and a replay write %j', async (level, expected) => {
    process.env.AWS_LAMBDA_LOG_LEVEL = level;
    const written: string[] = [];
    const record = (name: string) => () => void written.push(name);
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: outcomeLog({ logger }) });
    const order = { orderId: uniqueKey(), amount: 1 };
    await once(order);
    await once(order);
    expect(written).toEqual(expected);
  });

  it('a Powertools-style logger gets the message and the fields; pino-style gets them the other way round', async () => {
    const calls: unknown[][] = [];
    const logger = {
      debug: () => undefined,
      info: (...args: unknown[]) => void calls.push(args),
      warn: () => undefined,
      error: () => undefined,
    };
    const order = { orderId: uniqueKey(), amount: 1 };
    await makeIdempotent(charge, { store: fixture.store, key: 'orderId' })(order);
    for (const style of ['message-first', 'fields-first'] as const) {
      const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: outcomeLog({ logger, style }) });
      await once(order);
    }
    expect(calls[0]?.[0]).toBe('Idempotency: duplicate answered with the stored result.');
    expect(calls[0]?.[1]).toMatchObject({ idempotencyOutcome: 'replayed' });
    expect(calls[1]?.[0]).toMatchObject({ idempotencyOutcome: 'replayed' });
    expect(calls[1]?.[1]).toBe('Idempotency: duplicate answered with the stored result.');
  });
});

describe('a claim the invocation never settles is reported abandoned', () => {
  it('makeIdempotent: a handler still running just before the deadline, once, and its late result is still stored', async () => {
    const sinks = observed();
    const release = deferred();
    const once = makeIdempotent(
      async (order: { orderId: string }, _context?: unknown) => {
        await release.promise;
        return order.orderId;
      },
      { store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome },
    );
    const running = once({ orderId: uniqueKey() }, lambdaContext(300));
    await vi.waitFor(() => expect(sinks.outcomes).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(sinks.outcomes[0]).toMatchObject({ kind: 'abandoned', error: { name: 'InvocationDeadlineError' } });
    expect(sinks.outcomes[0]?.requests).toMatchObject({ claim: 1, complete: 0, release: 0 });
    expect(sinks.lines.map((entry) => [entry.level, entry.line.idempotencyOutcome])).toEqual([['warn', 'abandoned']]);
    expect(sinks.documents[0]?.ClaimAbandoned).toBe(1);
    release.resolve();
    await running;
    expect(sinks.outcomes).toHaveLength(1);
    expect((await fixture.store.get(sinks.outcomes[0]?.recordId ?? ''))?.status).toBe('COMPLETED');
  });

  it("Middy's timeoutEarly: the claim is kept and the outcome names Middy's TimeoutError", async () => {
    const sinks = observed();
    const release = deferred();
    const handler = middy(
      async () => {
        await release.promise;
        return 'late';
      },
      { timeoutEarlyInMillis: 150 },
    ).use(idempotency<{ orderId: string }>({ store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome }));
    await expect(handler({ orderId: uniqueKey() }, lambdaContext(400, 'middy-timeout-fn'))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(sinks.outcomes.map((outcome) => [outcome.kind, outcome.error?.name])).toEqual([['abandoned', 'TimeoutError']]);
    expect((await fixture.store.get(sinks.outcomes[0]?.recordId ?? ''))?.status).toBe('INPROGRESS');
    release.resolve();
    // The deadline watch was stopped: no second outcome arrives when the deadline passes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sinks.outcomes).toHaveLength(1);
  });

  it('no deadline watch runs once the claim settles in time', async () => {
    const sinks = observed();
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: sinks.onOutcome });
    await once({ orderId: uniqueKey(), amount: 1 }, lambdaContext(150));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sinks.outcomes.map((outcome) => outcome.kind)).toEqual(['executed']);
  });
});
