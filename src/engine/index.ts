/**
 * lambda-idempotency/engine: what you implement or plug in. The engine factory and its contract,
 * for an event source this package has no adapter for; the store port with its request and record
 * types, for a database of your own; the result serializer; the shape of the Middy middleware, for
 * an adapter built on it; the AWS SDK client and credentials `DynamoDBStore` can be given; and the
 * options an error of this library is constructed with (a store of your own throws `StoreError`).
 * @packageDocumentation
 */

export type { IdempotencyErrorOptions } from '../errors.js';
export type { IdempotencyMiddleware, MiddyRequestLike } from '../middleware/middy.js';
export type { AwsCredentials, AwsCredentialsProvider } from '../stores/dynamodb/credentials.js';
export type { DynamoDBClientLike, DynamoDBCommandClass, DynamoDBCommands } from '../stores/dynamodb/sdk-transport.js';
export type { Claim } from './claim.js';
export { createIdempotencyEngine } from './create-engine.js';
export type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './idempotency-engine.js';
export type { IdempotencyRecord, RecordStatus, StoredResult } from './record.js';
export { jsonSerializer, type ResultSerializer } from './serializer.js';
export type {
  ClaimRequest,
  ClaimResult,
  CompleteRequest,
  CompressionPreference,
  IdempotencyStore,
  ReleaseRequest,
} from './store.js';
