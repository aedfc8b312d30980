import type { IdempotencyRecord } from '../engine/record.js';
import { type NodeRedisLike, toConnection, type ValkeyConnection, type ValkeyReply } from '../stores/valkey/connection.js';
import { EVICT } from '../stores/valkey/scripts.js';
import { ValkeyStore } from '../stores/valkey/valkey-store.js';
import { CliError, ExitCode } from './exit-codes.js';
import { matchesFilter, type RecordFilter, type RecordSource, type ScanPage, type UnreadableItem } from './record-source.js';

/** The part of node-redis v5 the CLI uses to open and close its own connection. */
interface OwnedRedisClient extends NodeRedisLike {
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

interface RedisModule {
  createClient(options: {
    url: string;
    socket: { connectTimeout: number; reconnectStrategy: false };
    disableOfflineQueue: boolean;
  }): OwnedRedisClient;
}

// A variable, so no bundler or compiler resolves the optional peer unless this option is used.
const REDIS_MODULE = 'redis';
/** Keys SCAN looks at per call: large enough to keep round trips few, small enough not to stall a busy server. */
const SCAN_COUNT = 1000;

/** Opens node-redis (an optional peer) only now, so the DynamoDB commands never need it. */
async function loadRedis(): Promise<RedisModule> {
  try {
    return (await import(REDIS_MODULE)) as RedisModule;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliError(
        '--redis-url needs the "redis" package (node-redis v5), an optional peer of lambda-idempotency: run "npm install redis" beside it.',
        ExitCode.storeSetup,
      );
    }
    throw error;
  }
}

function redisProblem(url: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  const where = safeUrl(url);
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
    return new CliError(
      `${where} refused the credentials (${message}): put them in the URL, redis://user:password@host:port.`,
      ExitCode.storeSetup,
    );
  }
  if (/ECONNREFUSED|ENOTFOUND|getaddrinfo|ETIMEDOUT|timeout|Socket closed|ECONNRESET/i.test(message)) {
    return new CliError(
      `Cannot reach ${where} (${message}). Check the host and port, and use rediss:// where the server requires TLS (ElastiCache with in-transit encryption).`,
      ExitCode.storeSetup,
    );
  }
  return new CliError(`Redis request to ${where} failed: ${message}`, ExitCode.unexpected);
}

/** The URL without its password, for messages. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the Redis URL';
  }
}

/** Escapes SCAN MATCH's glob characters, so a prefix matches only itself. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

function text(reply: ValkeyReply): string {
  if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength).toString('utf8');
  return String(reply);
}

/**
 * The records of a `ValkeyStore`, through the store's own reader and key rule. Connects with
 * node-redis to one standalone server (or a primary or replica endpoint); cluster mode is not supported.
 */
export class ValkeyRecords implements RecordSource {
  readonly listingCost: string;
  readonly layout: string;
  readonly #url: string;
  readonly #client: OwnedRedisClient;
  readonly #connection: ValkeyConnection;
  readonly #store: ValkeyStore;

  private constructor(url: string, client: OwnedRedisClient, keyPrefix: string) {
    this.#url = url;
    this.#client = client;
    this.#connection = toConnection(client) as ValkeyConnection;
    this.#store = new ValkeyStore({ client, keyPrefix });
    this.layout = `string keys "${keyPrefix}<record id>" holding the record ValkeyStore writes`;
    this.listingCost = `SCAN walks every key of the database (not only "${keyPrefix}*"), ${SCAN_COUNT} per call, plus one GET per match: run it against a replica on a busy server.\n`;
  }

  /** Connects, failing with advice (URL, TLS, credentials, the missing package) instead of retrying forever. */
  static async open(url: string, keyPrefix: string): Promise<ValkeyRecords> {
    const redis = await loadRedis();
    let client: OwnedRedisClient;
    try {
      client = redis.createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false }, disableOfflineQueue: true });
    } catch (error) {
      throw new CliError(`--redis-url "${safeUrl(url)}" is not a Redis URL: ${(error as Error).message}`, ExitCode.usage);
    }
    // Without a listener node-redis rethrows connection errors as an unhandled 'error' event.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw redisProblem(url, error);
    }
    return new ValkeyRecords(url, client, keyPrefix);
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    return this.#store.get(id).catch((error: unknown) => {
      throw redisProblem(this.#url, (error as { cause?: unknown }).cause ?? error);
    });
  }

  async deleteIf(id: string, status: IdempotencyRecord['status'], lease: string | undefined): Promise<boolean> {
    const key = this.#store.keyOf(id);
    const args = ['EVAL', EVICT.source, '1', key, status, ...(lease === undefined ? [] : [lease])];
    try {
      return (await this.#connection.send(args, key)) === 1;
    } catch (error) {
      throw redisProblem(this.#url, error);
    }
  }

  async *list(filter: RecordFilter): AsyncGenerator<ScanPage> {
    const prefix = this.#store.keyPrefix;
    const pattern = `${globLiteral(prefix)}*`;
    let cursor = '0';
    do {
      let reply: ValkeyReply;
      try {
        reply = await this.#connection.send(
          ['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(SCAN_COUNT), 'TYPE', 'string'],
          pattern,
        );
      } catch (error) {
        throw redisProblem(this.#url, error);
      }
      const [next, keys] = Array.isArray(reply) ? reply : [];
      cursor = text(next ?? '0');
      const ids = (Array.isArray(keys) ? keys : []).map((key) => text(key).slice(prefix.length));
      const read = await Promise.all(
        ids.map(async (id) => {
          try {
            return { id, record: await this.#store.get(id) };
          } catch {
            return { id, record: 'unreadable' as const };
          }
        }),
      );
      const records: IdempotencyRecord[] = [];
      const unreadable: UnreadableItem[] = [];
      for (const { id, record } of read) {
        if (record === 'unreadable') unreadable.push({ id });
        else if (record !== undefined && matchesFilter(record, filter)) records.push(record);
      }
      yield { records, unreadable, scanned: ids.length };
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.#client.isOpen) this.#client.destroy();
  }
}
