import { createHash } from 'node:crypto';

/** A server-side script, with the SHA1 digest `EVALSHA` names it by. */
export interface Script {
  readonly name: 'claim' | 'complete' | 'release' | 'evict';
  readonly source: string;
  readonly sha: string;
}

function script(name: Script['name'], source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// Field names are those of the DynamoDB record (docs/valkey.md shows the layout). Numbers travel as
// decimal text; tonumber() is exact for epoch milliseconds (Lua numbers are doubles).

/**
 * The DynamoDB claim condition, evaluated where the data is: write unless a record exists that has
 * not expired and is COMPLETED, or INPROGRESS within its in-progress expiry. As in DynamoDB, a
 * missing or non-numeric expiry never counts as lapsed, so a foreign record is returned, not
 * overwritten. Returns 1 when claimed, else the existing hash (HGETALL), so a duplicate costs one
 * round trip.
 * KEYS[1] record; ARGV: lease, expiresAt (s), inProgressUntil (ms), nowSeconds, nowMillis,
 * expire-at (ms, the key's native expiry), fingerprint (optional).
 */
export const CLAIM = script(
  'claim',
  `local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
  local fields = redis.call('HMGET', key, 'status', 'expiration', 'in_progress_expiration')
  local expiration = tonumber(fields[2])
  local in_progress_until = tonumber(fields[3])
  local lapsed = (expiration ~= nil and expiration < tonumber(ARGV[4]))
    or (fields[1] == 'INPROGRESS' and in_progress_until ~= nil and in_progress_until < tonumber(ARGV[5]))
  if not lapsed then return redis.call('HGETALL', key) end
  redis.call('DEL', key)
end
redis.call('HSET', key, 'status', 'INPROGRESS', 'expiration', ARGV[2], 'in_progress_expiration', ARGV[3], 'lease', ARGV[1])
if ARGV[7] then redis.call('HSET', key, 'fingerprint', ARGV[7]) end
redis.call('PEXPIREAT', key, ARGV[6])
return 1`,
);

/**
 * Completes the record only while it carries our lease (a missing record carries none).
 * KEYS[1] record; ARGV: lease, expiresAt (s), expire-at (ms), result type, result (absent for undefined).
 */
export const COMPLETE = script(
  'complete',
  `local key = KEYS[1]
if redis.call('HGET', key, 'lease') ~= ARGV[1] then return 0 end
redis.call('HDEL', key, 'in_progress_expiration', 'result')
redis.call('HSET', key, 'status', 'COMPLETED', 'expiration', ARGV[2], 'result_type', ARGV[4])
if ARGV[5] then redis.call('HSET', key, 'result', ARGV[5]) end
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
if redis.call('EXISTS', key) == 0 then return 1 end
if redis.call('HGET', key, 'lease') ~= ARGV[1] then return 0 end
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
if redis.call('HGET', key, 'status') ~= ARGV[1] then return 0 end
local lease = redis.call('HGET', key, 'lease')
if ARGV[2] then
  if lease ~= ARGV[2] then return 0 end
elseif lease then
  return 0
end
redis.call('DEL', key)
return 1`,
);
