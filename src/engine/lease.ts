import { randomBytes } from 'node:crypto';

/** A fresh fencing token: 96 random bits, base64url (16 characters). */
export function newLease(): string {
  return randomBytes(12).toString('base64url');
}
