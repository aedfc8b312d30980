import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** sha256 of text (as UTF-8) or bytes; `hash` builds no Hash stream per digest. */
export function sha256(data: string | Uint8Array, encoding: 'hex' | 'base64url'): string {
  return hash('sha256', data, encoding);
}

/** sha256 of a text, base64url: 43 characters instead of hex's 64 in every record. */
export function sha256Base64url(text: string): string {
  return sha256(text, 'base64url');
}

/** The hash of key material: sha256 of its canonical form. */
export function hashMaterial(material: unknown): string {
  return sha256Base64url(canonicalJson(material));
}
