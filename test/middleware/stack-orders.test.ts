import { describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/engine/index.js';
import type { HttpEvent } from '../../src/index.js';
import { httpShapes, withBody, withHeader, withKey } from '../http/http-events.js';
import { deferred, lambdaContext, uniqueKey } from '../support/fixtures.js';
import { MemoryStore } from '../support/memory-store.js';
import {
  type Adapter,
  adapters,
  deadlineIn,
  type MiddyMajor,
  middyMajors,
  recordingStore,
  statusOf,
} from '../support/middy-stacks.js';

// Issue 20, item 1: the recommended HTTP stack (@middy/http-json-body-parser, @middy/http-cors,
// @middy/http-error-handler, @middy/validator, and timeoutEarly, which is on by default) in every
// registration order, on Middy 6 and 7, for both middlewares. Whatever the order, the record ends
// as one of three things: the handler's own result, released, or kept until it lapses.

// The store is the in-memory one the contract suite proves faithful to DynamoDB and Valkey: what
// is under test is the middleware's reading of Middy, in 1920 cases, not the store's conditions
// (test/middleware/error-handlers.test.ts runs the same seams against dynalite).
const memoryStore = new MemoryStore();

const layers = ['json-body-parser', 'cors', 'http-error-handler', 'validator', 'idempotency'] as const;
type Layer = (typeof layers)[number];

/** What the handler does on its first run; every later run returns. */
type HandlerOutcome = 'returns' | 'throws' | 'times out' | 'is refused by the validator';
const handlerOutcomes: readonly HandlerOutcome[] = ['returns', 'throws', 'times out', 'is refused by the validator'];

/** The allowed ends of a record, and the one this table does not allow: none other exists. */
type RecordEnd = "the handler's result stored" | 'released' | 'kept until it lapses' | 'never claimed';

function expectedEnd(order: readonly Layer[], outcome: HandlerOutcome): RecordEnd {
  if (outcome === 'returns') return "the handler's result stored";
  if (outcome === 'throws') return 'released';
  if (outcome === 'times out') return 'kept until it lapses';
  // The validator refuses in `before`: before the claim when it comes first, after it otherwise.
  return order.indexOf('validator') < order.indexOf('idempotency') ? 'never claimed' : 'released';
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

// The validator checks a header the request either carries or not, so it passes or refuses in any
// position, whether the body parser ran before it or not.
const eventSchema = {
  type: 'object',
  required: ['headers'],
  properties: {
    headers: { type: 'object', properties: { 'x-tenant-id': { type: 'string' } }, required: ['x-tenant-id'] },
  },
};

function request(key: string, valid: boolean): HttpEvent {
  const event = withBody(withHeader(withKey(httpShapes[1]!.event(), key), 'Content-Type', 'application/json'), '{"amount":5}');
  return valid ? withHeader(event, 'x-tenant-id', 'tenant-1') : event;
}

function layer(name: Layer, major: MiddyMajor, adapter: Adapter, store: IdempotencyStore): unknown {
  switch (name) {
    case 'json-body-parser':
      return major.jsonBodyParser();
    case 'cors':
      return major.cors();
    case 'http-error-handler':
      return major.httpErrorHandler();
    case 'validator':
      return major.validator(eventSchema);
    case 'idempotency':
      return adapter.middleware(store);
  }
}

const cases = middyMajors.flatMap((major) =>
  adapters.flatMap((adapter) =>
    permutations(layers).flatMap((order) =>
      handlerOutcomes.map((outcome) => ({
        name: `${major.label} · ${adapter.name} · ${order.join(' → ')} · the handler ${outcome}`,
        major,
        adapter,
        order,
        outcome,
      })),
    ),
  ),
);

// Five cases at a time (vitest's maxConcurrency): the timeouts wait out their deadlines side by side.
describe.concurrent('the recommended Middy stack in every registration order', () => {
  for (const { name, major, adapter, order, outcome } of cases)
    it(name, async () => {
      const { store, claimed } = recordingStore(memoryStore);
      const handlerMayFinish = deferred();
      let runs = 0;
      const handler = async () => {
        runs++;
        if (runs === 1 && outcome === 'throws') throw new Error('card declined');
        if (runs === 1 && outcome === 'times out') await handlerMayFinish.promise;
        return { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: `{"run":${runs}}` };
      };
      const invoke = major.middy(handler);
      for (const name of order) invoke.use(layer(name, major, adapter, store));
      const key = uniqueKey();
      const valid = outcome !== 'is refused by the validator';

      const first = await invoke(request(key, valid), outcome === 'times out' ? deadlineIn(100) : lambdaContext());
      const id = claimed[0];
      const status = id === undefined ? 'never claimed' : await statusOf(store, id);
      const runsBefore = runs;
      const retry = await invoke(request(key, valid), lambdaContext());
      const retryRan = runs > runsBefore;

      let end: RecordEnd | 'something else';
      if (status === 'never claimed') end = 'never claimed';
      else if (status === 'absent' && (retryRan || !valid)) end = 'released';
      else if (status === 'INPROGRESS' && !retryRan) end = 'kept until it lapses';
      else if (status === 'COMPLETED' && !retryRan) {
        // Stored and replayed: it must be what the handler returned on its one run.
        expect(first).toMatchObject({ statusCode: 201, body: '{"run":1}' });
        expect(retry).toMatchObject({ statusCode: 201, body: '{"run":1}' });
        end = "the handler's result stored";
      } else end = 'something else';
      expect(end).toBe(expectedEnd(order, outcome));

      if (outcome === 'times out') {
        // The handler finishes after Middy gave up on it: its late result changes nothing.
        handlerMayFinish.resolve();
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await statusOf(store, id!)).toBe('INPROGRESS');
      }
    });
});
