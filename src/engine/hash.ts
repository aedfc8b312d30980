import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** sha256 of the canonical form, base64url: 43 characters instead of hex's 64 in every record. */
export function hashMaterial(material: unknown): string {
  return createHash('sha256').update(canonicalJson(material)).digest('base64url');
}
