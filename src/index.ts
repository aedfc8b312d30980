/**
 * lambda-idempotency: run an AWS Lambda handler once per idempotency key and replay its stored
 * result to every retry.
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
export type { BatchLogger, IdempotentBatchOptions } from './batch/options.js';
export type { Claim } from './engine/claim.js';
export { createIdempotencyEngine } from './engine/create-engine.js';
export type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './engine/idempotency-engine.js';
export type { IdempotencyOptions } from './engine/options.js';
export type { IdempotencyRecord, RecordStatus, StoredResult } from './engine/record.js';
export type { ReplayInfo, ResponseHook } from './engine/response-hook.js';
export type { Selector } from './engine/selector.js';
export type { ResultSerializer } from './engine/serializer.js';
export { jsonSerializer } from './engine/serializer.js';
export type {
  ClaimRequest,
  ClaimResult,
  CompleteRequest,
  CompressionPreference,
  IdempotencyStore,
  ReleaseRequest,
} from './engine/store.js';
export type { WarningLogger } from './engine/warn.js';
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
export type { EventSourceKind } from './lambda/event-sources/event-source.js';
export type { PipesKinesisRecord } from './lambda/event-sources/kinesis.js';
export type { BatchResponse, KafkaBatchResponse, KafkaItemIdentifier } from './lambda/event-sources/partial-response.js';
export type { IdempotencyMiddleware, IdempotencyMiddlewareOptions, MiddyRequestLike } from './middleware/middy.js';
export { idempotency } from './middleware/middy.js';
export { DynamoDBStore, type DynamoDBStoreOptions } from './stores/dynamodb-store.js';
export type { DynamoDBAttributeNames } from './stores/record-schema.js';
export type { ArgsSelector, LambdaHandlerArgs, MakeIdempotentOptions } from './wrapper/make-idempotent.js';
export { makeIdempotent } from './wrapper/make-idempotent.js';
