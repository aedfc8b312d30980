import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { type HttpEvent, type HttpResponse, httpIdempotency, makeIdempotent } from '../../src/index.js';
import { headersOf, httpShapes, withBody, withCaller, withKey, withMethod } from '../http/http-events.js';
import { uniqueKey, useStoreFixture } from '../support/fixtures.js';
import {
  claimExpiryOf,
  contextWithDeadline,
  DEADLINE_TOLERANCE_MS,
  functionNameFor,
  interleaver,
  shuffledCopies,
  spacedDeadlines,
} from './support.js';

const fixture = useStoreFixture();

type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;
const middies: [string, (handler: HttpHandler) => { use(middleware: unknown): HttpHandler }][] = [
  ['Middy 6', middy6 as never],
  ['Middy 7', middy7 as never],
];
const httpApi = httpShapes.find((shape) => shape.file === 'http-api.json');

interface Request {
  readonly key: string;
  readonly caller: string;
  readonly method: 'POST' | 'GET';
  readonly amount: number;
}
interface Answer {
  key: string;
  caller: string;
  amount: number;
  executedBy: string;
  claimUntil: number;
}

describe.each(middies)('%s + httpIdempotency: overlapping requests in one process', (_label, middy) => {
  it('answer each request from its own caller and body, run each (key, caller) once, inner calls on their own deadline', async () => {
    if (httpApi === undefined) throw new Error('the HTTP API sample event is missing');
    const functionName = functionNameFor('http');
    const gate = interleaver(0x4711);
    const executions = new Map<string, number>();
    const charge = makeIdempotent(
      async (payment: { paymentId: string }) => {
        await gate.pause();
        return claimExpiryOf(fixture, `${functionName}:charge`, payment.paymentId);
      },
      { store: fixture.store, key: 'paymentId', name: 'charge' },
    );
    const handler = middy(async (event, context) => {
      const http = event as { body: string; headers: Record<string, string>; requestContext: { http: { method: string } } };
      const { key, caller, amount } = JSON.parse(http.body) as Request;
      const id = `${http.requestContext.http.method} ${key} ${caller}`;
      executions.set(id, (executions.get(id) ?? 0) + 1);
      await gate.pause();
      // Every request charges under an id of its own, so each inner claim is this request's alone.
      const claimUntil = await charge({ paymentId: `${id} ${context.awsRequestId}` });
      const answer: Answer = { key, caller, amount, executedBy: context.awsRequestId, claimUntil };
      return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) };
    }).use(
      httpIdempotency({ store: fixture.store, waitForInProgress: { timeoutMs: 20_000, initialDelayMs: 5, maxDelayMs: 25 } }),
    );

    // Each key twice from one caller, once from another; and GETs, which pass through unprotected.
    const keys = Array.from({ length: 12 }, () => uniqueKey());
    const posts = shuffledCopies(keys, 1, 11).flatMap((key, index): Request[] => [
      { key, caller: 'alice', method: 'POST', amount: index },
      { key, caller: 'alice', method: 'POST', amount: index },
      { key, caller: 'bob', method: 'POST', amount: 1000 + index },
    ]);
    const gets = keys.slice(0, 8).map((key, index): Request => ({ key, caller: 'carol', method: 'GET', amount: 2000 + index }));
    const requests = shuffledCopies([...posts, ...gets], 1, 12);
    const deadlines = spacedDeadlines(requests.length);
    const contexts = requests.map((_, index) => contextWithDeadline(deadlines[index] as number, functionName));
    const indexOfRequest = new Map(contexts.map((context, index) => [context.awsRequestId, index]));
    const events = requests.map((request) =>
      withBody(
        withMethod(withCaller(withKey(httpApi.event(), request.key), request.caller), request.method),
        JSON.stringify(request),
      ),
    );
    const responses = await gate.drive(events.map((event, index) => handler(event, contexts[index] as Context)));

    expect([...executions.values()]).toEqual([...executions.keys()].map(() => 1));
    expect(executions.size).toBe(keys.length * 2 + gets.length);
    const replayedPerKey = new Map<string, number>();
    for (const [index, response] of responses.entries()) {
      const request = requests[index] as Request;
      const { statusCode, body } = response as { statusCode: number; body: string };
      expect(statusCode).toBe(201);
      const answer = JSON.parse(body) as Answer;
      expect(answer).toMatchObject({ key: request.key, caller: request.caller, amount: request.amount });
      const executor = indexOfRequest.get(answer.executedBy) as number;
      expect(requests[executor]).toEqual(request);
      expect(Math.abs(answer.claimUntil - (deadlines[executor] as number))).toBeLessThanOrEqual(DEADLINE_TOLERANCE_MS);
      const replayed = headersOf(response)['idempotent-replayed'] === 'true';
      expect(replayed).toBe(executor !== index);
      if (replayed) replayedPerKey.set(request.key, (replayedPerKey.get(request.key) ?? 0) + 1);
    }
    // Alice's second request replayed her first; Bob's, with the same key, ran on its own.
    expect([...replayedPerKey.values()]).toEqual(keys.map(() => 1));
  });
});
