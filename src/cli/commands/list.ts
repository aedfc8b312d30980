import { count, type Values } from '../arguments.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { RecordSource } from '../record-source.js';
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
