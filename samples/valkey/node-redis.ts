import { makeIdempotent } from 'lambda-idempotency';
import { ValkeyStore } from 'lambda-idempotency/valkey';
import { createCluster } from 'redis';
import { cacheAddress } from './cache-address.js';

const { host, port, tls } = cacheAddress(process.env.CACHE_URL);

// The cluster recipe of docs/valkey.md: timeouts on the socket and on queued commands, and a
// reconnect after a socket timeout. Connected at cold start (bundle as ESM).
const client = createCluster({
  rootNodes: [{ socket: { host, port } }],
  defaults: {
    socket: {
      connectTimeout: 1000,
      socketTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      ...(tls ? { tls: true as const } : {}),
    },
  },
  commandOptions: { timeout: 1000 },
});
client.on('error', () => undefined);
const store = new ValkeyStore({ client: await client.connect() });

/** Creates an order once per orderId; retries replay the stored result, `createdAt` included. */
export const handler = makeIdempotent(
  async function createOrder(event: { orderId: string }) {
    return { orderId: event.orderId, status: 'created', createdAt: new Date().toISOString() };
  },
  { store, key: 'orderId' },
);
