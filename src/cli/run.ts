import { parseArgs } from 'node:util';
import { explainAwsError } from './aws-errors.js';
import { deriveRecordId } from './derive-id.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { RecordTable } from './record-table.js';
import { formatView, type RecordView, viewRecord } from './record-view.js';

/** Where the CLI writes and what it reads from its environment, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

export const USAGE = `lambda-idempotency: inspect, list and evict idempotency records in DynamoDB.

Usage:
  lambda-idempotency inspect --table <name> (--id <record id> | --scope <scope> | --function <name>) [--key <s> | --key-json <json>] [--json]
  lambda-idempotency list    --table <name> [--stuck] [--older-than <seconds>] [--limit <n>] [--json]
  lambda-idempotency evict   --table <name> --id <record id> [--expect-lease <lease>] [--force]

Commands:
  inspect  Print one record: status, estimated age, window end, in-progress expiry, whether its
           lease is held or lapsed, result size and a preview. The id is given, or derived from the
           raw key material and the scope the way the library derives it (the key is hashed; the
           hash is what the table holds). For httpIdempotency, pass --key-json with the material
           {"key":"<Idempotency-Key>","scope":{"method":"POST","route":"/orders","caller":null}}.
  list     Records in progress past their expiry (--stuck, the default) or older than N seconds.
           This is a Scan: it reads every item of the table and is billed for all of it (about one
           read unit per 8 KB on an on-demand table). Progress goes to stderr.
  evict    Delete one record only if it is still the record you inspected: the delete is
           conditioned on its status and lease. A completed record, or a claim whose lease is still
           held, needs --force: deleting it lets the next duplicate run the handler again.

Options:
  --table <name>          The idempotency table (or IDEMPOTENCY_TABLE).
  --region <region>       Default AWS_REGION. AWS_ENDPOINT_URL_DYNAMODB points at a local endpoint.
  --ttl <seconds>         The ttlSeconds the code uses, to estimate ages. Default 3600.
  --json                  Machine-readable output.
  -h, --help              This text.

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 no such record, 4 evict refused, 5 AWS setup
(missing table, region or credentials).

Local caches: evicting a record does not clear what other containers keep with localCache on;
they replay it until their cache entry expires or the container is recycled.
`;

const OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
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
  let table: RecordTable | undefined;
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
    const tableName = values.table ?? io.env.IDEMPOTENCY_TABLE;
    if (!tableName) throw new CliError('Which table? Pass --table <name> or set IDEMPOTENCY_TABLE.', ExitCode.usage);
    const now = io.now ?? Date.now;
    const ttl = count('ttl', values.ttl, 3600);
    const commands: Record<string, () => Promise<ExitCodeValue>> = {
      inspect: () => inspect(table as RecordTable, values as Values, io, now(), ttl),
      list: () => list(table as RecordTable, values as Values, io, now(), ttl),
      evict: () => evict(table as RecordTable, values as Values, io, now(), ttl),
    };
    const run = commands[command];
    if (run === undefined) throw new CliError(`Unknown command "${command}": use inspect, list or evict.`, ExitCode.usage);
    const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    table = new RecordTable({ table: tableName, region, endpoint: io.env.AWS_ENDPOINT_URL_DYNAMODB || undefined });
    return await run();
  } catch (error) {
    const explained =
      error instanceof CliError
        ? error
        : explainAwsError(error, values?.table ?? io.env.IDEMPOTENCY_TABLE ?? '', values?.region ?? io.env.AWS_REGION);
    io.stderr(`error: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    table?.destroy();
  }
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

async function inspect(table: RecordTable, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  const id = recordIdOf(values);
  const record = await table.get(id);
  if (record === undefined) {
    io.stderr(`No record "${id}": never claimed, already expired and deleted by TTL, or released after a failure.\n`);
    return ExitCode.notFound;
  }
  print(io, values, viewRecord(record, now, ttl));
  return ExitCode.ok;
}

async function list(table: RecordTable, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  const olderThan = values['older-than'] === undefined ? undefined : count('older-than', values['older-than'], 0);
  const limit = count('limit', values.limit, Number.POSITIVE_INFINITY);
  const stuck = values.stuck || olderThan === undefined;
  // A record written `olderThan` seconds ago has a window ending at write time + ttl.
  const filter = {
    ...(stuck && { stuckAt: now }),
    ...(olderThan !== undefined && { expiringBefore: Math.floor(now / 1000) + ttl - olderThan }),
  };
  io.stderr('Scanning the whole table: every item is read and billed, whatever matches.\n');
  const views: RecordView[] = [];
  let scanned = 0;
  let readUnits = 0;
  let pages = 0;
  for await (const page of table.scan(filter)) {
    pages++;
    scanned += page.scanned;
    readUnits += page.readUnits;
    for (const record of page.records) if (views.length < limit) views.push(viewRecord(record, now, ttl));
    io.stderr(`page ${pages}: ${scanned} items read, ${views.length} matched, ${readUnits.toFixed(1)} read units\n`);
    if (views.length >= limit) break;
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

async function evict(table: RecordTable, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
  if (values.id === undefined) throw new CliError('evict needs --id <record id> (inspect prints it).', ExitCode.usage);
  const record = await table.get(values.id);
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
  if (!(await table.deleteIf(record.id, record.status, record.lease))) {
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
