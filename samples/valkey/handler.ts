import { GlideClient } from '@valkey/valkey-glide';
import { makeIdempotent } from '../../src/index.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';

// Connected once per container, at cold start, and reused by every invocation.
const client = await GlideClient.createClient({
  addresses: [{ host: process.env.CACHE_ENDPOINT ?? '127.0.0.1', port: Number(process.env.CACHE_PORT ?? 6379) }],
  useTLS: process.env.CACHE_TLS !== 'false',
  requestTimeout: 1000,
});
const store = new ValkeyStore({ client });

/** Creates an order once per orderId; retries replay the stored result. */
export const handler = makeIdempotent(
  async function createOrder(event: { orderId: string }) {
    return { orderId: event.orderId, status: 'created' };
  },
  { store, key: 'orderId' },
);
