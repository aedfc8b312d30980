import type { parseArgs } from 'node:util';
import { type DynamoDBAttributeNames, defaultAttributeNames } from '../stores/record-schema.js';
import { deriveRecordId } from './derive-id.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { RecordSource } from './record-source.js';
import { RecordTable, type TableTarget } from './record-table.js';
import { ValkeyRecords } from './valkey-records.js';

/** The DynamoDBStore `attributes` each layout flag sets. */
const ATTRIBUTE_FLAGS = {
  'partition-key': 'partitionKey',
  'status-attribute': 'status',
  'expiration-attribute': 'expiration',
  'in-progress-expiration-attribute': 'inProgressExpiration',
  'lease-attribute': 'lease',
  'fingerprint-attribute': 'fingerprint',
  'result-attribute': 'result',
} as const satisfies Record<string, keyof DynamoDBAttributeNames>;

export const OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
  'partition-key': { type: 'string' },
  'status-attribute': { type: 'string' },
  'expiration-attribute': { type: 'string' },
  'in-progress-expiration-attribute': { type: 'string' },
  'lease-attribute': { type: 'string' },
  'fingerprint-attribute': { type: 'string' },
  'result-attribute': { type: 'string' },
  'sort-key': { type: 'string' },
  'partition-value': { type: 'string' },
  'redis-url': { type: 'string' },
  'key-prefix': { type: 'string' },
  id: { type: 'string' },
  key: { type: 'string' },
  'key-json': { type: 'string' },
  scope: { type: 'string' },
  function: { type: 'string' },
  ttl: { type: 'string' },
  stuck: { type: 'boolean' },
  'older-than': { type: 'string' },
  limit: { type: 'string' },
  'expect-lease': { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags as parsed. */
export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** `--name` or `-h` of a flag this command knows, with or without an `=value`. */
function isKnownFlag(arg: string): boolean {
  if (arg === '-h') return true;
  return arg.startsWith('--') && Object.hasOwn(OPTIONS, arg.slice(2).split('=')[0] ?? '');
}

/**
 * Joins `--flag value` into `--flag=value` when the value starts with "-": parseArgs would take it
 * for an option, and a lease (base64url) starts with "-" one time in 64, as may a key. A flag that takes
 * a value takes the next argument, as getopt does, unless that argument is itself one of our flags.
 */
export function attachDashedValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') return [...args, ...argv.slice(index)];
    const next = argv[index + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : '';
    const takesValue = Object.hasOwn(OPTIONS, name) && OPTIONS[name as keyof typeof OPTIONS].type === 'string';
    if (takesValue && next?.startsWith('-') && !isKnownFlag(next)) {
      args.push(`${arg}=${next}`);
      index++;
    } else args.push(arg);
  }
  return args;
}

/** A whole-number flag, or `fallback` when absent. */
export function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliError(`--${name} must be a whole number, got "${value}".`, ExitCode.usage);
  return parsed;
}

/** Which store the flags name, checked before anything connects. */
export function recordSourceOpener(values: Values, env: NodeJS.ProcessEnv): () => Promise<RecordSource> {
  const redisUrl = values['redis-url'] ?? (values.table === undefined ? env.IDEMPOTENCY_REDIS_URL || undefined : undefined);
  const layoutFlags = [...Object.keys(ATTRIBUTE_FLAGS), 'sort-key', 'partition-value'].filter(
    (flag) => values[flag as keyof Values] !== undefined,
  );
  if (redisUrl !== undefined) {
    if (values.table !== undefined || values.region !== undefined || layoutFlags.length > 0) {
      const given = [values.table !== undefined && 'table', values.region !== undefined && 'region', ...layoutFlags];
      throw new CliError(
        `--redis-url names a ValkeyStore; --${given.filter(Boolean).join(', --')} only apply to a DynamoDB table.`,
        ExitCode.usage,
      );
    }
    return () => ValkeyRecords.open(redisUrl, values['key-prefix'] ?? 'idempotency:');
  }
  if (values['key-prefix'] !== undefined) {
    throw new CliError('--key-prefix is the ValkeyStore key prefix: it needs --redis-url.', ExitCode.usage);
  }
  const table = values.table ?? env.IDEMPOTENCY_TABLE;
  if (!table) {
    throw new CliError('Which store? Pass --table <name> (or IDEMPOTENCY_TABLE), or --redis-url <url>.', ExitCode.usage);
  }
  if (values['partition-value'] !== undefined && values['sort-key'] === undefined) {
    throw new CliError('--partition-value goes with --sort-key (the attribute that holds the record id).', ExitCode.usage);
  }
  const names = { ...defaultAttributeNames };
  for (const [flag, name] of Object.entries(ATTRIBUTE_FLAGS)) {
    const value = values[flag as keyof typeof ATTRIBUTE_FLAGS];
    if (value === '') throw new CliError(`--${flag} needs an attribute name.`, ExitCode.usage);
    if (value !== undefined) names[name] = value;
  }
  const sortKey = values['sort-key'];
  const target: TableTarget = {
    table,
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: env.AWS_ENDPOINT_URL_DYNAMODB || undefined,
    names,
    ...(sortKey !== undefined && { sortKey: { attribute: sortKey, partitionValue: values['partition-value'] ?? 'idempotency' } }),
  };
  return async () => new RecordTable(target);
}

/** The record id `--id` gives, or the one derived from `--key`/`--key-json` and `--scope`/`--function`. */
export function recordIdOf(values: Values): string {
  if (values.id !== undefined) {
    if (values.key !== undefined || values['key-json'] !== undefined)
      throw new CliError('Give --id or the key material, not both.', ExitCode.usage);
    return values.id;
  }
  return deriveRecordId({ key: values.key, keyJson: values['key-json'], scope: values.scope, functionName: values.function });
}
