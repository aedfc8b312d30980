import { GlideClient, GlideClusterClient } from '@valkey/valkey-glide';

// Every command fails after requestTimeout, also one issued while the client reconnects.

/** A cache without cluster mode: a node-based ElastiCache replication group (primary endpoint), a redis-server. */
export function connect(host: string, port: number, useTLS = true): Promise<GlideClient> {
  return GlideClient.createClient({ addresses: [{ host, port }], useTLS, requestTimeout: 1000 });
}

/** ElastiCache Serverless, cluster-mode ElastiCache, MemoryDB: the configuration endpoint. */
export function connectCluster(host: string, port: number, useTLS = true): Promise<GlideClusterClient> {
  return GlideClusterClient.createClient({ addresses: [{ host, port }], useTLS, requestTimeout: 1000 });
}
