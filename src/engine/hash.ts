// A namespace import: `hash` is missing before Node 20.12, and a named import of it would fail to link.
import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** sha256 of text (as UTF-8) or bytes. `crypto.hash` (Node 20.12 and later) builds no Hash stream per digest. */
export const sha256: (data: string | Uint8Array, encoding: 'hex' | 'base64url') => string =
  typeof crypto.hash === 'function'
    ? (data, encoding) => crypto.hash('sha256', data, encoding)
    : (data, encoding) => crypto.createHash('sha256').update(data).digest(encoding);

/** sha256 of a text, base64url: 43 characters instead of hex's 64 in every record. */
export function sha256Base64url(text: string): string {
  return sha256(text, 'base64url');
}

/** The hash of key material: sha256 of its canonical form. */
export function hashMaterial(material: unknown): string {
  return sha256Base64url(canonicalJson(material));
}
