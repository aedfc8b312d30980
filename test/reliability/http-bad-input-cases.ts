import middy from '@middy/core';
import type { IdempotencyStore } from '../../src/engine/index.js';
import {
  type HttpEvent,
  type HttpIdempotencyOptions,
  HttpProblemType,
  type HttpResponse,
  httpIdempotency,
  IdempotencyError,
} from '../../src/index.js';
import { headersOf, httpShapes, withBody, withHeader, withKey } from '../http/http-events.js';
import { deferred, lambdaContext, type StoreFixture } from '../support/fixtures.js';
import { itemsOf, truncate } from './bad-input-cases.js';

/**
 * Bad headers and header tricks for `httpIdempotency`, as cases that bad-input.test.ts checks one by
 * one and scripts/docs-tables.ts renders: each a problem response whose detail says what was wrong,
 * or a typed error for an event that is not an HTTP request or an unusable option.
 */

/** Holds the in-progress case's first request inside its handler. */
interface Hold {
  onEnter?: () => void;
  work?: Promise<void>;
}

/** An HTTP endpoint of its own (its own function name, so its own records) that counts executions. */
export function httpEndpoint(
  store: IdempotencyStore,
  functionName: string,
  options: Partial<HttpIdempotencyOptions> = {},
  hold: Hold = {},
) {
  let executions = 0;
  const handler = middy(async (): Promise<HttpResponse> => {
    executions++;
    hold.onEnter?.();
    await hold.work;
    return { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ payment: executions }) };
  }).use(httpIdempotency({ store, logger: { warn: () => undefined }, ...options }));
  return {
    invoke: (event: unknown) => handler(event as HttpEvent, lambdaContext(30_000, functionName)),
    executions: () => executions,
  };
}

export const httpApi = (): HttpEvent => httpShapes.find((shape) => shape.file === 'http-api.json')!.event();
const restApi = (): HttpEvent => httpShapes.find((shape) => shape.file === 'rest-api.json')!.event();

interface HttpTools {
  /** An endpoint of the case's own function, with these options. */
  endpoint(options?: Partial<HttpIdempotencyOptions>, hold?: Hold): ReturnType<typeof httpEndpoint>;
  /** Resolves once the case has been checked: a request may hold its claim until then. */
  readonly checked: Promise<void>;
}

export interface HttpCase {
  readonly input: string;
  /** `400 urn:...` for a problem response, or an error class name. */
  readonly answer: string;
  readonly detail: RegExp;
  readonly after: 'nothing written' | 'first response kept' | 'claim in progress kept';
  /** Records the case leaves in its own scope. */
  readonly records: number;
  /** Headers the answer must carry, by lower-case name. */
  readonly headers?: Readonly<Record<string, string>>;
  act(tools: HttpTools): Promise<unknown>;
}

const MISSING = `400 ${HttpProblemType.keyMissing}`;
const MALFORMED = `400 ${HttpProblemType.keyMalformed}`;
const once = (event: () => HttpEvent) => (tools: HttpTools) => tools.endpoint().invoke(event());
/** The first request runs; the second, with the same key, differs as `change` says. */
const twice = (change: (event: HttpEvent) => HttpEvent) => async (tools: HttpTools) => {
  const endpoint = tools.endpoint();
  await endpoint.invoke(withKey(httpApi(), 'k-1'));
  return endpoint.invoke(change(withKey(httpApi(), 'k-1')));
};

export const HTTP_CASES: readonly HttpCase[] = [
  {
    input: 'POST without Idempotency-Key',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(httpApi(), 'Idempotency-Key')),
  },
  {
    input: 'Idempotency-Key: (empty)',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '')),
  },
  {
    input: 'Idempotency-Key: (spaces only)',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '   ')),
  },
  {
    input: 'header spelled Idempotency_Key',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(withHeader(httpApi(), 'Idempotency-Key'), 'Idempotency_Key', 'k-1')),
  },
  {
    input: 'a 256-character key',
    answer: MALFORMED,
    detail: /256 characters long; at most 255/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k'.repeat(256))),
  },
  {
    input: 'a key with a space',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'order 1')),
  },
  {
    input: 'a Cyrillic key',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'ключ')),
  },
  {
    input: 'a key with a control character',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k\u0007')),
  },
  {
    input: 'the header sent twice (REST multi-value)',
    answer: MALFORMED,
    detail: /sent 2 times/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(restApi(), 'Idempotency-Key', 'k-1', 'k-2')),
  },
  {
    input: 'a comma list "k-1,k-2" (HTTP API joins repeats)',
    answer: MALFORMED,
    detail: /more than one value/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k-1,k-2')),
  },
  {
    input: 'quoted key with an invalid escape',
    answer: MALFORMED,
    detail: /invalid escape/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k\\x"')),
  },
  {
    input: 'quoted key without its closing quote',
    answer: MALFORMED,
    detail: /no closing quote/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k-1')),
  },
  {
    input: 'quoted key followed by parameters',
    answer: MALFORMED,
    detail: /followed by other characters/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k-1";a=1')),
  },
  {
    input: 'same key, another body',
    answer: `422 ${HttpProblemType.keyReused}`,
    detail: /already used for a different request/,
    after: 'first response kept',
    records: 1,
    act: twice((event) => withBody(event, '{"amount":1}')),
  },
  {
    input: 'same key, another query string',
    answer: `422 ${HttpProblemType.keyReused}`,
    detail: /already used for a different request/,
    after: 'first response kept',
    records: 1,
    act: twice((event) => Object.assign(event, { rawQueryString: 'refund=true', queryStringParameters: { refund: 'true' } })),
  },
  {
    input: 'same key while the first is still running',
    answer: `409 ${HttpProblemType.inProgress}`,
    detail: /still being processed/,
    after: 'claim in progress kept',
    records: 1,
    headers: { 'retry-after': '1' },
    act: async (tools) => {
      const entered = deferred();
      const endpoint = tools.endpoint({}, { onEnter: () => entered.resolve(), work: tools.checked });
      // The first request holds its claim until the case has been checked.
      void endpoint.invoke(withKey(httpApi(), 'k-1'));
      await entered.promise;
      return endpoint.invoke(withKey(httpApi(), 'k-1'));
    },
  },
  {
    input: 'an SQS event given to httpIdempotency',
    answer: 'UnsupportedEventError',
    detail: /not an API Gateway .* request: it has no HTTP method/,
    after: 'nothing written',
    records: 0,
    act: once(() => ({ Records: [{ messageId: 'm-1', body: '{}' }] }) as unknown as HttpEvent),
  },
  {
    input: 'an empty object as the event',
    answer: 'UnsupportedEventError',
    detail: /it has no HTTP method/,
    after: 'nothing written',
    records: 0,
    act: once(() => ({}) as HttpEvent),
  },
  {
    input: "methods: 'POST' (not an array)",
    answer: 'IdempotencyConfigError',
    detail: /"methods" must be an array/,
    after: 'nothing written',
    records: 0,
    act: async (tools) => tools.endpoint({ methods: 'POST' as unknown as string[] }),
  },
  {
    input: 'retryAfterSeconds: -1',
    answer: 'IdempotencyConfigError',
    detail: /"retryAfterSeconds" must be a whole number of seconds, got -1/,
    after: 'nothing written',
    records: 0,
    act: async (tools) => tools.endpoint({ retryAfterSeconds: -1 }),
  },
];

export interface HttpOutcome {
  /** What came back: the response, or what was thrown. */
  readonly outcome: unknown;
  /** The status and problem type of a response, or the error's name. */
  readonly answer: string;
  readonly detail: string;
  /** The answer's headers, by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether a thrown error is an IdempotencyError (a response counts as typed). */
  readonly typed: boolean;
  /** What the case's scope holds afterwards, in the words of `HttpCase.after`. */
  readonly table: string;
  readonly records: number;
}

/** HTTP case `number` (from 1), as the function `http-bad-<number>`, so in its own scope. */
export async function runHttpCase(fixture: StoreFixture, testCase: HttpCase, number: number): Promise<HttpOutcome> {
  const functionName = `http-bad-${number}`;
  const checked = deferred();
  const tools: HttpTools = {
    endpoint: (options, hold) => httpEndpoint(fixture.store, functionName, options, hold),
    checked: checked.promise,
  };
  try {
    const outcome = await testCase.act(tools).then(
      (value) => value,
      (error: unknown) => error,
    );
    const items = await itemsOf(fixture, functionName);
    const table =
      items.length === 0
        ? 'nothing written'
        : items.length === 1 && items[0]!.status === 'COMPLETED'
          ? 'first response kept'
          : items.length === 1 && items[0]!.status === 'INPROGRESS'
            ? 'claim in progress kept'
            : `${items.length} records`;
    return {
      outcome,
      ...answerOf(outcome),
      headers: outcome instanceof Error ? {} : headersOf(outcome as HttpResponse),
      typed: !(outcome instanceof Error) || outcome instanceof IdempotencyError,
      table,
      records: items.length,
    };
  } finally {
    checked.resolve();
  }
}

function answerOf(outcome: unknown): { answer: string; detail: string } {
  if (outcome instanceof Error) return { answer: outcome.name, detail: outcome.message };
  const response = outcome as { statusCode?: number; body?: string } | undefined;
  if (response?.statusCode === undefined) return { answer: 'no answer', detail: '' };
  const problem = JSON.parse(response.body ?? '{}') as { type?: string; detail?: string };
  return { answer: `${response.statusCode} ${problem.type ?? ''}`.trim(), detail: problem.detail ?? response.body ?? '' };
}

/** Whether an HTTP case came out as it must. */
export function httpCaseHolds(testCase: HttpCase, outcome: HttpOutcome): boolean {
  return (
    outcome.typed &&
    outcome.answer === testCase.answer &&
    testCase.detail.test(outcome.detail) &&
    outcome.table === testCase.after &&
    outcome.records === testCase.records &&
    Object.entries(testCase.headers ?? {}).every(([name, value]) => outcome.headers[name] === value)
  );
}

export const HTTP_CASES_HEADER = ['#', 'request', 'answer', 'detail', 'table afterwards'];

export function httpCaseRow(testCase: HttpCase, number: number, outcome: HttpOutcome): string[] {
  return [
    String(number),
    testCase.input,
    `${httpCaseHolds(testCase, outcome) ? '✓' : '✗'} ${outcome.answer.replace('urn:lambda-idempotency:problem:', '')}`,
    truncate(outcome.detail, 100),
    outcome.table,
  ];
}
