/** Where the cache is: what a client needs to connect. */
export interface CacheAddress {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/**
 * The cache named by a URL such as the `CACHE_URL` the sample stack sets:
 * - ElastiCache Serverless: `rediss://<name>-xxxxxx.serverless.<region>.cache.amazonaws.com:6379`,
 *   TLS (`rediss:`), always on there, and port 6379. Its port 6380 serves reads from replicas, which
 *   may not have seen the store's last write, so it is refused.
 * - A local `redis-server` or cluster node: `redis://127.0.0.1:6379`, no TLS (`redis:`).
 *
 * The port defaults to 6379. Credentials and a database number are refused rather than ignored:
 * the recipes do not pass them on, and cluster mode has no database but 0.
 */
export function cacheAddress(url: string | undefined): CacheAddress {
  if (!url) throw new Error('CACHE_URL is not set: rediss://<endpoint>:6379 for ElastiCache, redis://127.0.0.1:<port> locally.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`CACHE_URL is not a URL: "${url}" (expected rediss://<endpoint>:6379 or redis://127.0.0.1:<port>).`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new Error(`CACHE_URL must start with rediss:// (TLS) or redis:// (no TLS), not ${parsed.protocol}//.`);
  if (parsed.username || parsed.password) throw new Error('CACHE_URL carries credentials, which this sample does not pass on.');
  if (parsed.pathname !== '' && parsed.pathname !== '/')
    throw new Error(`CACHE_URL names a database (${parsed.pathname}); a cluster has only database 0.`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error(`CACHE_URL has no host: "${url}".`);
  const port = parsed.port ? Number(parsed.port) : 6379;
  if (port === 6380 && /\.serverless\.[a-z0-9-]+\.cache\.amazonaws\.com$/.test(host))
    throw new Error(
      "CACHE_URL names ElastiCache Serverless's reader port 6380: the store must use 6379, where reads see its writes.",
    );
  return { host, port, tls: parsed.protocol === 'rediss:' };
}
