import { GlideClusterClient } from '@valkey/valkey-glide';
import { makeIdempotent } from 'lambda-idempotency';
import { ValkeyStore } from 'lambda-idempotency/valkey';
import { cacheAddress } from './cache-address.js';

// CACHE_URL: rediss://<serverless endpoint>:6379 on ElastiCache Serverless, redis://127.0.0.1:<port> locally.
const { host, port, tls } = cacheAddress(process.env.CACHE_URL);

// Connected once per container, at cold start, and reused by every invocation. ElastiCache
// Serverless is cluster-mode only, hence a cluster client. Top-level await: bundle as ESM.
const client = await GlideClusterClient.createClient({ addresses: [{ host, port }], useTLS: tls, requestTimeout: 1000 });
const store = new ValkeyStore({ client });

/** Creates an order once per orderId; retries replay the stored result, `createdAt` included. */
export const handler = makeIdempotent(
  async function createOrder(event: { orderId: string }) {
    return { orderId: event.orderId, status: 'created', createdAt: new Date().toISOString() };
  },
  { store, key: 'orderId' },
);
