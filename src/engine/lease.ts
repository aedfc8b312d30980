import { randomFillSync } from 'node:crypto';

const LEASE_BYTES = 12;
/** Random bytes are drawn for this many leases at once: one `randomBytes` call per lease cost more than the rest of a claim's hashing. */
const LEASES_PER_DRAW = 128;
const pool = Buffer.alloc(LEASE_BYTES * LEASES_PER_DRAW);
let nextLease = LEASES_PER_DRAW;

/** A fresh fencing token: 96 random bits, base64url (16 characters). */
export function newLease(): string {
  if (nextLease === LEASES_PER_DRAW) {
    randomFillSync(pool);
    nextLease = 0;
  }
  const start = LEASE_BYTES * nextLease++;
  return pool.toString('base64url', start, start + LEASE_BYTES);
}
