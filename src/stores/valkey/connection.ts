/**
 * One reply of a Valkey/Redis command with bulk strings as bytes: `null` for a nil reply, integers
 * as numbers, arrays nested. Binary-safe, so compressed results come back exactly as written.
 */
export type ValkeyReply = null | number | string | Uint8Array | readonly ValkeyReply[];

/** One command argument: text, or bytes sent as they are. */
export type ValkeyArgument = string | Uint8Array;

/**
 * The one operation the store needs from a client: send a command, get its reply with bulk
 * strings as bytes. Implement it to plug in a client this package has no adapter for.
 */
export interface ValkeyConnection {
  /**
   * Sends one command. `key` is the one key it touches, for clients that route by key (cluster).
   * Rejects with the client's own error (the store wraps it in a `StoreError`).
   */
  send(args: readonly ValkeyArgument[], key: string): Promise<ValkeyReply>;
  /** False when the client is known to be closed, so the store fails fast with a clear message. */
  isConnected?(): boolean;
}

/** The part of `@valkey/valkey-glide`'s `GlideClient` (or `GlideClusterClient`) the store uses. */
export interface GlideClientLike {
  /** Sends one raw command; the store asks for bulk strings as bytes and routes by the record's key. */
  customCommand(args: Buffer[] | string[] | (string | Buffer)[], options?: { decoder?: number }): Promise<unknown>;
  /** Present on every Glide client; the store never calls it (closing the client is the caller's job). */
  close(errorMessage?: string): void;
}

/** The part of an `ioredis` or `iovalkey` client (`Redis` or `Cluster`) the store uses. */
export interface IoredisLike {
  /** Sends one command and resolves its reply with bulk strings as `Buffer`s. */
  callBuffer(command: string, ...args: (string | Buffer | number)[]): Promise<unknown>;
  /**
   * The connection state (`connecting`, `ready`, `reconnecting`, `end`, ...). While `reconnecting`,
   * `end` or `close` the store fails fast: a `Cluster` would hold the command in its offline queue,
   * with no timeout, and send it whenever the nodes return.
   */
  readonly status: string;
}

/** The part of a `redis` (node-redis v5) client the store uses: a connected `createClient()`. */
export interface NodeRedisLike {
  /** Sends one command; the store maps bulk strings to `Buffer` through `typeMapping`. */
  sendCommand(args: (string | Buffer)[], options?: { typeMapping?: Record<number, unknown> }): Promise<unknown>;
  /** False once the client is closed or destroyed, so the store fails fast. */
  readonly isOpen: boolean;
  /** False while the client is not connected (reconnecting after the server went away). */
  readonly isReady?: boolean;
  /** The options it was created with: the store reads `commandOptions.timeout`. */
  readonly options?:
    | {
        /** Defaults for every command the client sends. */
        readonly commandOptions?: {
          /** Milliseconds a command may wait, queued or sent, before the client rejects it. */
          readonly timeout?: number;
        };
      }
    | undefined;
}

/** The part of a `redis` (node-redis v5) cluster client the store uses: a connected `createCluster()`. */
export interface NodeRedisClusterLike {
  /** Sends one command to the primary serving `firstKey`'s slot, following MOVED and ASK redirections. */
  sendCommand(
    firstKey: string | Buffer | undefined,
    isReadonly: boolean | undefined,
    args: (string | Buffer)[],
    options?: { typeMapping?: Record<number, unknown> },
  ): Promise<unknown>;
  /** Present on every node-redis cluster client; it tells one apart from a `createClient()` client. */
  getSlotMaster(slot: number): unknown;
  /** False once the client is closed or destroyed, so the store fails fast. */
  readonly isOpen: boolean;
}

/**
 * node-redis v5's own topology refresh (`RedisCluster._slots.rediscover`), which it runs only on
 * MOVED and ASK. Typed as optional: it is not part of its documented API.
 */
interface NodeRedisClusterInternals {
  readonly _options?: { readonly rootNodes?: readonly unknown[] };
  readonly _slots?: { rediscover?(startWith: { options: unknown }): Promise<void> };
}

/** A connected client of any supported library, or your own {@link ValkeyConnection}. */
export type ValkeyClient = GlideClientLike | IoredisLike | NodeRedisLike | NodeRedisClusterLike | ValkeyConnection;

/** valkey-glide's `Decoder.Bytes`, spelled out so this module never imports the library. */
const GLIDE_BYTES_DECODER = 0;
/** node-redis's `RESP_TYPES.BLOB_STRING` (the RESP type byte `$`), for the same reason. */
const RESP_BLOB_STRING = 36;
const NODE_REDIS_BINARY = { typeMapping: { [RESP_BLOB_STRING]: Buffer } };
/** ioredis states in which a command would wait for a connection that is not there. */
const IOREDIS_UNREACHABLE = new Set(['reconnecting', 'end', 'close']);

/**
 * Wraps a client of one of the supported libraries, told apart by shape (never by class name,
 * which a bundler may rename). Returns undefined for anything else.
 */
export function toConnection(client: ValkeyClient): ValkeyConnection | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  if (typeof (client as GlideClientLike).customCommand === 'function') return glideConnection(client as GlideClientLike);
  if (typeof (client as IoredisLike).callBuffer === 'function') return ioredisConnection(client as IoredisLike);
  if (typeof (client as NodeRedisClusterLike).getSlotMaster === 'function' && 'isOpen' in client) {
    return nodeRedisClusterConnection(client as NodeRedisClusterLike);
  }
  if (typeof (client as NodeRedisLike).sendCommand === 'function' && 'isOpen' in client) {
    return nodeRedisConnection(client as NodeRedisLike);
  }
  if (typeof (client as ValkeyConnection).send === 'function') return client as ValkeyConnection;
  return undefined;
}

function glideConnection(client: GlideClientLike): ValkeyConnection {
  return {
    send: async (args, key) => {
      // A cluster client routes by this key; a standalone client ignores the option.
      const options = { decoder: GLIDE_BYTES_DECODER, route: { type: 'primarySlotKey', key } };
      return normalize(await client.customCommand(args.map(toBuffer), options));
    },
    // The closed flag is not public; a closed client rejects with its ClosingError instead.
  };
}

function ioredisConnection(client: IoredisLike): ValkeyConnection {
  return {
    // In lower case: iovalkey looks a command's keys up by its name as written, and a Cluster
    // sends a command whose keys it cannot find to any node, which answers MOVED.
    send: async ([command, ...args]) => normalize(await client.callBuffer(String(command).toLowerCase(), ...args.map(toBuffer))),
    isConnected: () => !IOREDIS_UNREACHABLE.has(client.status),
  };
}

function nodeRedisConnection(client: NodeRedisLike): ValkeyConnection {
  return {
    send: async (args) => normalize(await client.sendCommand(args.map(toBuffer), NODE_REDIS_BINARY)),
    // A command sent while the client reconnects waits in its offline queue: with a command
    // timeout it is withdrawn when that lapses; without one it would wait for the server to come
    // back and run then, long after the invocation gave up. Fail fast instead.
    isConnected: () => client.isOpen && (client.isReady !== false || (client.options?.commandOptions?.timeout ?? 0) > 0),
  };
}

function nodeRedisClusterConnection(client: NodeRedisClusterLike): ValkeyConnection {
  return {
    send: async (args, key) => {
      try {
        // Routed by the record's key; the commands write, so never to a replica.
        return normalize(await client.sendCommand(key, false, args.map(toBuffer), NODE_REDIS_BINARY));
      } catch (error) {
        if (isConnectionFailure(error)) rediscover(client);
        throw error;
      }
    },
    isConnected: () => client.isOpen,
  };
}

/**
 * node-redis looks for a new topology only when a node answers MOVED or ASK; a primary that died
 * answers nothing, so its slots stay pointed at it, and fail, after its replica has taken over.
 * A connection failure starts a rediscovery from the configured root nodes (this command still
 * fails: the store fails closed; the next one, such as the engine's retried completion, finds
 * the new primary).
 */
function rediscover(client: NodeRedisClusterLike): void {
  const { _options: options, _slots: slots } = client as NodeRedisClusterLike & NodeRedisClusterInternals;
  const root = options?.rootNodes?.[0];
  if (root === undefined || typeof slots?.rediscover !== 'function') return;
  slots.rediscover({ options: root }).catch(() => undefined);
}

/** A failure to reach a node, as opposed to a reply the server gave. */
function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof Error &&
    /offline|closed|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|timeout|CLUSTERDOWN/i.test(`${error.name} ${error.message}`)
  );
}

function toBuffer(argument: ValkeyArgument): string | Buffer {
  return typeof argument === 'string' ? argument : Buffer.from(argument.buffer, argument.byteOffset, argument.byteLength);
}

/** Brings each library's reply types (bigint, Buffer subclasses, RESP3 maps) to one shape. */
function normalize(reply: unknown): ValkeyReply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number' || typeof reply === 'string') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (reply instanceof Uint8Array) return reply;
  if (Array.isArray(reply))
    return reply.flatMap((entry) => (isMapEntry(entry) ? [normalize(entry.key), normalize(entry.value)] : [normalize(entry)]));
  if (reply instanceof Error) throw reply;
  if (reply instanceof Map) return [...reply].flatMap(([key, value]) => [normalize(key), normalize(value)]);
  return String(reply);
}

/** valkey-glide returns a map reply (HGETALL) as `{ key, value }` entries; the store reads it flat. */
function isMapEntry(entry: unknown): entry is { key: unknown; value: unknown } {
  return typeof entry === 'object' && entry !== null && !(entry instanceof Uint8Array) && 'key' in entry && 'value' in entry;
}
