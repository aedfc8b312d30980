import { count, type Values } from '../arguments.js';
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { RecordSource, UnreadableItem } from '../record-source.js';
import { type RecordView, viewRecord } from '../record-view.js';

/** `list`: the records stuck in progress, or older than `--older-than` seconds. */
export async function list(source: RecordSource, values: Values, io: CliIo, now: number, ttl: number): Promise<ExitCodeValue> {
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
