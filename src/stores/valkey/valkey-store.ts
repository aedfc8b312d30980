import type { IdempotencyRecord } from '../../engine/record.js';
import { epochSeconds, isLapsed } from '../../engine/record.js';
import type {
  ClaimRequest,
  ClaimResult,
  CompleteRequest,
  CompressionPreference,
  IdempotencyStore,
  ReleaseRequest,
} from '../../engine/store.js';
import { IdempotencyConfigError, StoreError } from '../../errors.js';
import { isUnavailability } from './availability.js';
import { toConnection, type ValkeyArgument, type ValkeyClient, type ValkeyConnection, type ValkeyReply } from './connection.js';
import { claimValue, headerField, resultArguments, valueToRecord } from './record-value.js';
import { CLAIM, COMPLETE, RELEASE, type Script } from './scripts.js';

/** One result per record; far below Redis's 512 MB per value, well above Lambda's 6 MB response. */
const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;
/**
 * Up to 1 KB a result is stored as it is, and larger ones compressed at brotli's fastest quality.
 * Against a local server (bench/valkey.ts) compressing 1 KB took about a fifth of a first call,
 * and quality 5 on 20 KB (the size-favouring default, made for DynamoDB's write units) took more
 * than the whole call does without it; quality 1 still stores 20 KB of JSON in about a quarter.
 * A record that small gains little: ElastiCache Serverless bills data per started KB transferred.
 */
const COMPRESSION: CompressionPreference = { aboveBytes: 1024, favour: 'speed' };
/**
 * The key outlives the end of its window by this much. The scripts decide lapses from the
 * caller's clock; native expiry runs on the server's, and a server clock ahead of the caller's
 * must not delete a record the caller still considers live.
 */
const EXPIRY_GRACE_MS = 60_000;

/** Options of {@link ValkeyStore}: the client it sends through, and where and how big records are. */
export interface ValkeyStoreOptions {
  /**
   * A connected client you already hold: `@valkey/valkey-glide` (`GlideClient`,
   * `GlideClusterClient`), `ioredis` or `iovalkey` (`Redis`, `Cluster`), `redis` (node-redis v5,
   * `createClient()`), or your own {@link ValkeyConnection}. The store never connects or closes it.
   */
  readonly client: ValkeyClient;
  /** Prepended to each record id to form its key. Default `idempotency:`. */
  readonly keyPrefix?: string;
  /** The largest stored (compressed) result, in bytes. Default 1 MiB. */
  readonly maxResultBytes?: number;
}

/**
 * Keeps idempotency records in Valkey or Redis OSS (ElastiCache, ElastiCache Serverless,
 * MemoryDB), one string value per record. A claim is one `SET NX GET` (a lapsed record goes on
 * to the claim script); complete and release are each one server-side script with the DynamoDB
 * store's conditions, so a first call costs two round trips and a duplicate one. A record is one
 * key, so it never spans hash slots in cluster mode; native expiry removes it after its window.
 */
export class ValkeyStore implements IdempotencyStore {
  /** The largest stored (compressed) result, in bytes; a larger one completes the record with an error marker. */
  readonly maxResultBytes: number;
  /** Results above 1 KB are compressed, favouring speed (the engine's `compressAboveBytes` option wins). */
  readonly compression = COMPRESSION;
  /** Prepended to each record id to form its key (`idempotency:` unless configured). */
  readonly keyPrefix: string;
  readonly #connection: ValkeyConnection;
  /** False once the server refused `SET NX GET` (before Redis 7.0). */
  #plainClaim = true;

  constructor(options: ValkeyStoreOptions) {
    const connection = options?.client === undefined ? undefined : toConnection(options.client);
    if (connection === undefined) {
      throw new IdempotencyConfigError(
        'ValkeyStore option "client" must be a connected client of @valkey/valkey-glide, ioredis, iovalkey or redis (node-redis), or an object with a send(args, key) method.',
      );
    }
    const keyPrefix = options.keyPrefix ?? 'idempotency:';
    if (typeof keyPrefix !== 'string') throw new IdempotencyConfigError('ValkeyStore option "keyPrefix" must be a string.');
    const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    if (!Number.isSafeInteger(maxResultBytes) || maxResultBytes <= 0) {
      throw new IdempotencyConfigError('ValkeyStore option "maxResultBytes" must be a positive integer.');
    }
    this.#connection = connection;
    this.keyPrefix = keyPrefix;
    this.maxResultBytes = maxResultBytes;
  }

  /** The key a record id is kept under. */
  keyOf(id: string): string {
    return `${this.keyPrefix}${id}`;
  }

  /**
   * A claim of an absent key, the common case, is one plain `SET NX GET`: no script runs. When the
   * key holds a live record, that same reply is the record, so a duplicate still costs one round
   * trip. Only a record that may have lapsed (or is not ours to read) goes on to the claim script,
   * which decides atomically on the server. Servers older than Redis 7.0 refuse `NX` with `GET`;
   * the store then uses the script alone.
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const value = claimValue(request);
    const expireAt = String(expireAtMs(request.expiresAt));
    if (this.#plainClaim) {
      const key = this.keyOf(request.id);
      const reply = await this.#trySetIfAbsent(request.id, key, value, expireAt);
      if (reply === null) return { claimed: true };
      const existing = reply === undefined ? undefined : liveRecord(reply, request);
      if (existing !== undefined) return { claimed: false, existing };
    }
    const args = [value, String(epochSeconds(request.now)), String(request.now), expireAt];
    const reply = await this.#run(CLAIM, request.id, args);
    if (reply === 1) return { claimed: true };
    return { claimed: false, existing: valueToRecord(reply, request.id) };
  }

  /** The old value, null when the key was absent and is now ours, undefined when the server lacks `SET NX GET`. */
  async #trySetIfAbsent(id: string, key: string, value: string, expireAt: string): Promise<ValkeyReply | undefined> {
    this.#assertConnected('claim', id);
    try {
      return await this.#connection.send(['SET', key, value, 'NX', 'GET', 'PXAT', expireAt], key);
    } catch (error) {
      // A syntax error means the command was refused whole: nothing was written.
      if (!isSyntaxError(error)) throw this.#storeError('claim', id, error);
      this.#plainClaim = false;
      return undefined;
    }
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    const key = this.keyOf(id);
    return valueToRecord(await this.#send('get', id, ['GET', key], key), id);
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    const args = [
      headerField(request.lease),
      String(request.expiresAt),
      String(expireAtMs(request.expiresAt)),
      ...resultArguments(request.result),
    ];
    return (await this.#run(COMPLETE, request.id, args)) === 1;
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    return (await this.#run(RELEASE, request.id, [request.lease])) === 1;
  }

  /**
   * EVALSHA, and on NOSCRIPT (the cache flushed by SCRIPT FLUSH, a restart or a failover) one EVAL
   * with the source, which also caches it again. A NOSCRIPT reply means the script did not run,
   * so sending it again cannot apply it twice.
   */
  async #run(script: Script, id: string, args: readonly ValkeyArgument[]): Promise<ValkeyReply> {
    const key = this.keyOf(id);
    this.#assertConnected(script.name, id);
    try {
      return await this.#connection.send(['EVALSHA', script.sha, '1', key, ...args], key);
    } catch (error) {
      if (!isNoScript(error)) throw this.#storeError(script.name, id, error);
    }
    return this.#send(script.name, id, ['EVAL', script.source, '1', key, ...args], key);
  }

  async #send(operation: string, id: string, args: readonly ValkeyArgument[], key: string): Promise<ValkeyReply> {
    this.#assertConnected(operation, id);
    try {
      return await this.#connection.send(args, key);
    } catch (error) {
      throw this.#storeError(operation, id, error);
    }
  }

  /** Fails fast, without a request, on a client known to be closed or reconnecting: an outage, as the engine sees it. */
  #assertConnected(operation: string, id: string): void {
    if (this.#connection.isConnected?.() !== false) return;
    throw new StoreError(
      `Valkey ${operation} of idempotency record "${id}" failed: the client is not connected (connect it before the first invocation).`,
      operation,
      { unavailable: true, recordId: id },
    );
  }

  #storeError(operation: string, id: string, cause: unknown): StoreError {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const message = `Valkey ${operation} of idempotency record "${id}" failed: ${explain(detail, this.keyOf(id))} (${detail})`;
    // An outage, as opposed to a refusal: the engine may fail open on it, and its circuit counts it.
    return new StoreError(message, operation, { cause, recordId: id, unavailable: isUnavailability(detail, cause) });
  }
}

/** The key's native expiry: the first millisecond at which `hasExpired` holds, plus the grace. */
function expireAtMs(expiresAt: number): number {
  return (expiresAt + 1) * 1000 + EXPIRY_GRACE_MS;
}

/**
 * The record a `SET NX GET` found, when it plainly stands in the way: well formed and live at the
 * claim's `now` by the same rule as the claim script. Anything else is for the script to decide.
 */
function liveRecord(reply: ValkeyReply, request: ClaimRequest): IdempotencyRecord | undefined {
  let record: IdempotencyRecord | undefined;
  try {
    record = valueToRecord(reply, request.id);
  } catch {
    return undefined;
  }
  return record === undefined || isLapsed(record, request.now) ? undefined : record;
}

function isSyntaxError(error: unknown): boolean {
  return error instanceof Error && /syntax error/i.test(error.message);
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && /NOSCRIPT|NoScriptError|No matching script/i.test(error.message);
}

/** What a failure means for the caller, for the failures a Valkey store meets in practice. */
function explain(detail: string, key: string): string {
  if (/WRONGTYPE/.test(detail)) {
    return `key "${key}" holds a value that is not an idempotency record (another application's data?); it was left untouched, choose another keyPrefix`;
  }
  if (/READONLY/.test(detail)) return 'the server is a read-only replica; point the client at the primary (writer) endpoint';
  if (/client is closed|client is offline|connection is closed|ClosingError|not connected|ECONNREFUSED/i.test(detail)) {
    return 'the client is not connected';
  }
  if (/timeout|timed out/i.test(detail)) {
    return 'the command timed out (it may still have been applied; the engine treats it as not applied and never runs the handler twice for it)';
  }
  if (/NOSCRIPT|NoScriptError/i.test(detail)) return 'the script cache was flushed again while reloading it';
  if (/\b(BUSY|LOADING)\b/.test(detail))
    return 'the server is busy (a long-running script, or loading its data) and answers nothing else for now';
  return 'the server or the connection failed';
}
