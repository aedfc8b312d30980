import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { type HttpEvent, type HttpIdempotencyOptions, type HttpResponse, httpIdempotency } from '../../src/index.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { headersOf, httpShapes, withKey } from './http-events.js';

const fixture = useStoreFixture();

const [, httpShape] = httpShapes as [(typeof httpShapes)[0], (typeof httpShapes)[0]];

/** An endpoint answering the given responses in turn, counting how often it ran. */
function endpoint(responses: readonly unknown[], options: Partial<HttpIdempotencyOptions> = {}) {
  let executions = 0;
  const handler = middy(async () => responses[executions++] as HttpResponse).use(
    httpIdempotency({ store: fixture.store, ...options }),
  );
  return {
    invoke: (event: HttpEvent) => handler(structuredClone(event), lambdaContext()),
    executions: () => executions,
  };
}

describe('status codes sent as digits', () => {
  it("releases the key on statusCode '500' so the retry runs", async () => {
    const { invoke, executions } = endpoint([
      { statusCode: '500', body: 'down' },
      { statusCode: 201, body: 'made' },
    ]);
    const event = withKey(httpShape.event(), uniqueKey());
    expect(await invoke(event)).toMatchObject({ statusCode: '500' });
    expect(await invoke(event)).toMatchObject({ statusCode: 201, body: 'made' });
    expect(executions()).toBe(2);
  });

  it("stores and replays statusCode '201' as the structured response it is, not as a JSON body", async () => {
    const { invoke, executions } = endpoint([{ statusCode: '201', headers: { 'X-Id': 'a' }, body: 'made' }]);
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    const replayed = await invoke(event);
    expect(replayed).toMatchObject({ statusCode: '201', body: 'made' });
    expect(headersOf(replayed)['idempotent-replayed']).toBe('true');
    expect(headersOf(replayed)['x-id']).toBe('a');
    expect(executions()).toBe(1);
  });

  it('hands releaseStatus the number a digit string spells', async () => {
    const seen: number[] = [];
    const { invoke } = endpoint([{ statusCode: '418', body: '' }], {
      releaseStatus: (status) => {
        seen.push(status);
        return false;
      },
    });
    await invoke(withKey(httpShape.event(), uniqueKey()));
    expect(seen).toEqual([418]);
  });
});

describe('default release statuses', () => {
  it.each([408, 425, 429, 500, 503])('releases the key on %i so the retry runs', async (status) => {
    const { invoke, executions } = endpoint([
      { statusCode: status, body: 'not now' },
      { statusCode: 201, body: 'made' },
    ]);
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    expect(await invoke(event)).toMatchObject({ statusCode: 201, body: 'made' });
    expect(executions()).toBe(2);
  });

  it.each([400, 404, 409, 422])('stores %i and replays it', async (status) => {
    const { invoke, executions } = endpoint([{ statusCode: status, body: 'no' }]);
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    const replayed = await invoke(event);
    expect(replayed).toMatchObject({ statusCode: status, body: 'no' });
    expect(headersOf(replayed)['idempotent-replayed']).toBe('true');
    expect(executions()).toBe(1);
  });

  it('lets releaseStatus store a 429 after all', async () => {
    const { invoke, executions } = endpoint([{ statusCode: 429, body: 'slow down' }], { releaseStatus: () => false });
    const event = withKey(httpShape.event(), uniqueKey());
    await invoke(event);
    expect(await invoke(event)).toMatchObject({ statusCode: 429 });
    expect(executions()).toBe(1);
  });
});
