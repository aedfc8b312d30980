import middy from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import {
  type HttpEvent,
  type HttpIdempotencyOptions,
  httpCallerOf,
  httpIdempotency,
  IdempotencyConfigError,
} from '../../src/index.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { httpShapes, withKey } from './http-events.js';

// Issue 20, item 5: a Lambda authorizer's context is the authorizer's own map. Values that change
// per request (a timestamp, a request id) must not put a retry in a scope of its own.

const fixture = useStoreFixture();

let requestCount = 0;

/** An HTTP API (v2) request authorized by a Lambda authorizer whose context also carries per-request values. */
function httpApiRequest(key: string, context: Record<string, unknown>): HttpEvent {
  const event = withKey(httpShapes[1]!.event(), key) as unknown as { requestContext: Record<string, unknown> };
  requestCount++;
  event.requestContext.authorizer = {
    lambda: { ...context, authorizedAt: new Date(Date.now() + requestCount).toISOString(), authRequestId: `req-${requestCount}` },
  };
  return event as unknown as HttpEvent;
}

/** A REST API (v1) request: the Lambda authorizer's principal, and its context entries beside it, stringified. */
function restApiRequest(key: string, principalId: string, context: Record<string, string>): HttpEvent {
  const event = withKey(httpShapes[0]!.event(), key) as unknown as { requestContext: Record<string, unknown> };
  requestCount++;
  event.requestContext.authorizer = { principalId, ...context, integrationLatency: requestCount };
  return event as unknown as HttpEvent;
}

function endpoint(options: Partial<HttpIdempotencyOptions> = {}) {
  const warnings: string[] = [];
  let runs = 0;
  const invoke = middy(async () => ({ statusCode: 201, body: String(++runs) })).use(
    httpIdempotency({ store: fixture.store, logger: { warn: (message: string) => void warnings.push(message) }, ...options }),
  );
  return { invoke: (event: HttpEvent) => invoke(event, lambdaContext()), runs: () => runs, warnings };
}

describe('HTTP API (v2) with a Lambda authorizer', () => {
  it("identifies the caller by the context's principalId by default: a retry whose context changed elsewhere replays", async () => {
    const { invoke, runs } = endpoint();
    const key = uniqueKey();
    const first = await invoke(httpApiRequest(key, { principalId: 'alice', plan: 'pro' }));
    const retry = await invoke(httpApiRequest(key, { principalId: 'alice', plan: 'pro' }));
    expect(retry).toMatchObject({ statusCode: 201, body: (first as { body: string }).body });
    expect(runs()).toBe(1);
  });

  it('keeps two principals with the same key apart', async () => {
    const { invoke, runs } = endpoint();
    const key = uniqueKey();
    await invoke(httpApiRequest(key, { principalId: 'alice' }));
    expect(await invoke(httpApiRequest(key, { principalId: 'bob' }))).toMatchObject({ statusCode: 201, body: '2' });
    expect(runs()).toBe(2);
  });

  it('reads the keys named by authorizerContextKeys instead', async () => {
    const { invoke, runs } = endpoint({ authorizerContextKeys: ['userId', 'tenantId'] });
    const key = uniqueKey();
    await invoke(httpApiRequest(key, { userId: 'u-1', tenantId: 't-1' }));
    expect(await invoke(httpApiRequest(key, { userId: 'u-1', tenantId: 't-1' }))).toMatchObject({ body: '1' });
    expect(await invoke(httpApiRequest(key, { userId: 'u-1', tenantId: 't-2' }))).toMatchObject({ body: '2' });
    expect(await invoke(httpApiRequest(key, { userId: 'u-2', tenantId: 't-1' }))).toMatchObject({ body: '3' });
    expect(runs()).toBe(3);
  });

  it('says once that a context without any of the keys tells no callers apart, and still replays retries', async () => {
    const { invoke, runs, warnings } = endpoint();
    const key = uniqueKey();
    await invoke(httpApiRequest(key, { userId: 'u-1' }));
    expect(await invoke(httpApiRequest(key, { userId: 'u-1' }))).toMatchObject({ body: '1' });
    expect(runs()).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/authorizerContextKeys/);
  });

  it('authorizerContextKeys: [] says that no context entry identifies the caller: no warning', async () => {
    const { invoke, warnings } = endpoint({ authorizerContextKeys: [] });
    await invoke(httpApiRequest(uniqueKey(), { userId: 'u-1' }));
    expect(warnings).toEqual([]);
  });

  it('httpCallerOf reads the caller as the middleware does, with the same keys', () => {
    const event = httpApiRequest(uniqueKey(), { principalId: 'alice', userId: 'u-1' });
    expect(httpCallerOf(event)).toEqual({ lambda: { principalId: 'alice' } });
    expect(httpCallerOf(event, { authorizerContextKeys: ['userId'] })).toEqual({ lambda: { userId: 'u-1' } });
  });
});

describe('REST API (v1) with a Lambda authorizer', () => {
  it('identifies the caller by its principal, and by the context entries named', async () => {
    const { invoke, runs } = endpoint({ authorizerContextKeys: ['tenantId'] });
    const key = uniqueKey();
    await invoke(restApiRequest(key, 'alice', { tenantId: 't-1', issuedAt: '1' }));
    expect(await invoke(restApiRequest(key, 'alice', { tenantId: 't-1', issuedAt: '2' }))).toMatchObject({ body: '1' });
    expect(await invoke(restApiRequest(key, 'alice', { tenantId: 't-2', issuedAt: '3' }))).toMatchObject({ body: '2' });
    expect(await invoke(restApiRequest(key, 'bob', { tenantId: 't-1', issuedAt: '4' }))).toMatchObject({ body: '3' });
    expect(runs()).toBe(3);
  });
});

describe('authorizerContextKeys', () => {
  it.each([
    ['a string', 'principalId'],
    ['an empty name', ['']],
    ['a number', [1]],
  ])('refuses %s with IdempotencyConfigError', (_name, keys) => {
    expect(() => httpIdempotency({ store: fixture.store, authorizerContextKeys: keys as never })).toThrow(IdempotencyConfigError);
    expect(() => httpIdempotency({ store: fixture.store, authorizerContextKeys: keys as never })).toThrow(
      /authorizerContextKeys/,
    );
  });
});
