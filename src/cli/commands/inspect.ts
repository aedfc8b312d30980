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
    io.stderr(`No record "${id}": never claimed, already expired and deleted by TTL, or released after a failure.\n`);
    return ExitCode.notFound;
  }
  print(io, values, viewRecord(record, now, ttl));
  return ExitCode.ok;
}

function print(io: CliIo, values: Values, view: RecordView): void {
  io.stdout(values.json ? `${JSON.stringify(view)}\n` : `${formatView(view)}\n`);
}
