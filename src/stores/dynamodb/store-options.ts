import { IdempotencyConfigError } from '../../errors.js';
import type { DynamoDBAttributeNames } from '../record-schema.js';
import { createHttpTransport } from './http-transport.js';
import { createSdkTransport, type DynamoDBClientLike, type DynamoDBCommands } from './sdk-transport.js';
import type { DynamoDBTransport } from './transport.js';
import type { DynamoDBTransportOptions } from './transport-options.js';

/**
 * Options of {@link DynamoDBStore}: only `tableName` is required. The transport options (endpoint,
 * Region, credentials, attempts, timeouts) configure the store's own transport, used without `client`.
 */
export interface DynamoDBStoreOptions extends DynamoDBTransportOptions {
  /** The idempotency table. */
  readonly tableName: string;
  /**
   * An AWS SDK v3 `DynamoDBClient` to send through instead of the store's own lean transport: for
   * X-Ray or OpenTelemetry tracing of these requests, or middleware of your own. It costs the SDK's
   * cold start and CPU per request (docs/usage.md). The options below are then not used: the
   * client's own configuration applies.
   */
  readonly client?: DynamoDBClientLike;
  /**
   * With `client` in a handler bundled with the AWS SDK inside: the SDK's command classes, from
   * the same import as the client (`{ GetItemCommand, PutItemCommand, UpdateItemCommand,
   * DeleteItemCommand }`). Without it the store imports `@aws-sdk/client-dynamodb` at its first
   * request, which in such a bundle loads a second copy of the SDK.
   */
  readonly commands?: DynamoDBCommands;
  /** Rename attributes to fit an existing table. */
  readonly attributes?: Partial<DynamoDBAttributeNames>;
  /**
   * For single-table designs: the record id goes in this sort key and the partition key holds
   * `partitionValue` (default `idempotency`).
   */
  readonly sortKey?: {
    /** The table's sort key attribute, which holds the record id. */
    readonly attribute: string;
    /** The partition key value every record shares. Default `idempotency`. */
    readonly partitionValue?: string;
  };
}

/** The caller's SDK client when one is given, else the lean transport; transport options beside a client are refused. */
export function transportFor(options: DynamoDBStoreOptions): DynamoDBTransport {
  const legacy = (options as { clientConfig?: unknown }).clientConfig;
  if (legacy !== undefined) {
    throw new IdempotencyConfigError(
      'DynamoDBStore option "clientConfig" is gone: the store no longer builds an AWS SDK client. Pass `region`, `endpoint`, `credentials` or `maxAttempts` directly, or a `client` of your own.',
    );
  }
  if (options.client === undefined) {
    if (options.commands !== undefined) throw new IdempotencyConfigError('DynamoDBStore option "commands" goes with "client".');
    return createHttpTransport(options);
  }
  if (typeof options.client?.send !== 'function') {
    throw new IdempotencyConfigError(
      'DynamoDBStore option "client" must be an AWS SDK v3 DynamoDBClient (an object with `send`).',
    );
  }
  const ignored = LEAN_OPTIONS.filter((name) => options[name] !== undefined);
  if (ignored.length > 0) {
    throw new IdempotencyConfigError(
      `DynamoDBStore options ${ignored.map((name) => `"${name}"`).join(', ')} configure the store's own transport and have no effect beside "client": configure the client instead.`,
    );
  }
  const { commands } = options;
  if (commands !== undefined) {
    const missing = COMMANDS.filter((name) => typeof commands?.[name] !== 'function');
    if (missing.length > 0) {
      throw new IdempotencyConfigError(
        `DynamoDBStore option "commands" lacks ${missing.join(', ')} (from @aws-sdk/client-dynamodb).`,
      );
    }
  }
  return createSdkTransport(options.client, commands);
}

const COMMANDS = ['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'] as const;

const LEAN_OPTIONS = [
  'endpoint',
  'region',
  'credentials',
  'maxAttempts',
  'connectTimeoutMs',
  'requestTimeoutMs',
  'retryBaseDelayMs',
] as const satisfies readonly (keyof DynamoDBTransportOptions)[];
