import { describe, expect, it } from 'vitest';
import { newLease } from '../../src/engine/lease.js';

describe('newLease', () => {
  it('gives 96-bit base64url tokens that never repeat, across many draws of the random pool', () => {
    const leases = Array.from({ length: 2000 }, () => newLease());
    for (const lease of leases) expect(lease).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(leases).size).toBe(leases.length);
  });
});
