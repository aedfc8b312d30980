import { Cluster, Redis } from 'iovalkey';

// commandTimeout bounds every command. maxRetriesPerRequest 0: a command that fails with the
// connection fails at once instead of waiting to be resent after a reconnect.
const redisOptions = { commandTimeout: 1000, maxRetriesPerRequest: 0 };

/** A cache without cluster mode: a node-based ElastiCache replication group (primary endpoint), a redis-server. */
export async function connect(host: string, port: number, tls = true): Promise<Redis> {
  const client = new Redis({ host, port, ...redisOptions, ...(tls ? { tls: {} } : {}), lazyConnect: true });
  client.on('error', () => undefined); // connection errors: the client reconnects; commands fail as StoreError
  await client.connect();
  return client;
}

/** ElastiCache Serverless, cluster-mode ElastiCache, MemoryDB: the configuration endpoint. */
export async function connectCluster(host: string, port: number, tls = true): Promise<Cluster> {
  const client = new Cluster([{ host, port }], {
    // No queue while the cluster is unreachable: a queued command has no timeout, and would be
    // sent whenever the nodes return.
    enableOfflineQueue: false,
    lazyConnect: true,
    // Over TLS the certificate names the endpoint, not the node addresses the cluster announces.
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: { ...redisOptions, ...(tls ? { tls: {} } : {}) },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
