import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import middy from 'middy-core-7';
import type { IdempotencyStore } from '../../src/engine/index.js';
import { type IdempotencyLogger, idempotency } from '../../src/index.js';
import { lambdaContext } from '../support/fixtures.js';

/** The names of the sample events under events/batch/ (events/batch/README.md says where each comes from). */
export type SampleEventName =
  | 'sqs'
  | 'sqs-fifo'
  | 'kinesis'
  | 'dynamodb-stream'
  | 'eventbridge'
  | 'msk'
  | 'self-managed-kafka'
  | 'pipes-sqs'
  | 'pipes-kinesis'
  | 'pipes-dynamodb'
  | 's3'
  | 'sns'
  | 'activemq'
  | 'rabbitmq'
  | 'documentdb';

/** The sample events under events/batch/, parsed afresh on every call so a test may change its copy. */
export function sampleEvent<T>(name: SampleEventName): T {
  return JSON.parse(readFileSync(new URL(`../../events/batch/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** A context for a function of its own: each test gets its own record scope in the shared table. */
export function freshContext(remainingMs: number | (() => number) = 30_000): Context {
  return lambdaContext(remainingMs, `batch-test-${randomUUID().slice(0, 8)}`);
}

/** A logger that keeps what it was told, for asserting the typed errors of failed records. */
export function recordingLogger(): IdempotencyLogger & {
  errors: { message: string; details?: Record<string, unknown> }[];
  warnings: string[];
} {
  const errors: { message: string; details?: Record<string, unknown> }[] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    error: (message, details) => void errors.push({ message, details }),
    warn: (message) => void warnings.push(message),
  };
}

/** A Middy handler behind `idempotency({ store })` with no key option, counting its runs. */
export function middlewareHandler<TEvent>(store: IdempotencyStore): {
  invoke: (event: TEvent, context: Context) => Promise<{ run: number }>;
  runs: () => number;
} {
  let runs = 0;
  const handler = middy(async (_event: TEvent) => ({ run: ++runs })).use(idempotency<TEvent, { run: number }>({ store }));
  return { invoke: (event, context) => handler(event, context), runs: () => runs };
}
