import type { IdempotencyRecord, StoredResult } from '../engine/record.js';
import { createResultCodec } from '../engine/result-codec.js';
import { jsonSerializer } from '../engine/serializer.js';

/** A record as an operator reads it: what state it is in and what it would replay. */
export interface RecordView {
  readonly id: string;
  readonly status: IdempotencyRecord['status'];
  /** Seconds since it was claimed or completed, estimated from the TTL it was written with. */
  readonly estimatedAgeSeconds: number;
  /** ISO time the idempotency window ends (the TTL attribute). */
  readonly windowEnd: string;
  /** ISO time an INPROGRESS claim may be taken over. */
  readonly inProgressExpiry?: string;
  /** For INPROGRESS: `held` while its in-progress expiry is ahead, `lapsed` after. */
  readonly lease: 'held' | 'lapsed' | 'none';
  /** The fencing token, which `evict --expect-lease` checks. */
  readonly leaseToken?: string;
  readonly resultKind?: StoredResult['kind'];
  /** Bytes as stored (compressed results count compressed). */
  readonly resultBytes?: number;
  /** The first characters of the stored text (decompressed), or the error marker. */
  readonly resultPreview?: string;
}

const PREVIEW_CHARACTERS = 200;
// The codec only needs to expand; the compression threshold and size limit are never used here.
const codec = createResultCodec({
  serializer: jsonSerializer,
  compressAboveBytes: Number.MAX_SAFE_INTEGER,
  maxResultBytes: Number.MAX_SAFE_INTEGER,
});

function preview(result: StoredResult): string {
  switch (result.kind) {
    case 'undefined':
      return '(undefined)';
    case 'error':
      return `(error marker) ${result.name}: ${result.message}`;
    default: {
      const expanded = codec.expand(result);
      const text = expanded.kind === 'text' ? expanded.text : '';
      return text.length > PREVIEW_CHARACTERS ? `${text.slice(0, PREVIEW_CHARACTERS)}…` : text;
    }
  }
}

function sizeOf(result: StoredResult): number {
  if (result.kind === 'text') return Buffer.byteLength(result.text);
  if (result.kind === 'compressed') return result.bytes.byteLength;
  if (result.kind === 'error') return Buffer.byteLength(result.name) + Buffer.byteLength(result.message);
  return 0;
}

export function viewRecord(record: IdempotencyRecord, nowMs: number, ttlSeconds: number): RecordView {
  const lease: RecordView['lease'] =
    record.status !== 'INPROGRESS'
      ? 'none'
      : record.inProgressUntil !== undefined && record.inProgressUntil >= nowMs
        ? 'held'
        : 'lapsed';
  return {
    id: record.id,
    status: record.status,
    estimatedAgeSeconds: Math.max(0, Math.round(ttlSeconds - (record.expiresAt - nowMs / 1000))),
    windowEnd: new Date(record.expiresAt * 1000).toISOString(),
    ...(record.inProgressUntil !== undefined && { inProgressExpiry: new Date(record.inProgressUntil).toISOString() }),
    lease,
    ...(record.lease !== undefined && { leaseToken: record.lease }),
    ...(record.result !== undefined && {
      resultKind: record.result.kind,
      resultBytes: sizeOf(record.result),
      resultPreview: preview(record.result),
    }),
  };
}

/** `name: value` lines, aligned, for a terminal. */
export function formatView(view: RecordView): string {
  const rows: Array<[string, string | number | undefined]> = [
    ['id', view.id],
    ['status', view.status],
    ['age (est.)', `${view.estimatedAgeSeconds} s`],
    ['window end', view.windowEnd],
    ['in-progress expiry', view.inProgressExpiry],
    ['lease', view.leaseToken === undefined ? view.lease : `${view.lease} (${view.leaseToken})`],
    ['result', view.resultKind === undefined ? undefined : `${view.resultKind}, ${view.resultBytes} bytes`],
    ['preview', view.resultPreview],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name.padEnd(width)}  ${value}`)
    .join('\n');
}
