import { decompress } from '../../src/engine/result-codec.js';
import type { Observed } from './idempotency-model.js';

/** The part of an ioredis client the observer needs: a command with its reply as bytes. */
export interface RawValkey {
  callBuffer(command: string, ...args: string[]): Promise<unknown>;
}

/** Reads one record's hash straight from the server into the model's terms (as `observe` does for DynamoDB). */
export async function observeValkey(client: RawValkey, key: string): Promise<Observed> {
  const reply = (await client.callBuffer('HGETALL', key)) as Buffer[];
  if (reply.length === 0) return { status: 'ABSENT' };
  const fields = new Map<string, Buffer>();
  for (let index = 0; index + 1 < reply.length; index += 2) fields.set(reply[index]!.toString('utf8'), reply[index + 1]!);
  const text = (name: string) => fields.get(name)?.toString('utf8');
  const number = (name: string) => {
    const value = text(name);
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
  };
  const identity = Object.fromEntries(
    [...fields].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => [name, value.toString('base64')]),
  );
  return {
    status: text('status') ?? 'UNKNOWN',
    lease: text('lease'),
    expiresAt: number('expiration'),
    inProgressUntil: number('in_progress_expiration'),
    result: decodeResult(text('result_type'), fields.get('result')),
    identity: JSON.stringify(identity),
  };
}

function decodeResult(type: string | undefined, payload: Buffer | undefined): unknown {
  if (payload === undefined) return undefined;
  if (type === 'text') return JSON.parse(payload.toString('utf8'));
  if (type === 'compressed') return JSON.parse(decompress(new Uint8Array(payload)));
  return payload.toString('utf8');
}
