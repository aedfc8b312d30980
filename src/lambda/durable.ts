import { IdempotencyConfigError } from '../errors.js';
import type { LambdaContextLike } from './context.js';

/**
 * What this library reads of a durable function's context (`@aws/durable-execution-sdk-js`),
 * recognised by its shape so the core entry imports nothing from the SDK.
 */
export interface DurableExecutionLike {
  /** The execution's ARN: the same in every invocation that replays it, distinct for another execution. */
  readonly executionArn: string;
  /** The Lambda context of the invocation running this replay. */
  readonly lambdaContext: LambdaContextLike | undefined;
}

/**
 * The durable execution a handler argument belongs to: the SDK's `DurableContext`, or Middy 7's
 * durable-mode context (the same object with the Lambda context's keys copied onto it).
 */
export function durableExecutionOf(value: unknown): DurableExecutionLike | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { executionContext, lambdaContext } = value as { executionContext?: unknown; lambdaContext?: unknown };
  if (executionContext === null || typeof executionContext !== 'object') return undefined;
  const executionArn = (executionContext as { durableExecutionArn?: unknown }).durableExecutionArn;
  if (typeof executionArn !== 'string' || executionArn === '') return undefined;
  const lambda =
    lambdaContext !== null && typeof lambdaContext === 'object'
      ? (lambdaContext as LambdaContextLike)
      : (value as LambdaContextLike).getRemainingTimeInMillis
        ? (value as LambdaContextLike)
        : undefined;
  return { executionArn, lambdaContext: lambda };
}

/**
 * Refuses the event a durable function's Lambda receives before `withDurableExecution` unwraps it
 * (`DurableExecutionArn`, `CheckpointToken`): idempotency placed outside the SDK would key on a
 * token that changes every invocation and store the SDK's `{ Status: "PENDING" }` of a suspension
 * as if it were the result.
 *
 * @throws {IdempotencyConfigError} naming the order that works.
 */
export function refuseDurableInvocationInput(event: unknown, adapter: string, fix: string): void {
  if (event === null || typeof event !== 'object') return;
  const { DurableExecutionArn, CheckpointToken } = event as { DurableExecutionArn?: unknown; CheckpointToken?: unknown };
  if (typeof DurableExecutionArn !== 'string' || typeof CheckpointToken !== 'string') return;
  throw new IdempotencyConfigError(
    `${adapter} received a durable execution's invocation event: it wraps the handler returned by withDurableExecution, ` +
      `so it would key on a checkpoint token that changes every invocation and store a suspension as a result. ${fix}`,
  );
}
