import { createHash } from 'node:crypto';
import { RECORD_MAGIC } from './record-value.js';

/** A server-side script, with the SHA1 digest `EVALSHA` names it by. */
export interface Script {
  readonly name: 'claim' | 'complete' | 'release' | 'evict';
  readonly source: string;
  readonly sha: string;
}

function script(name: Script['name'], source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// The record is one string in the layout of record-value.ts; each script reads the header lines it
// needs with one anchored match, which stops at the header however large the payload. Numbers
// travel as decimal text; tonumber() is exact for epoch milliseconds (Lua numbers are doubles).
const HEADER = `'^${RECORD_MAGIC}\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n'`;
/**
 * The DynamoDB claim condition, evaluated where the data is: write unless a record exists that has
 * not expired and is COMPLETED, or INPROGRESS within its in-progress expiry. As in DynamoDB, a
 * missing or non-numeric expiry never counts as lapsed, so a malformed record is returned, not
 * overwritten; a value in another layout is refused as someone else's data. Returns 1 when
 * claimed, else the existing record, so a duplicate costs one round trip.
 * KEYS[1] record; ARGV: the INPROGRESS record, nowSeconds, nowMillis, expire-at (ms, the key's
 * native expiry).
 */
export const CLAIM = script(
  'claim',
  `local key = KEYS[1]
local existing = redis.call('GET', key)
if existing then
  local status, expiration, in_progress_until = string.match(existing, ${HEADER})
  if status == nil then return redis.error_reply('WRONGTYPE the key holds a value that is not an idempotency record') end
  expiration = tonumber(expiration)
  in_progress_until = tonumber(in_progress_until)
  local lapsed = (expiration ~= nil and expiration < tonumber(ARGV[2]))
    or (status == 'INPROGRESS' and in_progress_until ~= nil and in_progress_until < tonumber(ARGV[3]))
  if not lapsed then return existing end
end
redis.call('SET', key, ARGV[1])
redis.call('PEXPIREAT', key, ARGV[4])
return 1`,
);

/**
 * Completes the record only while it carries our lease (a missing record carries none), keeping
 * its fingerprint and dropping its in-progress expiry.
 * KEYS[1] record; ARGV: lease, expiresAt (s), expire-at (ms), result type, result (absent for undefined).
 */
export const COMPLETE = script(
  'complete',
  `local key = KEYS[1]
local existing = redis.call('GET', key)
if not existing then return 0 end
local _, _, _, lease, fingerprint = string.match(existing, ${HEADER})
if lease ~= ARGV[1] then return 0 end
redis.call('SET', key, '${RECORD_MAGIC}\\nCOMPLETED\\n' .. ARGV[2] .. '\\n\\n' .. lease .. '\\n' .. fingerprint .. '\\n' .. ARGV[4] .. '\\n' .. (ARGV[5] or ''))
redis.call('PEXPIREAT', key, ARGV[3])
return 1`,
);

/**
 * Deletes the record if it carries our lease; a record already gone counts as released (a retried
 * release whose first reply was lost finds nothing). KEYS[1] record; ARGV: lease.
 */
export const RELEASE = script(
  'release',
  `local key = KEYS[1]
local existing = redis.call('GET', key)
if not existing then return 1 end
local _, _, _, lease = string.match(existing, ${HEADER})
if lease ~= ARGV[1] then return 0 end
redis.call('DEL', key)
return 1`,
);

/**
 * The operator's delete (`lambda-idempotency evict`): removes the record only while it still has
 * the status and lease that were inspected, so a claim taken over meanwhile is never deleted.
 * KEYS[1] record; ARGV: status, lease (absent: the record must carry none). Returns 1 when deleted.
 */
export const EVICT = script(
  'evict',
  `local key = KEYS[1]
local existing = redis.call('GET', key)
if not existing then return 0 end
local status, _, _, lease = string.match(existing, ${HEADER})
if status == nil or status ~= ARGV[1] then return 0 end
if lease ~= (ARGV[2] or '') then return 0 end
redis.call('DEL', key)
return 1`,
);
