import { recordIdOf, type Values } from '../arguments.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { RecordSource } from '../record-source.js';
import { formatView, type RecordView, viewRecord } from '../record-view.js';

/** `inspect`: one record, by id or by the key material it was derived from. */
export async function inspect(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
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
