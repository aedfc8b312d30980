import type { IdempotencyRecord, StoredResult } from '../../engine/record.js';
import { CorruptRecordError } from '../../errors.js';
import { defaultAttributeNames, type Item, itemToRecord } from '../record-schema.js';
import type { ValkeyArgument, ValkeyReply } from './connection.js';

/**
 * A record is one string value: a header line that names the layout, one line per field, then
 * the result payload as raw bytes. One string instead of a hash because Redis keeps a hash
 * with any value over 64 bytes (every stored result) as a hashtable, whose per-field overhead
 * made a 1 KB record larger than the result itself; a string costs only its bytes.
 *
 * `idem1\n<status>\n<expiration s>\n<in_progress_expiration ms>\n<lease>\n<fingerprint>\n<result_type>\n<payload>`
 *
 * An absent field is an empty line. The scripts in scripts.ts read the same layout.
 */
export const RECORD_MAGIC = 'idem1';
const NEWLINE = 10;
const HEADER_LINES = 7;

/** How a result is kept: its kind in the `result_type` line, its payload after the header. */
export type ResultType = StoredResult['kind'];

/** The INPROGRESS record a claim writes. */
export function claimValue(fields: {
  readonly lease: string;
  readonly expiresAt: number;
  readonly inProgressUntil: number;
  readonly fingerprint?: string | undefined;
}): string {
  const lines = [
    RECORD_MAGIC,
    'INPROGRESS',
    String(fields.expiresAt),
    String(fields.inProgressUntil),
    fields.lease,
    fields.fingerprint ?? '',
    '',
  ];
  return `${lines.map(headerField).join('\n')}\n`;
}

/** The `result_type` and, when there is one, the payload, as script arguments. */
export function resultArguments(result: StoredResult): ValkeyArgument[] {
  switch (result.kind) {
    case 'text':
      return ['text', result.text];
    case 'compressed':
      return ['compressed', result.bytes];
    case 'undefined':
      return ['undefined'];
    case 'error':
      return ['error', JSON.stringify({ error: result.name, message: result.message })];
  }
}

/** A header field must stay on its line; the engine's leases and fingerprints are base64url. */
export function headerField(value: string): string {
  if (value.includes('\n')) throw new RangeError(`a Valkey record field cannot contain a line break: ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads a stored value (GET, or a claim script's reply) into a record. The fields are turned into
 * the DynamoDB item shape so one reader (record-schema.ts) decides what a well-formed record is,
 * for both stores. A nil reply is no record.
 */
export function valueToRecord(reply: ValkeyReply, id: string): IdempotencyRecord | undefined {
  if (reply === null) return undefined;
  const bytes = asBytes(reply);
  const decodedText = typeof reply === 'string';
  if (bytes === undefined) throw new CorruptRecordError(id, 'the server did not return a string value for it');
  const lines: string[] = [];
  let from = 0;
  while (lines.length < HEADER_LINES) {
    const end = bytes.indexOf(NEWLINE, from);
    if (end < 0) break;
    lines.push(bytes.toString('utf8', from, end));
    from = end + 1;
  }
  if (lines[0] !== RECORD_MAGIC || lines.length < HEADER_LINES) {
    throw new CorruptRecordError(id, `its value is not a "${RECORD_MAGIC}" idempotency record (another application's data?)`);
  }
  const [, status, expiration, inProgressExpiration, lease, fingerprint, type] = lines as [string, ...string[]];
  const item: Item = { status, expiration: decimal(expiration!) };
  if (inProgressExpiration !== '') item.in_progress_expiration = decimal(inProgressExpiration!);
  if (lease !== '') item.lease = lease;
  if (fingerprint !== '') item.fingerprint = fingerprint;
  if (type !== '') item.result = resultItem(id, type!, bytes.subarray(from), decodedText);
  return itemToRecord(item, id, defaultAttributeNames);
}

function resultItem(id: string, type: string, payload: Buffer, decodedText: boolean): unknown {
  switch (type) {
    case 'undefined':
      return null;
    case 'text':
      return payload.toString('utf8');
    case 'compressed':
      // A copy: the reply's Buffer may be a view into a pooled allocation. A client that decoded
      // the reply to text is assumed to have decoded the bytes one to one (latin1).
      return decodedText ? new Uint8Array(Buffer.from(payload.toString('utf8'), 'latin1')) : new Uint8Array(payload);
    case 'error':
      try {
        return JSON.parse(payload.toString('utf8')) as unknown;
      } catch (cause) {
        throw new CorruptRecordError(id, 'its error marker is not JSON', { cause });
      }
    default:
      throw new CorruptRecordError(id, `its result_type "${type}" is not one this library writes`);
  }
}

function asBytes(reply: ValkeyReply): Buffer | undefined {
  if (reply instanceof Uint8Array) return Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  if (typeof reply === 'string') return Buffer.from(reply, 'utf8');
  return undefined;
}

/** A decimal integer as a number; anything else stays text, which the shared reader refuses. */
function decimal(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
