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
export type { EventSourceKind } from './batch/event-source.js';
export { idempotentBatch } from './batch/idempotent-batch.js';
export type { BatchLogger, IdempotentBatchOptions } from './batch/options.js';
export type { BatchResponse, KafkaBatchResponse, KafkaItemIdentifier } from './batch/partial-response.js';
export type { ActiveMQEvent, ActiveMQMessage, RabbitMQEvent, RabbitMQMessage } from './batch/sources/amazon-mq.js';
export type {
  DocumentDBChangeEvent,
  DocumentDBChangeRecord,
  DocumentDBChangeStreamEvent,
} from './batch/sources/documentdb.js';
export type { PipesKinesisRecord } from './batch/sources/kinesis.js';
export type { Attempt, Begin, IdempotencyEngine, InvocationRequest } from './engine/idempotency-engine.js';
export { createIdempotencyEngine } from './engine/idempotency-engine.js';
export type { IdempotencyOptions, WarningLogger } from './engine/options.js';
export type { IdempotencyRecord, RecordStatus, StoredResult } from './engine/record.js';
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
export {
  CorruptRecordError,
  IdempotencyConfigError,
  IdempotencyError,
  type IdempotencyErrorOptions,
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
export type { HttpEvent, HttpEventShape, HttpRequestView, HttpResponse } from './http/http-event.js';
export {
  defaultHttpScope,
  type HttpIdempotencyOptions,
  type HttpScopeRequest,
  httpIdempotency,
  isRetryableStatus,
} from './http/http-idempotency.js';
export { HttpProblemType } from './http/problem.js';
export { REPLAYED_HEADER } from './http/replay.js';
export { httpCallerOf, idempotencyKeyOf } from './http/request-identity.js';
export type { IdempotencyMiddleware, IdempotencyMiddlewareOptions, MiddyRequestLike } from './middleware/middy.js';
export { idempotency } from './middleware/middy.js';
export type {
  IdempotencyOutcome,
  OutcomeKind,
  OutcomeListener,
  OutcomePhase,
  OutcomeRequests,
  OutcomeSink,
  ReplayInfo,
  ResponseHook,
} from './observability/outcome.js';
export type { AwsCredentials, AwsCredentialsProvider } from './stores/dynamodb/credentials.js';
export type { DynamoDBClientLike, DynamoDBCommandClass } from './stores/dynamodb/sdk-transport.js';
export type { DynamoDBAttributeNames } from './stores/dynamodb-item.js';
export { DynamoDBStore, type DynamoDBStoreOptions } from './stores/dynamodb-store.js';
export type { ArgsSelector, LambdaHandlerArgs, MakeIdempotentOptions } from './wrapper/make-idempotent.js';
export { makeIdempotent } from './wrapper/make-idempotent.js';
