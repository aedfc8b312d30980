import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** sha256 of a text, base64url: 43 characters instead of hex's 64 in every record. */
export function sha256Base64url(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The hash of key material: sha256 of its canonical form. */
export function hashMaterial(material: unknown): string {
  return sha256Base64url(canonicalJson(material));
}
