import { parseArgs } from 'node:util';
import { type DynamoDBAttributeNames, defaultAttributeNames } from '../stores/dynamodb-item.js';
import { explainAwsError } from './aws-errors.js';
import { deriveRecordId } from './derive-id.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { RecordSource, UnreadableItem } from './record-source.js';
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
           hash is what the store holds). The material is what the key selector returns (for
           key: 'orderId', the order id, not the event): --key <s> when it is a string (the same
           id as --key-json '"<s>"'), --key-json <json> otherwise (--key-json 123 for a number).
           For httpIdempotency, pass --key-json with the material
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
  A value may start with "-" (a lease such as -Xb3...): --expect-lease -Xb3... or --expect-lease=-Xb3...
  --json                  Machine-readable output.
  -h, --help              This text.

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 no such record, 4 evict refused, 5 store setup
(missing table, region or credentials; Redis unreachable, refused credentials, or no "redis" package),
6 list read items but none is a record in the layout given (check the layout flags or --key-prefix).

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
function attachDashedValues(argv: readonly string[]): string[] {
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
        return parseArgs({ args: attachDashedValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
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

/**
 * For a key that found nothing, the likely mix-up between the two key flags: the id hashes the
 * value the key selector returns, and `--key s` is that value when it is the string s (the same id
 * as `--key-json '"s"'`).
 */
function keyHint(values: Values): string {
  const { key } = values;
  const json = values['key-json'];
  if (key !== undefined && /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false)$/.test(key)) {
    return `--key takes the key as a string; if the key selector returns the ${/^[tf]/.test(key) ? 'boolean' : 'number'} ${key}, pass --key-json ${key}.\n`;
  }
  if (json !== undefined && /^\s*[[{]/.test(json)) {
    return "--key-json is the value the key selector returns, not the event: with key: 'orderId' that is the order id alone (--key <id> for a string id, --key-json <n> for a number); for httpIdempotency, the header with its scope (see --help).\n";
  }
  return '';
}

function print(io: CliIo, values: Values, view: RecordView): void {
  io.stdout(values.json ? `${JSON.stringify(view)}\n` : `${formatView(view)}\n`);
}

async function inspect(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  const id = recordIdOf(values);
  const record = await source.get(id);
  if (record === undefined) {
    io.stderr(
      `No record "${id}": never claimed, already expired and deleted by TTL, or released after a failure.\n${keyHint(values)}`,
    );
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
  let unreadable = 0;
  const unreadableSample: UnreadableItem[] = [];
  for await (const page of source.list(filter)) {
    pages++;
    scanned += page.scanned;
    if (page.readUnits !== undefined) readUnits = (readUnits ?? 0) + page.readUnits;
    unreadable += page.unreadable.length;
    unreadableSample.push(...page.unreadable.slice(0, Math.max(0, 5 - unreadableSample.length)));
    for (const record of page.records) if (views.length < limit) views.push(viewRecord(record, now, ttl));
    const cost = readUnits === undefined ? '' : `, ${readUnits.toFixed(1)} read units`;
    io.stderr(`page ${pages}: ${scanned} items read, ${views.length} matched${cost}\n`);
    if (views.length >= limit) break;
  }
  // Every item read lacks the layout: an empty list would read as "nothing stuck" during an incident.
  if (scanned > 0 && unreadable === scanned) throw noRecordLayout(source, scanned, unreadableSample[0]);
  if (unreadable > 0) {
    io.stderr(
      `${unreadable} item(s) in the layout are not records this library wrote (check the layout flags): ${unreadableSample.map((item) => item.id).join(', ')}\n`,
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

function noRecordLayout(source: RecordSource, scanned: number, sample: UnreadableItem | undefined): CliError {
  const items = scanned === 1 ? 'The one item read is not' : `None of the ${scanned} items read is`;
  const found =
    sample?.attributes === undefined
      ? `one of them: "${sample?.id}"`
      : `one of them (${sample.id}) has the attributes ${sample.attributes.join(', ')}`;
  return new CliError(
    `${items} a record in the layout given, so the listing cannot say whether anything is stuck. Expected ${source.layout}; ${found}. Pass the attribute names (or key prefix) the code gives the store: see --help.`,
    ExitCode.noRecordLayout,
  );
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
