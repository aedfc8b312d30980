import { decompress } from '../../src/engine/result-codec.js';
import type { Observed } from './idempotency-model.js';

/** The part of an ioredis client the observer needs: a command with its reply as bytes. */
export interface RawValkey {
  callBuffer(command: string, ...args: string[]): Promise<unknown>;
}

/** The header lines of a record's string value, in order; the result's payload follows them. */
const HEADER = ['magic', 'status', 'expiration', 'in_progress_expiration', 'lease', 'fingerprint', 'result_type'] as const;

/**
 * Reads one record straight from the server into the model's terms (as `observe` does for
 * DynamoDB), parsing the one-string layout itself rather than through the store under test.
 */
export async function observeValkey(client: RawValkey, key: string): Promise<Observed> {
  const reply = (await client.callBuffer('GET', key)) as Buffer | null;
  if (reply === null) return { status: 'ABSENT' };
  const fields = new Map<string, string>();
  let from = 0;
  for (const name of HEADER) {
    const end = reply.indexOf(10, from);
    if (end < 0) break;
    fields.set(name, reply.toString('utf8', from, end));
    from = end + 1;
  }
  const payload = reply.subarray(from);
  const text = (name: (typeof HEADER)[number]) => {
    const value = fields.get(name);
    return value === '' ? undefined : value;
  };
  const number = (name: (typeof HEADER)[number]) => {
    const value = text(name);
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
  };
  return {
    status: fields.get('magic') === 'idem1' ? (text('status') ?? 'UNKNOWN') : 'UNKNOWN',
    lease: text('lease'),
    expiresAt: number('expiration'),
    inProgressUntil: number('in_progress_expiration'),
    result: decodeResult(text('result_type'), payload),
    identity: reply.toString('base64'),
  };
}

function decodeResult(type: string | undefined, payload: Buffer): unknown {
  if (type === undefined || type === 'undefined') return undefined;
  if (type === 'text') return JSON.parse(payload.toString('utf8'));
  if (type === 'compressed') return JSON.parse(decompress(new Uint8Array(payload)));
  return payload.toString('utf8');
}
