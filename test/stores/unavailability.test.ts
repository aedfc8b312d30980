import { describe, expect, it } from 'vitest';
import { isUnavailability as dynamodbOutage } from '../../src/stores/dynamodb/availability.js';
import { DynamoDBServiceError } from '../../src/stores/dynamodb/service-error.js';
import { isUnavailability as valkeyOutage } from '../../src/stores/valkey/availability.js';

/**
 * Which failures are an outage (may fail open, count towards the circuit) and which are refusals
 * that waiting does not heal (always fail closed). The fault tests meet the common ones for real
 * (test/reliability/dynamodb-outage.test.ts, test/stores/valkey/outage.test.ts); this table holds
 * the wordings they cannot provoke here.
 */

const sdkError = (name: string, status: number | undefined, code?: string) =>
  Object.assign(new Error(`${name} from the SDK`), { name, code, $metadata: { httpStatusCode: status } });

describe('DynamoDB', () => {
  it.each<[string, unknown, boolean]>([
    [
      'throttled past the retries (lean transport)',
      new DynamoDBServiceError('ProvisionedThroughputExceededException', 'slow down', { statusCode: 400 }),
      true,
    ],
    ['ThrottlingException (SDK)', sdkError('ThrottlingException', 400), true],
    ['a server error', sdkError('InternalServerError', 500), true],
    ['service unavailable', sdkError('ServiceUnavailable', 503), true],
    ['a request that timed out', sdkError('TimeoutError', undefined), true],
    ['a refused connection (SDK, Node error code)', sdkError('Error', undefined, 'ECONNREFUSED'), true],
    ['a reset connection', sdkError('Error', undefined, 'ECONNRESET'), true],
    ['access denied', sdkError('AccessDeniedException', 400), false],
    ['a missing table', new DynamoDBServiceError('ResourceNotFoundException', 'no table', { statusCode: 400 }), false],
    ['a validation error', sdkError('ValidationException', 400), false],
    ['not an error object', 'boom', false],
  ])('%s: outage %s', (_case, error, outage) => {
    expect(dynamodbOutage(error)).toBe(outage);
  });
});

describe('Valkey', () => {
  const detail = (error: Error) => `${error.name}: ${error.message}`;
  it.each<[string, Error, boolean]>([
    ['refused (ioredis)', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), true],
    ['connection closed (ioredis)', new Error('Connection is closed.'), true],
    ['client closed (node-redis)', Object.assign(new Error('The client is closed'), { name: 'ClientClosedError' }), true],
    [
      'no retries left (ioredis)',
      Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }),
      true,
    ],
    ['command timed out', new Error('Command timed out'), true],
    ['a busy script', new Error('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'), true],
    ['loading its data', new Error('LOADING Redis is loading the dataset in memory'), true],
    ['cluster down', new Error('CLUSTERDOWN The cluster is down'), true],
    ['slot migrating', new Error('TRYAGAIN Multiple keys request during rehashing of slot'), true],
    [
      'a socket error in the cause only',
      new Error('Socket closed unexpectedly', { cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }) }),
      true,
    ],
    ['another type at the key', new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), false],
    ['no permission', new Error("NOPERM User default has no permissions to run the 'evalsha' command"), false],
    ['authentication', new Error('NOAUTH Authentication required.'), false],
    ['out of memory', new Error("OOM command not allowed when used memory > 'maxmemory'."), false],
    ['an unknown command', new Error("ERR unknown command 'FCALL'"), false],
  ])('%s: outage %s', (_case, error, outage) => {
    expect(valkeyOutage(detail(error), error)).toBe(outage);
  });
});
