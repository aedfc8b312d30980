import middy6 from '@middy/core';
import httpCors6 from '@middy/http-cors';
import httpErrorHandler6 from '@middy/http-error-handler';
import jsonBodyParser6 from '@middy/http-json-body-parser';
import validator6 from '@middy/validator';
import { transpileSchema as transpileSchema6 } from '@middy/validator/transpile';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import httpCors7 from 'middy-http-cors-7';
import httpErrorHandler7 from 'middy-http-error-handler-7';
import jsonBodyParser7 from 'middy-http-json-body-parser-7';
import validator7 from 'middy-validator-7';
import { transpileSchema as transpileSchema7 } from 'middy-validator-7/transpile';
import type { IdempotencyStore, RecordStatus } from '../../src/engine/index.js';
import { type HttpEvent, httpIdempotency, idempotency, idempotencyKeyOf } from '../../src/index.js';
import { lambdaContext } from './fixtures.js';

/** A Middy handler as these tests call it, and `.use()` to build it. */
export type Chain = ((event: unknown, context: Context) => Promise<unknown>) & { use(middleware: unknown): Chain };
/** What `middy(handler, plugin)` accepts here: the handler and `timeoutEarly`'s settings. */
export interface Plugin {
  timeoutEarlyInMillis?: number;
  timeoutEarlyResponse?: () => unknown;
}

/** One Middy major with the middlewares of the recommended HTTP stack, each of its own major. */
export interface MiddyMajor {
  readonly label: string;
  middy(handler: (event: never, context: Context) => unknown, plugin?: Plugin): Chain;
  jsonBodyParser(): unknown;
  cors(): unknown;
  httpErrorHandler(): unknown;
  /** `@middy/validator` with a schema compiled by its own `transpileSchema` (once per schema: compiling is slow). */
  validator(eventSchema: object): unknown;
}

/** Each transpiler's compilation of each schema object. */
const compilations = new Map<unknown, Map<object, unknown>>();
function compiled<T>(transpile: (schema: object) => T, schema: object): T {
  const bySchema = compilations.get(transpile) ?? new Map<object, unknown>();
  compilations.set(transpile, bySchema);
  if (!bySchema.has(schema)) bySchema.set(schema, transpile(schema));
  return bySchema.get(schema) as T;
}

export const middyMajors: readonly MiddyMajor[] = [
  {
    label: 'Middy 6',
    middy: (handler, plugin) => middy6(handler as never, plugin) as unknown as Chain,
    jsonBodyParser: () => jsonBodyParser6(),
    cors: () => httpCors6(),
    httpErrorHandler: () => httpErrorHandler6({ logger: false }),
    validator: (eventSchema) => validator6({ eventSchema: compiled(transpileSchema6, eventSchema) }),
  },
  {
    label: 'Middy 7',
    middy: (handler, plugin) => middy7(handler as never, plugin) as unknown as Chain,
    jsonBodyParser: () => jsonBodyParser7(),
    cors: () => httpCors7(),
    httpErrorHandler: () => httpErrorHandler7({ logger: false }),
    validator: (eventSchema) => validator7({ eventSchema: compiled(transpileSchema7, eventSchema) }),
  },
];

/** The real store, with the id of every record it was asked to claim written down. */
export function recordingStore(store: IdempotencyStore): { readonly store: IdempotencyStore; readonly claimed: string[] } {
  const claimed: string[] = [];
  const recording = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'claim') {
        return (request: Parameters<IdempotencyStore['claim']>[0]) => {
          claimed.push(request.id);
          return target.claim(request);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: recording, claimed };
}

/** What the store holds for a record: its status, or `absent` once released (or never written). */
export async function statusOf(store: IdempotencyStore, id: string): Promise<RecordStatus | 'absent'> {
  return (await store.get(id))?.status ?? 'absent';
}

/**
 * Waits until the record reaches `status`: for settlements the middleware starts without awaiting
 * (Middy skipped its `after` and `onError`). Resolves with the status last seen.
 */
export async function eventualStatusOf(
  store: IdempotencyStore,
  id: string,
  status: RecordStatus | 'absent',
  withinMs = 2_000,
): Promise<RecordStatus | 'absent'> {
  const until = Date.now() + withinMs;
  let seen = await statusOf(store, id);
  while (seen !== status && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    seen = await statusOf(store, id);
  }
  return seen;
}

/** The two middlewares under test, keyed alike: by the request's Idempotency-Key header. */
export interface Adapter {
  readonly name: string;
  middleware(store: IdempotencyStore): unknown;
}
export const adapters: readonly Adapter[] = [
  {
    name: 'idempotency()',
    middleware: (store) => idempotency<HttpEvent>({ store, key: (event) => idempotencyKeyOf(event) }),
  },
  { name: 'httpIdempotency()', middleware: (store) => httpIdempotency({ store }) },
];

/** A Lambda context whose deadline is `ms` from now, counted down as Lambda does. */
export function deadlineIn(ms: number): Context {
  const deadline = Date.now() + ms;
  return lambdaContext(() => deadline - Date.now());
}
