/**
 * lambda-idempotency/valkey: the Valkey / Redis OSS store (ElastiCache, ElastiCache Serverless,
 * MemoryDB). A separate entry point, so the core package never loads it or any Redis client.
 * @packageDocumentation
 */

export type {
  GlideClientLike,
  IoredisLike,
  NodeRedisClusterLike,
  NodeRedisLike,
  ValkeyArgument,
  ValkeyClient,
  ValkeyConnection,
  ValkeyReply,
} from './connection.js';
export { ValkeyStore, type ValkeyStoreOptions } from './valkey-store.js';
