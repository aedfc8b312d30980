import { describe, expect, it } from 'vitest';
import { type HttpEvent, idempotency } from '../../src/index.js';
import { httpShapes, withBody, withHeader, withKey } from '../http/http-events.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';
import {
  adapters,
  type Chain,
  deadlineIn,
  eventualStatusOf,
  middyMajors,
  recordingStore,
  statusOf,
} from '../support/middy-stacks.js';

// Issue 20, item 1: Middy resets `request.response` and then lets every error handler assign it.
// Whatever the middlewares around it do, the record holds the handler's own result, or nothing.

const fixture = useStoreFixture();

const post = (key: string): HttpEvent =>
  withBody(withHeader(withKey(httpShapes[1]!.event(), key), 'Content-Type', 'application/json'), '{"amount":5}');
const created = (run: number) => ({ statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: `{"run":${run}}` });

/** The error handlers of a Middy stack: one that assigns `request.response`, and one that returns it. */
const assigningErrorHandler = {
  onError: (request: { response: unknown }) => {
    request.response = { statusCode: 500, body: 'failed' };
  },
};
const returningErrorHandler = { onError: () => ({ statusCode: 500, body: 'failed' }) };

/** Invokes, and answers what came back, a thrown error included. */
async function outcomeOf(invocation: Promise<unknown>): Promise<unknown> {
  try {
    return await invocation;
  } catch (error) {
    return error;
  }
}

describe.each(middyMajors)('$label', (major) => {
  describe.each(adapters)('$name', (adapter) => {
    /** A handler that counts its runs and throws on the runs `failing` lists. */
    function counted(failing: readonly number[] = []) {
      let runs = 0;
      const handler = async () => {
        runs++;
        if (failing.includes(runs)) throw new Error('card declined');
        return created(runs);
      };
      return { handler, runs: () => runs };
    }

    it.each([
      ['@middy/http-error-handler', () => major.httpErrorHandler()],
      ['an onError that assigns request.response', () => assigningErrorHandler],
    ])(
      'a handler that throws, turned into a response by %s registered after it: released, the retry runs',
      async (_name, errorHandler) => {
        const { store, claimed } = recordingStore(fixture.store);
        const { handler, runs } = counted([1]);
        const invoke = major.middy(handler).use(adapter.middleware(store)).use(errorHandler());
        const key = uniqueKey();

        expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
        expect(await statusOf(store, claimed[0]!)).toBe('absent');
        expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":2}' });
        expect(runs()).toBe(2);
      },
    );

    it('a handler that throws, answered by an error handler that returns its response (skipping this onError): released', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted([1]);
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(returningErrorHandler);
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
      // Middy skipped this middleware's onError: the release was started without being awaited.
      expect(await eventualStatusOf(store, claimed[0]!, 'absent')).toBe('absent');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":2}' });
      expect(runs()).toBe(2);
    });

    it('a handler that throws, with an error handler after it that throws too (skipping this onError): released', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted([1]);
      const failingErrorHandler = {
        onError: () => {
          throw new Error('the error handler failed');
        },
      };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(failingErrorHandler);
      const key = uniqueKey();

      await expect(invoke(post(key), lambdaContext())).rejects.toThrow('the error handler failed');
      expect(await eventualStatusOf(store, claimed[0]!, 'absent')).toBe('absent');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":2}' });
      expect(runs()).toBe(2);
    });

    it('a synchronous handler that throws, with an error handler after it: released', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      let runs = 0;
      const handler = () => {
        runs++;
        if (runs === 1) throw new Error('card declined');
        return created(runs);
      };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(major.httpErrorHandler());
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
      expect(await statusOf(store, claimed[0]!)).toBe('absent');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":2}' });
    });

    it.each([
      ['no error handler', () => undefined],
      ['@middy/http-error-handler after it', () => major.httpErrorHandler()],
      ['an onError that assigns request.response after it', () => assigningErrorHandler],
    ])(
      "timeoutEarly's TimeoutError with %s: the claim stays until it lapses while the handler runs",
      async (_name, errorHandler) => {
        const { store, claimed } = recordingStore(fixture.store);
        const handlerMayFinish = deferred();
        let runs = 0;
        const invoke = major.middy(async () => {
          runs++;
          await handlerMayFinish.promise;
          return created(runs);
        });
        invoke.use(adapter.middleware(store));
        const handlerError = errorHandler();
        if (handlerError !== undefined) invoke.use(handlerError);
        const key = uniqueKey();

        const first = await outcomeOf(invoke(post(key), deadlineIn(300)));
        expect(first).toMatchObject(handlerError === undefined ? { name: 'TimeoutError' } : { statusCode: 500 });
        expect(await statusOf(store, claimed[0]!)).toBe('INPROGRESS');
        const retry = await outcomeOf(invoke(post(key), lambdaContext()));
        expect(retry).not.toMatchObject({ statusCode: 201 });
        expect(runs).toBe(1);
        handlerMayFinish.resolve();
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await statusOf(store, claimed[0]!)).toBe('INPROGRESS');
      },
    );

    it('a before-middleware registered after it that answers early: the handler never ran, the claim is released', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted();
      let refuse = true;
      const maintenance = { before: () => (refuse ? { statusCode: 503, body: 'maintenance' } : undefined) };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(maintenance);
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 503 });
      expect(runs()).toBe(0);
      expect(await eventualStatusOf(store, claimed[0]!, 'absent')).toBe('absent');
      refuse = false;
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":1}' });
    });

    it('a before-middleware registered after it that sets request.response, then the handler throws: released, that value never stored', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted([1]);
      const defaultResponse = {
        before: (request: { response: unknown }) => {
          request.response = { statusCode: 202, body: 'accepted' };
        },
      };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(defaultResponse).use(major.httpErrorHandler());
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
      expect(await statusOf(store, claimed[0]!)).toBe('absent');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":2}' });
      expect(runs()).toBe(2);
    });

    it('a before-middleware after it that reads event and context, then sets request.response (a handler call to the eye), then the handler throws: kept, never stored', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted([1]);
      const lookalike = {
        before: (request: { event: unknown; context: unknown; response: unknown }) => {
          const { event, context } = request;
          request.response = { statusCode: 202, body: JSON.stringify({ seen: event !== undefined && context !== undefined }) };
        },
      };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(lookalike).use(major.httpErrorHandler());
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
      // Two handler calls seen, one of them a middleware's: the claim is kept rather than a guess stored.
      expect(await statusOf(store, claimed[0]!)).toBe('INPROGRESS');
      expect(await outcomeOf(invoke(post(key), lambdaContext()))).not.toMatchObject({ statusCode: 202 });
      expect(runs()).toBe(1);
    });

    it("an after-middleware registered after it that answers early: the handler's own result is stored", async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted();
      const replaceResponse = { after: () => ({ statusCode: 200, body: 'replaced' }) };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(replaceResponse);
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 200, body: 'replaced' });
      // Middy skipped this middleware's after: the completion was started without being awaited.
      expect(await eventualStatusOf(store, claimed[0]!, 'COMPLETED')).toBe('COMPLETED');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":1}' });
      expect(runs()).toBe(1);
    });

    it("an after-middleware registered after it that throws, with an error handler: the handler's own result is stored", async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const { handler, runs } = counted();
      const rejectResponse = {
        after: () => {
          throw new Error('response failed validation');
        },
      };
      const invoke = major.middy(handler).use(adapter.middleware(store)).use(major.httpErrorHandler()).use(rejectResponse);
      const key = uniqueKey();

      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 500 });
      expect(await statusOf(store, claimed[0]!)).toBe('COMPLETED');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 201, body: '{"run":1}' });
      expect(runs()).toBe(1);
    });

    it('a timeoutEarlyResponse that returns a value: stored as the result (documented; keep the throwing default)', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      const handlerMayFinish = deferred();
      let runs = 0;
      const invoke = major
        .middy(
          async () => {
            runs++;
            await handlerMayFinish.promise;
            return created(runs);
          },
          { timeoutEarlyResponse: () => ({ statusCode: 202, body: 'still working' }) },
        )
        .use(adapter.middleware(store));
      const key = uniqueKey();

      expect(await invoke(post(key), deadlineIn(300))).toMatchObject({ statusCode: 202 });
      expect(await statusOf(store, claimed[0]!)).toBe('COMPLETED');
      expect(await invoke(post(key), lambdaContext())).toMatchObject({ statusCode: 202, body: 'still working' });
      expect(runs).toBe(1);
      handlerMayFinish.resolve();
    });
  });

  describe('idempotency()', () => {
    it('a handler that returns undefined, then an after-middleware throws: undefined is stored and replayed', async () => {
      const { store, claimed } = recordingStore(fixture.store);
      let runs = 0;
      const invoke: Chain = major
        .middy(async () => {
          runs++;
          return undefined;
        })
        .use(idempotency<{ orderId: string }>({ store, key: 'orderId' }))
        .use(assigningErrorHandler)
        .use({
          after: () => {
            throw new Error('response failed validation');
          },
        });
      const orderId = uniqueKey();

      expect(await invoke({ orderId }, lambdaContext())).toMatchObject({ statusCode: 500 });
      expect(await statusOf(store, claimed[0]!)).toBe('COMPLETED');
      expect(await invoke({ orderId }, lambdaContext())).toBeUndefined();
      expect(runs).toBe(1);
    });
  });
});
