import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { endpoint } from '../support/dynamodb.js';

/** The bin as `npx lambda-idempotency` runs it, in a process where `redis` cannot be resolved. */
function binWithoutRedis(...argv: string[]) {
  return spawnSync(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('./hide-redis.mjs', import.meta.url)),
      '--import',
      'tsx',
      fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url)),
      ...argv,
    ],
    { encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: endpoint(), AWS_REGION: 'us-east-1' } },
  );
}

it('without the optional "redis" package, --redis-url says what to install and DynamoDB commands still work', () => {
  const valkey = binWithoutRedis('list', '--redis-url', 'redis://127.0.0.1:1');
  expect(valkey.stderr).toContain('--redis-url needs the "redis" package');
  expect(valkey.status).toBe(ExitCode.storeSetup);
  const dynamodb = binWithoutRedis('inspect', '--table', 'no-such-table', '--id', 'x#y');
  expect(dynamodb.stderr).toContain('Table "no-such-table" does not exist');
  expect(dynamodb.status).toBe(ExitCode.storeSetup);
});
