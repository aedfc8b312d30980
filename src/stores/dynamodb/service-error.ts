import type { AttributeMap } from './attribute-value.js';

/**
 * A request the lean transport could not complete: DynamoDB's own error (its `__type` becomes the
 * `name`, as the AWS SDK names its exceptions, with DynamoDB's message), or a network failure
 * (`TimeoutError`, or Node's socket error with its `code`). The store wraps it in a `StoreError`.
 */
export class DynamoDBServiceError extends Error {
  /** HTTP status of DynamoDB's answer; undefined when none arrived. */
  readonly statusCode: number | undefined;
  /** DynamoDB's `x-amzn-RequestId`, for AWS support. */
  readonly requestId: string | undefined;
  /** The existing item a failed condition returned (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), as the SDK's `Item`. */
  readonly Item: AttributeMap | undefined;
  /** Node's error code for a network failure (`ECONNRESET`...). */
  readonly code: string | undefined;

  constructor(
    name: string,
    message: string,
    details: { statusCode?: number; requestId?: string; item?: AttributeMap; code?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
    this.Item = details.item;
    this.code = details.code;
  }
}
