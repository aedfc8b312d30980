import type { DynamoDBOperation, DynamoDBOutput } from './json-protocol.js';

export type { DynamoDBOperation, DynamoDBOutput } from './json-protocol.js';

/** Per request: when the invocation that makes it ends. */
export interface SendOptions {
  /**
   * Epoch milliseconds (wall clock) by which the request must have settled: the engine's bound on
   * one store request, never past the Lambda invocation's end. No attempt is started, and no
   * attempt waits, past it: the caller keeps time to act on a failure (fail, fail open, report it,
   * return the handler's result) before the engine gives up on the request or Lambda stops it.
   */
  readonly deadline?: number;
}

/**
 * What the store needs of DynamoDB: the four item requests, input and output in the AWS SDK's
 * shape (attribute values with binary as bytes). Failures reject with an error whose `name` is
 * DynamoDB's error code (or the network error's), and whose `Item` holds the existing item when
 * a condition failed with `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
 */
export interface DynamoDBTransport {
  send(operation: DynamoDBOperation, input: object, options?: SendOptions): Promise<DynamoDBOutput>;
}
