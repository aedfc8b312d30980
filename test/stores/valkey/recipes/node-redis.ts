import { createClient, createCluster } from 'redis';

const socket = {
  connectTimeout: 1000,
  // Bounds a command already written; commandOptions.timeout bounds one still queued.
  socketTimeout: 1000,
  // Reconnect after a socket timeout too (by default the client closes for good).
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
};
const commandOptions = { timeout: 1000 };

/** A cache without cluster mode: a node-based ElastiCache replication group (primary endpoint), a redis-server. */
export function connect(host: string, port: number, tls = true) {
  const client = createClient({ socket: { host, port, ...socket, ...(tls ? { tls: true as const } : {}) }, commandOptions });
  // Connection errors are retried by the client; failed commands reach the store as StoreError.
  client.on('error', () => undefined);
  return client.connect();
}

/** ElastiCache Serverless, cluster-mode ElastiCache, MemoryDB: the configuration endpoint. */
export function connectCluster(host: string, port: number, tls = true) {
  const client = createCluster({
    rootNodes: [{ socket: { host, port } }],
    // Every node keeps its offline queue: a command sent while its connection reopens (after an idle
    // socketTimeout, as on the first invocation after a freeze) waits for it, within commandOptions.timeout.
    defaults: { socket: { ...socket, ...(tls ? { tls: true as const } : {}) } },
    commandOptions,
  });
  client.on('error', () => undefined);
  return client.connect();
}
