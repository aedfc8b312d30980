import { readFileSync } from 'node:fs';
import type { HttpEvent } from '../../src/index.js';

/** The sample HTTP API POST with `key` as its Idempotency-Key: the crashed process and the retry send the same request. */
export function httpPaymentEvent(key: string): HttpEvent {
  const event = JSON.parse(readFileSync(new URL('../../events/http/http-api.json', import.meta.url), 'utf8')) as HttpEvent & {
    headers: Record<string, string>;
  };
  event.headers['idempotency-key'] = key;
  return event;
}
