import { parseArgs } from 'node:util';
import { type DynamoDBAttributeNames, defaultAttributeNames } from '../stores/record-schema.js';
import { explainAwsError } from './aws-errors.js';
import { deriveRecordId } from './derive-id.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { RecordSource } from './record-source.js';
import { RecordTable, type TableTarget } from './record-table.js';
import { formatView, type RecordView, viewRecord } from './record-view.js';
import { ValkeyRecords } from './valkey-records.js';

/** Where the CLI writes and what it reads from its environment, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

export const USAGE = `lambda-idempotency: inspect, list and evict idempotency records in DynamoDB or Valkey/Redis.

Usage:
  lambda-idempotency inspect <store> (--id <record id> | --scope <scope> | --function <name>) [--key <s> | --key-json <json>] [--json]
  lambda-idempotency list    <store> [--stuck] [--older-than <seconds>] [--limit <n>] [--json]
  lambda-idempotency evict   <store> --id <record id> [--expect-lease <lease>] [--force]

  <store> is --table <name> [layout flags] for DynamoDBStore, or --redis-url <url> [--key-prefix <p>]
  for ValkeyStore.

Commands:
  inspect  Print one record: status, estimated age, window end, in-progress expiry, whether its
           lease is held or lapsed, result size and a preview. The id is given, or derived from the
           raw key material and the scope the way the library derives it (the key is hashed; the
           hash is what the store holds). For httpIdempotency, pass --key-json with the material
           {"key":"<Idempotency-Key>","scope":{"method":"POST","route":"/orders","caller":null}}.
  list     Records in progress past their expiry (--stuck, the default) or older than N seconds.
           DynamoDB: a Scan, which reads every item of the table and is billed for all of it (about
           one read unit per 8 KB on an on-demand table); with --sort-key, a Query of the
           idempotency partition. Valkey: SCAN over every key of the database, one GET per
           record. Progress goes to stderr.
  evict    Delete one record only if it is still the record you inspected: the delete is
           conditioned on its status and lease (a conditional DeleteItem, or one Lua script). A
           completed record, or a claim whose lease is still held, needs --force: deleting it lets
           the next duplicate run the handler again.

DynamoDB (DynamoDBStore):
  --table <name>          The idempotency table (or IDEMPOTENCY_TABLE).
  --region <region>       Default AWS_REGION. AWS_ENDPOINT_URL_DYNAMODB points at a local endpoint.
  Layout flags, the same as DynamoDBStore's "attributes" and "sortKey" options (defaults in brackets):
  --partition-key <a>     [id]   --status-attribute <a> [status]   --expiration-attribute <a> [expiration]
  --in-progress-expiration-attribute <a> [in_progress_expiration]  --lease-attribute <a> [lease]
  --fingerprint-attribute <a> [fingerprint]   --result-attribute <a> [result]
  --sort-key <a>          The record id is in this sort key (single-table designs) ...
  --partition-value <v>   ... under this partition key value [idempotency].

Valkey / Redis OSS (ValkeyStore):
  --redis-url <url>       redis://[user:password@]host:port[/db], rediss:// for TLS (or IDEMPOTENCY_REDIS_URL).
                          Needs the "redis" package (node-redis v5). One standalone server or
                          replication group endpoint; cluster mode is not supported.
  --key-prefix <prefix>   ValkeyStore's keyPrefix [idempotency:].

Options:
  --ttl <seconds>         The ttlSeconds the code uses, to estimate ages. Default 3600.
  --json                  Machine-readable output.
  -h, --help              This text.

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 no such record, 4 evict refused, 5 store setup
(missing table, region or credentials; Redis unreachable, refused credentials, or no "redis" package).

Local caches: evicting a record does not clear what other containers keep with localCache on;
they replay it until their cache entry expires or the container is recycled.
`;

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

const OPTIONS = {
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

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new CliError(`--${name} must be a whole number, got "${value}".`, ExitCode.usage);
  return parsed;
}

/** Runs one command and resolves its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let source: RecordSource | undefined;
  let values: Values | undefined;
  try {
    const parsed = (() => {
      try {
        return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
      } catch (error) {
        throw new CliError(`${(error as Error).message}\nRun with --help for the usage.`, ExitCode.usage);
      }
    })();
    values = parsed.values;
    const [command, ...extra] = parsed.positionals;
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return ExitCode.ok;
    }
    if (command === undefined) throw new CliError(`No command given.\n\n${USAGE}`, ExitCode.usage);
    if (extra.length > 0) throw new CliError(`Unexpected arguments: ${extra.join(' ')}`, ExitCode.usage);
    const open = sourceOf(values, io.env);
    const now = io.now ?? Date.now;
    const ttl = count('ttl', values.ttl, 3600);
    const commands: Record<string, (source: RecordSource) => Promise<ExitCodeValue>> = {
      inspect: (opened) => inspect(opened, values as Values, io, now(), ttl),
      list: (opened) => list(opened, values as Values, io, now(), ttl),
      evict: (opened) => evict(opened, values as Values, io, now(), ttl),
    };
    const run = commands[command];
    if (run === undefined) throw new CliError(`Unknown command "${command}": use inspect, list or evict.`, ExitCode.usage);
    source = await open();
    return await run(source);
  } catch (error) {
    const explained =
      error instanceof CliError
        ? error
        : explainAwsError(error, values?.table ?? io.env.IDEMPOTENCY_TABLE ?? '', values?.region ?? io.env.AWS_REGION);
    io.stderr(`error: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    await source?.close();
  }
}

/** Which store the flags name, checked before anything connects. */
function sourceOf(values: Values, env: NodeJS.ProcessEnv): () => Promise<RecordSource> {
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

function recordIdOf(values: Values): string {
  if (values.id !== undefined) {
    if (values.key !== undefined || values['key-json'] !== undefined)
      throw new CliError('Give --id or the key material, not both.', ExitCode.usage);
    return values.id;
  }
  return deriveRecordId({ key: values.key, keyJson: values['key-json'], scope: values.scope, functionName: values.function });
}

function print(io: CliIo, values: Values, view: RecordView): void {
  io.stdout(values.json ? `${JSON.stringify(view)}\n` : `${formatView(view)}\n`);
}

async function inspect(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  const id = recordIdOf(values);
  const record = await source.get(id);
  if (record === undefined) {
    io.stderr(`No record "${id}": never claimed, already expired and deleted by TTL, or released after a failure.\n`);
    return ExitCode.notFound;
  }
  print(io, values, viewRecord(record, now, ttl));
  return ExitCode.ok;
}

async function list(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  const olderThan = values['older-than'] === undefined ? undefined : count('older-than', values['older-than'], 0);
  const limit = count('limit', values.limit, Number.POSITIVE_INFINITY);
  const stuck = values.stuck || olderThan === undefined;
  // A record written `olderThan` seconds ago has a window ending at write time + ttl.
  const filter = {
    ...(stuck && { stuckAt: now }),
    ...(olderThan !== undefined && { expiringBefore: Math.floor(now / 1000) + ttl - olderThan }),
  };
  io.stderr(source.listingCost);
  const views: RecordView[] = [];
  let scanned = 0;
  let readUnits: number | undefined;
  let pages = 0;
  const unreadable: string[] = [];
  for await (const page of source.list(filter)) {
    pages++;
    scanned += page.scanned;
    if (page.readUnits !== undefined) readUnits = (readUnits ?? 0) + page.readUnits;
    unreadable.push(...page.unreadable);
    for (const record of page.records) if (views.length < limit) views.push(viewRecord(record, now, ttl));
    const cost = readUnits === undefined ? '' : `, ${readUnits.toFixed(1)} read units`;
    io.stderr(`page ${pages}: ${scanned} items read, ${views.length} matched${cost}\n`);
    if (views.length >= limit) break;
  }
  if (unreadable.length > 0) {
    io.stderr(
      `${unreadable.length} item(s) in the layout are not records this library wrote (check the layout flags): ${unreadable.slice(0, 5).join(', ')}\n`,
    );
  }
  if (values.json) io.stdout(`${JSON.stringify(views)}\n`);
  else {
    io.stdout(`${['status', 'lease', 'age (est.)', 'in-progress expiry', 'id'].join('\t')}\n`);
    for (const view of views) {
      io.stdout(
        `${[view.status, view.lease, `${view.estimatedAgeSeconds}s`, view.inProgressExpiry ?? '-', view.id].join('\t')}\n`,
      );
    }
  }
  return ExitCode.ok;
}

async function evict(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  if (values.id === undefined) throw new CliError('evict needs --id <record id> (inspect prints it).', ExitCode.usage);
  const record = await source.get(values.id);
  if (record === undefined) {
    io.stderr(`No record "${values.id}": nothing to evict.\n`);
    return ExitCode.notFound;
  }
  const view = viewRecord(record, now, ttl);
  const expected = values['expect-lease'];
  if (expected !== undefined && expected !== record.lease) {
    io.stderr(
      `Refused: the record's lease is now ${record.lease ?? '(none)'}, not ${expected}: it changed since you inspected it. Inspect it again.\n`,
    );
    return ExitCode.refused;
  }
  if ((record.status === 'COMPLETED' || view.lease === 'held') && !values.force) {
    const what = record.status === 'COMPLETED' ? 'is COMPLETED' : 'is in progress with its lease still held';
    io.stderr(
      `Refused: the record ${what}; deleting it lets the next duplicate run the handler again. Add --force if that is what you want.\n`,
    );
    return ExitCode.refused;
  }
  if (!(await source.deleteIf(record.id, record.status, record.lease))) {
    io.stderr(
      'Refused: the record changed between the read and the delete (another invocation claimed or completed it). Inspect it again.\n',
    );
    return ExitCode.refused;
  }
  io.stdout(
    values.json ? `${JSON.stringify({ evicted: view })}\n` : `Evicted ${record.id} (${record.status}, lease ${view.lease}).\n`,
  );
  io.stderr('Containers with localCache on may keep replaying it until their cache entry expires or they are recycled.\n');
  return ExitCode.ok;
}
