import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import {
  type HttpEvent,
  type HttpIdempotencyOptions,
  HttpProblemType,
  type HttpResponse,
  httpCallerOf,
  httpIdempotency,
  idempotencyKeyOf,
  ResultTooLargeError,
  UnsupportedEventError,
} from '../../src/index.js';
import { deferred, lambdaContext, storeFixture, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { headersOf, httpShapes, responseFor, withBody, withCaller, withHeader, withKey, withMethod } from './http-events.js';

const fixture = useStoreFixture();

type Invoke = (event: HttpEvent, context?: Context) => Promise<HttpResponse>;
type HttpHandler = (event: HttpEvent) => Promise<HttpResponse>;

function protect(handler: HttpHandler, options: Partial<HttpIdempotencyOptions> = {}, middyVersion: 6 | 7 = 7): Invoke {
  const middleware = httpIdempotency({ store: fixture.store, ...options });
  // Written out per version, so the type checker proves `.use(httpIdempotency(...))` against both.
  const wrapped = middyVersion === 6 ? middy6(handler).use(middleware) : middy7(handler).use(middleware);
  return (event, context = lambdaContext()) => wrapped(event, context);
}

function problemOf(response: HttpResponse): { type: string; title: string; status: number; detail: string } {
  const { body } = response as { body: string };
  return JSON.parse(body);
}

function expectProblem(response: HttpResponse, status: number, type: string): void {
  expect((response as { statusCode: number }).statusCode).toBe(status);
  expect(headersOf(response)['content-type']).toBe('application/problem+json');
  const problem = problemOf(response);
  expect(problem).toMatchObject({ type, status });
  expect(problem.title).not.toBe('');
  expect(problem.detail).not.toBe('');
}

function withoutReplayedHeader(response: HttpResponse): unknown {
  const copy = structuredClone(response) as { headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown> };
  delete copy.headers?.['Idempotent-Replayed'];
  delete copy.multiValueHeaders?.['Idempotent-Replayed'];
  return copy;
}

describe.each(httpShapes)('$name', (shape) => {
  /** A payment endpoint that counts its executions and answers 201 with a fresh payment id. */
  function paymentEndpoint(options: Partial<HttpIdempotencyOptions> = {}) {
    const executions: HttpEvent[] = [];
    const invoke = protect(async (event) => {
      executions.push(event);
      const payment = { id: `pay_${executions.length}_${Math.random().toString(36).slice(2)}`, status: 'succeeded' };
      return responseFor(
        shape,
        201,
        { 'Content-Type': 'application/json', Location: `/payments/${payment.id}`, 'X-Request-Cost': '3' },
        JSON.stringify(payment),
      ) as HttpResponse;
    }, options);
    return { invoke, executions };
  }

  it('replays status, headers and body byte for byte, with Idempotent-Replayed: true', async () => {
    const { invoke, executions } = paymentEndpoint();
    const event = withKey(shape.event(), uniqueKey());

    const first = await invoke(event);
    const retry = await invoke(structuredClone(event));

    expect(executions).toHaveLength(1);
    expect(headersOf(first)['idempotent-replayed']).toBeUndefined();
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(withoutReplayedHeader(retry)).toEqual(first);
    expect(JSON.stringify(withoutReplayedHeader(retry))).toBe(JSON.stringify(first));
  });

  it('exposes the key and the caller as the middleware reads them', () => {
    expect(idempotencyKeyOf(withKey(shape.event(), '"order-1001"'))).toBe('order-1001');
    expect(idempotencyKeyOf(withKey(shape.event(), 'two words'))).toBeUndefined();
    expect(idempotencyKeyOf(withHeader(shape.event(), 'Idempotency-Key'))).toBeUndefined();
    const alice = httpCallerOf(withCaller(shape.event(), 'alice'));
    expect(JSON.stringify(alice)).toContain('alice');
    expect(httpCallerOf(withCaller(shape.event(), 'bob'))).not.toEqual(alice);
  });

  it('answers 400 problem+json to a POST without a key, and runs nothing', async () => {
    const { invoke, executions } = paymentEndpoint();
    const response = await invoke(withHeader(shape.event(), 'Idempotency-Key'));
    expectProblem(response, 400, HttpProblemType.keyMissing);
    expect(executions).toHaveLength(0);
  });

  it('answers 400 problem+json to a malformed key', async () => {
    const { invoke, executions } = paymentEndpoint();
    expectProblem(await invoke(withKey(shape.event(), 'x'.repeat(256))), 400, HttpProblemType.keyMalformed);
    expectProblem(await invoke(withKey(shape.event(), 'two words')), 400, HttpProblemType.keyMalformed);
    expect(executions).toHaveLength(0);
  });

  it('refuses a key longer than maxKeyLength with a 400 naming the length, and accepts one at the bound', async () => {
    const short = paymentEndpoint({ maxKeyLength: 32 });
    const tooLong = await short.invoke(withKey(shape.event(), 'k'.repeat(33)));
    expectProblem(tooLong, 400, HttpProblemType.keyMalformed);
    expect(problemOf(tooLong).detail).toContain('33 characters long; at most 32 are allowed');
    expect(short.executions).toHaveLength(0);
    const atBound = withKey(shape.event(), uniqueKey().padEnd(32, 'k').slice(0, 32));
    expect(await short.invoke(atBound)).toMatchObject({ statusCode: 201 });
    expect(short.executions).toHaveLength(1);

    // A longer bound lets a 300-character key through, and its retry replays.
    const long = paymentEndpoint({ maxKeyLength: 512 });
    const event = withKey(shape.event(), uniqueKey().padEnd(300, 'k'));
    const first = await long.invoke(event);
    const retry = await long.invoke(structuredClone(event));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(withoutReplayedHeader(retry)).toEqual(first);
    expect(long.executions).toHaveLength(1);
    expect(idempotencyKeyOf(event)).toBeUndefined();
    expect(idempotencyKeyOf(event, { maxKeyLength: 512 })).toHaveLength(300);
  });

  it('answers 409 problem+json with Retry-After while the first request runs, then replays', async () => {
    const gate = deferred();
    let executions = 0;
    const invoke = protect(async () => {
      executions++;
      await gate.promise;
      return responseFor(shape, 201, { 'Content-Type': 'text/plain' }, 'created') as HttpResponse;
    });
    const event = withKey(shape.event(), uniqueKey());

    const first = invoke(event);
    await expect.poll(() => executions).toBe(1);
    const concurrent = await invoke(structuredClone(event));
    expectProblem(concurrent, 409, HttpProblemType.inProgress);
    expect(headersOf(concurrent)['retry-after']).toMatch(/^\d+$/);

    gate.resolve();
    await first;
    const retry = await invoke(structuredClone(event));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(executions).toBe(1);
  });

  it('answers 422 problem+json when the key comes back with another body, and stores nothing new', async () => {
    const { invoke, executions } = paymentEndpoint();
    const key = uniqueKey();
    await invoke(withKey(shape.event(), key));
    const other = withBody(withKey(shape.event(), key), JSON.stringify({ amount: 1, currency: 'EUR' }));

    expectProblem(await invoke(other), 422, HttpProblemType.keyReused);
    expect(executions).toHaveLength(1);
    expect(headersOf(await invoke(withKey(shape.event(), key)))['idempotent-replayed']).toBe('true');
  });

  it('keeps two callers with the same key apart', async () => {
    const { invoke, executions } = paymentEndpoint();
    const key = uniqueKey();
    const alice = withCaller(withKey(shape.event(), key), 'alice');
    const bob = withCaller(withKey(shape.event(), key), 'bob');

    const aliceFirst = await invoke(alice);
    const bobFirst = await invoke(bob);
    const aliceRetry = await invoke(structuredClone(alice));
    const bobRetry = await invoke(structuredClone(bob));

    expect(executions).toHaveLength(2);
    expect((bobFirst as { body: string }).body).not.toBe((aliceFirst as { body: string }).body);
    expect(withoutReplayedHeader(aliceRetry)).toEqual(aliceFirst);
    expect(withoutReplayedHeader(bobRetry)).toEqual(bobFirst);
  });

  it('releases the key on a 500 so the retry runs, and replays a 422 the handler returned', async () => {
    const statuses = [500, 422, 201];
    let executions = 0;
    const invoke = protect(async () => {
      const statusCode = statuses[executions++]!;
      return responseFor(
        shape,
        statusCode,
        { 'Content-Type': 'application/json' },
        JSON.stringify({ statusCode }),
      ) as HttpResponse;
    });
    const event = withKey(shape.event(), uniqueKey());

    expect((await invoke(event)) as { statusCode: number }).toMatchObject({ statusCode: 500 });
    expect((await invoke(structuredClone(event))) as { statusCode: number }).toMatchObject({ statusCode: 422 });
    const replayed = await invoke(structuredClone(event));
    expect(replayed as { statusCode: number }).toMatchObject({ statusCode: 422 });
    expect(headersOf(replayed)['idempotent-replayed']).toBe('true');
    expect(executions).toBe(2);
  });

  it('lets GET through untouched, without a key and without a request to DynamoDB', async () => {
    const { invoke, executions } = paymentEndpoint();
    const get = withBody(withMethod(withHeader(shape.event(), 'Idempotency-Key'), 'GET'), '');
    fixture.commands.reset();

    const first = await invoke(get);
    const second = await invoke(structuredClone(get));

    expect(executions).toHaveLength(2);
    expect(fixture.commands.total()).toBe(0);
    expect(headersOf(second)['idempotent-replayed']).toBeUndefined();
    expect((first as { statusCode: number }).statusCode).toBe(201);
  });

  it('reads the header in any case', async () => {
    const { invoke, executions } = paymentEndpoint();
    const key = uniqueKey();
    await invoke(withHeader(shape.event(), 'IDEMPOTENCY-KEY', key));
    const retry = await invoke(withHeader(shape.event(), 'idempotency-key', key));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(executions).toHaveLength(1);
  });

  it('fingerprints a base64 body on its decoded bytes', async () => {
    const { invoke, executions } = paymentEndpoint();
    const key = uniqueKey();
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0xff, 0x00, 0x7f]);
    const pdf = (body: Buffer, base64: boolean) =>
      withHeader(withBody(withKey(shape.event(), key), body, base64), 'Content-Type', 'application/pdf');

    await invoke(pdf(bytes, true));
    const sameBytes = await invoke(pdf(bytes, true));
    const otherBytes = await invoke(pdf(Buffer.concat([bytes, Buffer.from([1])]), true));

    expect(headersOf(sameBytes)['idempotent-replayed']).toBe('true');
    expectProblem(otherBytes, 422, HttpProblemType.keyReused);
    expect(executions).toHaveLength(1);
  });
});

// ALB in single-value mode hands the function only the last of repeated headers: nothing to see there.
describe.each(httpShapes.filter((shape) => shape.deliversRepeatedHeaders))('$name', (shape) => {
  it('answers 400 problem+json to a request carrying two keys', async () => {
    let executions = 0;
    const invoke = protect(async () => responseFor(shape, 201, {}, String(++executions)) as HttpResponse);
    const twoKeys = await invoke(withHeader(shape.event(), 'Idempotency-Key', uniqueKey(), uniqueKey()));
    expectProblem(twoKeys, 400, HttpProblemType.keyMalformed);
    expect(problemOf(twoKeys).detail).toMatch(/exactly one key/);
    expect(executions).toBe(0);
  });
});

describe('httpIdempotency', () => {
  const [restShape, httpShape] = httpShapes as [(typeof httpShapes)[0], (typeof httpShapes)[0]];

  it('works the same with Middy 6', async () => {
    let executions = 0;
    const invoke = protect(
      async () => {
        executions++;
        return { statusCode: 201, headers: { 'Content-Type': 'text/plain' }, body: 'created' };
      },
      {},
      6,
    );
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    const retry = await invoke(structuredClone(event));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expectProblem(await invoke(withHeader(httpShape.event(), 'Idempotency-Key')), 400, HttpProblemType.keyMissing);
    expect(executions).toBe(1);
  });

  it('accepts the structured-field string form and the bare token as the same key', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 201, body: String(++executions) }));
    const key = uniqueKey();
    await invoke(withKey(httpShape.event(), `"${key}"`));
    const retry = await invoke(withKey(httpShape.event(), key));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(executions).toBe(1);
  });

  it('releases the key when the handler throws, and the retry runs', async () => {
    let executions = 0;
    const invoke = protect(async () => {
      if (++executions === 1) throw new Error('card network unreachable');
      return { statusCode: 201, body: 'charged' };
    });
    const event = withKey(restShape.event(), uniqueKey());
    await expect(invoke(event)).rejects.toThrow('card network unreachable');
    expect(await invoke(structuredClone(event))).toMatchObject({ statusCode: 201, body: 'charged' });
    expect(executions).toBe(2);
  });

  it('counts a re-serialized JSON body (spacing, key order) as the same request', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 201, body: String(++executions) }));
    const key = uniqueKey();
    await invoke(withBody(withKey(httpShape.event(), key), '{"amount":4200,"currency":"EUR"}'));
    const retry = await invoke(withBody(withKey(httpShape.event(), key), '{ "currency": "EUR",\n  "amount": 4200 }'));
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect(executions).toBe(1);
  });

  it('treats another query string or path under the same key as another request', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 201, body: String(++executions) }));
    const key = uniqueKey();
    const event = withKey(httpShape.event(), key) as { rawQueryString: string };
    await invoke(event as HttpEvent);
    const otherQuery = structuredClone(event);
    otherQuery.rawQueryString = 'dryRun=true';
    expectProblem(await invoke(otherQuery as HttpEvent), 422, HttpProblemType.keyReused);
    expect(executions).toBe(1);
  });

  it('replays a plain HTTP API return value as the 200 JSON response API Gateway built from it', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ paymentId: `pay_${++executions}` }) as unknown as HttpResponse);
    const event = withKey(httpShape.event(), uniqueKey());
    expect(await invoke(event)).toEqual({ paymentId: 'pay_1' });
    expect(await invoke(structuredClone(event))).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' },
      body: '{"paymentId":"pay_1"}',
      isBase64Encoded: false,
    });
  });

  it('compresses a large response in the record and replays it exactly', async () => {
    const rows = Array.from({ length: 2000 }, (_, index) => ({ line: index, sku: `SKU-${index % 37}`, quantity: index % 5 }));
    const body = JSON.stringify({ invoice: 'inv_1', rows });
    const own = await storeFixture();
    const invoke = middy7(async () => ({ statusCode: 201, headers: { 'Content-Type': 'application/json' }, body })).use(
      httpIdempotency({ store: own.store }),
    );
    const event = withKey(httpShape.event(), uniqueKey());
    try {
      const first = await invoke(event, lambdaContext());
      const replay = await invoke(structuredClone(event), lambdaContext());
      expect(withoutReplayedHeader(replay)).toEqual(first);

      const { Items = [] } = await own.client.send(new ScanCommand({ TableName: own.table.name }));
      const records = Items.filter((item) => item.status?.S === 'COMPLETED');
      expect(records).toHaveLength(1);
      expect(records[0]!.result?.B?.length).toBeLessThan(body.length / 5);
    } finally {
      await own.close();
    }
  });

  it('answers every retry of a response too large to store with the same typed error, never a second run', async () => {
    let executions = 0;
    const incompressible = randomBytes(450 * 1024).toString('base64');
    const invoke = protect(async () => {
      executions++;
      return { statusCode: 200, body: incompressible };
    });
    const event = withKey(httpShape.event(), uniqueKey());
    await expect(invoke(event)).rejects.toBeInstanceOf(ResultTooLargeError);
    await expect(invoke(structuredClone(event))).rejects.toBeInstanceOf(ResultTooLargeError);
    expect(executions).toBe(1);
  });

  it('uses a custom key namespace: a tenant header instead of the caller', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 201, body: String(++executions) }), {
      keyNamespace: (request) => request.headers.get('x-tenant-id')?.[0] ?? 'none',
    });
    const key = uniqueKey();
    const forTenant = (tenant: string, caller: string) =>
      withHeader(withCaller(withKey(httpShape.event(), key), caller), 'X-Tenant-Id', tenant);
    await invoke(forTenant('acme', 'alice'));
    const sameTenant = await invoke(forTenant('acme', 'bob'));
    const otherTenant = await invoke(forTenant('globex', 'alice'));
    expect(headersOf(sameTenant)['idempotent-replayed']).toBe('true');
    expect(headersOf(otherTenant)['idempotent-replayed']).toBeUndefined();
    expect(executions).toBe(2);
  });

  it('compares the chosen headers on a retry', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 201, body: String(++executions) }), { fingerprintHeaders: ['X-Account'] });
    const key = uniqueKey();
    await invoke(withHeader(withKey(httpShape.event(), key), 'x-account', 'acct_1'));
    expectProblem(
      await invoke(withHeader(withKey(httpShape.event(), key), 'X-Account', 'acct_2')),
      422,
      HttpProblemType.keyReused,
    );
    expect(executions).toBe(1);
  });

  it('protects the methods it is given, and lets a POST without key through when keys are optional', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 200, body: String(++executions) }), {
      methods: ['put'],
      requireKey: false,
    });
    const put = withMethod(withKey(httpShape.event(), uniqueKey()), 'PUT');
    await invoke(put);
    expect(headersOf(await invoke(structuredClone(put)))['idempotent-replayed']).toBe('true');
    const postWithoutKey = withHeader(httpShape.event(), 'Idempotency-Key');
    await invoke(postWithoutKey);
    await invoke(structuredClone(postWithoutKey));
    expect(executions).toBe(3);
  });

  it('stores 5xx responses when told to', async () => {
    let executions = 0;
    const invoke = protect(async () => ({ statusCode: 503, body: String(++executions) }), { releaseStatus: () => false });
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    expect(await invoke(structuredClone(event))).toMatchObject({ statusCode: 503, body: '1' });
    expect(executions).toBe(1);
  });

  it('rejects an event that is not an HTTP request with a typed error', async () => {
    const invoke = protect(async () => ({ statusCode: 200, body: '' }));
    await expect(invoke({ Records: [] } as unknown as HttpEvent)).rejects.toBeInstanceOf(UnsupportedEventError);
  });

  it('rejects unusable options at setup, naming the option', () => {
    const make = (options: Partial<HttpIdempotencyOptions>) => () => httpIdempotency({ store: fixture.store, ...options });
    expect(make({ methods: 'POST' as unknown as string[] })).toThrow(/"methods"/);
    expect(make({ keyNamespace: 'caller' as unknown as () => string })).toThrow(/"keyNamespace"/);
    expect(make({ scope: () => 'tenant' } as Partial<HttpIdempotencyOptions>)).toThrow(/"scope" is now called "keyNamespace"/);
    expect(make({ fingerprintHeaders: [''] })).toThrow(/"fingerprintHeaders"/);
    expect(make({ retryAfterSeconds: 1.5 })).toThrow(/"retryAfterSeconds"/);
    expect(make({ maxKeyLength: 0 })).toThrow(/"maxKeyLength" must be a whole number of characters, at least 1, got 0/);
    expect(make({ maxKeyLength: '255' as unknown as number })).toThrow(/"maxKeyLength"/);
    expect(make({ ttlSeconds: 0 })).toThrow(/"ttlSeconds"/);
  });
});
