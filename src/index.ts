/**
 * lambda-idempotency: run an AWS Lambda handler once per idempotency key and replay its stored
 * result to every retry. This entry holds what a handler author uses: the adapters, the DynamoDB
 * store, their options, the errors and the event types. What you implement or plug in (an engine
 * of your own, a store, a serializer, an SDK client or credentials) is in `lambda-idempotency/engine`.
 * @packageDocumentation
 */

export type {
  BatchEventOf,
  BatchRecord,
  BatchResponseOf,
  IdempotentBatchHandler,
  RecordHandler,
} from './batch/batch-types.js';
export { BatchFailedError, type BatchRecordFailure, MalformedRecordError, RecordNotProcessedError } from './batch/errors.js';
export { idempotentBatch } from './batch/idempotent-batch.js';
export type { IdempotentBatchOptions } from './batch/options.js';
export type { IdempotencyOptions } from './engine/options.js';
export type { ReplayInfo, ResponseHook } from './engine/response-hook.js';
export type { Selector } from './engine/selector.js';
export type { IdempotencyLogger } from './engine/warn.js';
export {
  CorruptRecordError,
  IdempotencyConfigError,
  IdempotencyError,
  type IdempotencyWarning,
  InProgressError,
  InvalidIdempotencyKeyError,
  LeaseLostError,
  MissingIdempotencyKeyError,
  PayloadMismatchError,
  ResultNotPersistedError,
  ResultNotSerializableError,
  ResultTooLargeError,
  StoreError,
  UnstorableResultError,
  UnsupportedEventError,
} from './errors.js';
export type { CallerIdentity } from './http/caller.js';
export type { HttpEvent, HttpRequestView, HttpResponse } from './http/http-event.js';
export { httpIdempotency } from './http/http-idempotency.js';
export { defaultKeyNamespace, type HttpIdempotencyOptions, isRetryableStatus } from './http/http-options.js';
export { HttpProblemType } from './http/problem.js';
export { REPLAYED_HEADER } from './http/replay.js';
export { httpCallerOf, idempotencyKeyOf } from './http/request-identity.js';
export type { ActiveMQEvent, ActiveMQMessage, RabbitMQEvent, RabbitMQMessage } from './lambda/event-sources/amazon-mq.js';
export type {
  DocumentDBChangeEvent,
  DocumentDBChangeRecord,
  DocumentDBChangeStreamEvent,
} from './lambda/event-sources/documentdb.js';
export type { PipesKinesisRecord } from './lambda/event-sources/kinesis.js';
export type { KafkaBatchResponse } from './lambda/event-sources/partial-response.js';
export type { IdempotencyMiddlewareOptions } from './middleware/middy.js';
export { idempotency } from './middleware/middy.js';
export type { DynamoDBStoreOptions } from './stores/dynamodb/store-options.js';
export { DynamoDBStore } from './stores/dynamodb-store.js';
export type { DynamoDBAttributeNames } from './stores/record-schema.js';
export type { ArgsSelector, MakeIdempotentOptions } from './wrapper/make-idempotent.js';
export { makeIdempotent } from './wrapper/make-idempotent.js';
