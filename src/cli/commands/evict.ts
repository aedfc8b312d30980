import type { Values } from '../arguments.js';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { RecordSource } from '../record-source.js';
import { viewRecord } from '../record-view.js';

/** `evict`: deletes one record, only while it is still the record that was inspected. */
export async function evict(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
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
