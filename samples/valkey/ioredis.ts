import { Cluster } from 'ioredis';
import { makeIdempotent } from 'lambda-idempotency';
import { ValkeyStore } from 'lambda-idempotency/valkey';
import { cacheAddress } from './cache-address.js';

const { host, port, tls } = cacheAddress(process.env.CACHE_URL);

// The cluster recipe of docs/valkey.md: no offline queue, a command timeout, the endpoint's name
// kept for TLS. Connected at cold start (top-level await: bundle as ESM).
const client = new Cluster([{ host, port }], {
  enableOfflineQueue: false,
  lazyConnect: true,
  dnsLookup: (address, callback) => callback(null, address),
  redisOptions: { commandTimeout: 1000, maxRetriesPerRequest: 0, ...(tls ? { tls: {} } : {}) },
});
client.on('error', () => undefined);
await client.connect();
const store = new ValkeyStore({ client });

/** Creates an order once per orderId; retries replay the stored result, `createdAt` included. */
export const handler = makeIdempotent(
  async function createOrder(event: { orderId: string }) {
    return { orderId: event.orderId, status: 'created', createdAt: new Date().toISOString() };
  },
  { store, key: 'orderId' },
);
