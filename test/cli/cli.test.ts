import { ScanCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/run.js';
import { httpIdempotency, idempotency, makeIdempotent } from '../../src/index.js';
import { httpShapes, withKey } from '../http/http-events.js';
import { endpoint } from '../support/dynamodb.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

const fixture = useStoreFixture();

/** Runs the CLI in-process against dynalite, the way `npx lambda-idempotency ...` would. */
async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint(), AWS_REGION: 'us-east-1' },
  });
  return { code, stdout, stderr };
}

/** A claim whose holder died: in progress, its in-progress expiry in the past. */
async function stuckClaim(lease = `lease-${uniqueKey()}`) {
  const id = `stuck#${uniqueKey()}`;
  const now = Date.now();
  await fixture.store.claim({
    id,
    lease,
    inProgressUntil: now - 60_000,
    expiresAt: Math.floor(now / 1000) + 3000,
    now: now - 120_000,
  });
  return { id, lease };
}

describe('inspect', () => {
  it('derives the record id from the raw key and the function name as the middleware does, and shows the record', async () => {
    const key = uniqueKey();
    const handler = middy(async (event: { orderId: string }) => ({ order: event.orderId, total: 42 })).use(
      idempotency<{ orderId: string }>({ store: fixture.store, key: 'orderId' }),
    );
    await handler({ orderId: key }, lambdaContext(30_000, 'orders-fn'));
    const shown = await cli('inspect', '--table', fixture.table.name, '--function', 'orders-fn', '--key', key, '--json');
    expect(shown.code).toBe(ExitCode.ok);
    const view = JSON.parse(shown.stdout);
    expect(view).toMatchObject({ status: 'COMPLETED', lease: 'none', resultKind: 'text' });
    expect(view.id).toMatch(/^orders-fn#/);
    expect(view.id).not.toContain(key);
    expect(view.resultPreview).toBe(JSON.stringify({ order: key, total: 42 }));
    expect(view.resultBytes).toBe(view.resultPreview.length);
    expect(view.estimatedAgeSeconds).toBeLessThan(5);
    const byId = await cli('inspect', '--table', fixture.table.name, '--id', view.id);
    expect(byId.stdout).toContain('status');
    expect(byId.stdout).toContain('COMPLETED');
  });

  it('derives an httpIdempotency record from the Idempotency-Key header and the request scope', async () => {
    const key = uniqueKey();
    const shape = httpShapes.find((candidate) => candidate.file === 'http-api.json');
    const event = withKey(shape?.event() ?? ({} as never), key) as unknown as { requestContext: Record<string, unknown> };
    // An anonymous request: no authorizer, so the caller part of the scope is null.
    delete event.requestContext.authorizer;
    const handler = middy(async () => ({ statusCode: 201, body: 'paid' })).use(httpIdempotency({ store: fixture.store }));
    expect(await handler(event as never, lambdaContext(30_000, 'payments-fn'))).toMatchObject({ statusCode: 201 });
    const material = JSON.stringify({ key, scope: { method: 'POST', route: '/payments', caller: null } });
    const shown = await cli(
      'inspect',
      '--table',
      fixture.table.name,
      '--function',
      'payments-fn',
      '--key-json',
      material,
      '--json',
    );
    expect(shown.code).toBe(ExitCode.ok);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'COMPLETED' });
  });

  it('derives, from --key-json, the id the store wrote for a key number past 2^53 (no rounding)', async () => {
    // The library reads `body.orderId` losslessly: 12345678901234567891 and the double JSON.parse
    // rounds it to (12345678901234567000) are two keys, so the CLI must not round either.
    const scope = `bignum-${uniqueKey()}`;
    const handler = middy(async () => ({ stored: true })).use(
      idempotency<{ body: string }>({ store: fixture.store, key: 'body.orderId', keyPrefix: scope }),
    );
    await handler({ body: '{"orderId":12345678901234567891}' }, lambdaContext());
    const written = await fixture.client.send(
      new ScanCommand({
        TableName: fixture.table.name,
        FilterExpression: 'begins_with(id, :scope)',
        ExpressionAttributeValues: { ':scope': { S: `${scope}#` } },
      }),
    );
    const ids = (written.Items ?? []).map((item) => item.id?.S);
    expect(ids).toHaveLength(1);

    const shown = await cli(
      'inspect',
      '--table',
      fixture.table.name,
      '--scope',
      scope,
      '--key-json',
      '12345678901234567891',
      '--json',
    );
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(ExitCode.ok);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: ids[0], status: 'COMPLETED' });
    // Its neighbour is the same double but another key: it must not find this record.
    const neighbour = await cli('inspect', '--table', fixture.table.name, '--scope', scope, '--key-json', '12345678901234567890');
    expect(neighbour.code).toBe(ExitCode.notFound);
    expect(neighbour.stderr).toContain(`No record "${scope}#`);
    expect(neighbour.stderr).not.toContain(ids[0]);
  });

  it('finds a string key with --key <s> or --key-json \'"<s>"\', through the middleware and makeIdempotent alike', async () => {
    const key = uniqueKey();
    const viaMiddy = middy(async (event: { orderId: string }) => ({ order: event.orderId })).use(
      idempotency<{ orderId: string }>({ store: fixture.store, key: 'orderId' }),
    );
    await viaMiddy({ orderId: key }, lambdaContext(30_000, 'middy-fn'));
    const viaWrapper = makeIdempotent(async (event: { orderId: string }, _context: Context) => ({ order: event.orderId }), {
      store: fixture.store,
      key: 'orderId',
    });
    await viaWrapper({ orderId: key }, lambdaContext(30_000, 'wrapper-fn'));
    for (const functionName of ['middy-fn', 'wrapper-fn']) {
      const inspect = (...material: string[]) =>
        cli('inspect', '--table', fixture.table.name, '--function', functionName, ...material, '--json');
      const asString = await inspect('--key', key);
      const asJson = await inspect('--key-json', JSON.stringify(key));
      expect(asString.code, functionName).toBe(ExitCode.ok);
      expect(asJson.code, functionName).toBe(ExitCode.ok);
      expect(JSON.parse(asJson.stdout).id).toBe(JSON.parse(asString.stdout).id);
      expect(JSON.parse(asString.stdout).resultPreview).toBe(JSON.stringify({ order: key }));
      // The event is not the key material: the selector's value is.
      const event = await inspect('--key-json', JSON.stringify({ orderId: key }));
      expect(event.code).toBe(ExitCode.notFound);
      expect(event.stderr).toContain('--key-json is the value the key selector returns, not the event');
    }
  });

  it('finds a number key with --key-json <n>; --key <n> (a string) misses it and says which to use', async () => {
    const orderId = Number(`${Date.now()}`.slice(-9));
    const viaWrapper = makeIdempotent(async (event: { orderId: number }, _context: Context) => ({ order: event.orderId }), {
      store: fixture.store,
      key: 'orderId',
    });
    await viaWrapper({ orderId }, lambdaContext(30_000, 'numbers-fn'));
    const found = await cli('inspect', '--table', fixture.table.name, '--function', 'numbers-fn', '--key-json', `${orderId}`);
    expect(found.code).toBe(ExitCode.ok);
    const missed = await cli('inspect', '--table', fixture.table.name, '--function', 'numbers-fn', '--key', `${orderId}`);
    expect(missed.code).toBe(ExitCode.notFound);
    expect(missed.stderr).toContain(`if the key selector returns the number ${orderId}, pass --key-json ${orderId}`);
    // A negative number is a value too, not an option.
    await viaWrapper({ orderId: -orderId }, lambdaContext(30_000, 'numbers-fn'));
    const negative = await cli('inspect', '--table', fixture.table.name, '--function', 'numbers-fn', '--key-json', `-${orderId}`);
    expect(negative.stderr).toBe('');
    expect(negative.code).toBe(ExitCode.ok);
  });

  it('says when there is no such record (exit 3), and what is wrong with bad arguments (exit 2)', async () => {
    const missing = await cli('inspect', '--table', fixture.table.name, '--scope', 'orders', '--key', uniqueKey());
    expect(missing.code).toBe(ExitCode.notFound);
    expect(missing.stderr).toContain('No record "orders#');
    const both = await cli('inspect', '--table', fixture.table.name, '--scope', 'orders', '--key', 'a', '--key-json', '"a"');
    expect(both.code).toBe(ExitCode.usage);
    expect(both.stderr).toContain('exactly one of --key');
    expect((await cli('inspect')).stderr).toContain('--table');
    expect((await cli('frobnicate', '--table', 't')).code).toBe(ExitCode.usage);
    const help = await cli('--help');
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toContain('Exit codes');
  });

  it('names the missing table and what to check (exit 5)', async () => {
    const result = await cli('inspect', '--table', 'no-such-table', '--id', 'x#y');
    expect(result.code).toBe(ExitCode.storeSetup);
    expect(result.stderr).toContain('Table "no-such-table" does not exist in region us-east-1');
  });
});

describe('list', () => {
  it('finds claims stuck past their expiry with a paged Scan, progress and cost on stderr', async () => {
    const stuck = await stuckClaim();
    const live = `live#${uniqueKey()}`;
    const now = Date.now();
    await fixture.store.claim({
      id: live,
      lease: 'live',
      inProgressUntil: now + 60_000,
      expiresAt: Math.floor(now / 1000) + 3600,
      now,
    });
    const listed = await cli('list', '--table', fixture.table.name, '--stuck', '--json');
    expect(listed.code).toBe(ExitCode.ok);
    const ids = (JSON.parse(listed.stdout) as Array<{ id: string; lease: string }>).map((view) => [view.id, view.lease]);
    expect(ids).toContainEqual([stuck.id, 'lapsed']);
    expect(ids.map(([id]) => id)).not.toContain(live);
    expect(listed.stderr).toContain('every item is read and billed');
    expect(listed.stderr).toMatch(/page 1: \d+ items read, \d+ matched/);
    const table = await cli('list', '--table', fixture.table.name);
    expect(table.stdout.split('\n')[0]).toBe('status\tlease\tage (est.)\tin-progress expiry\tid');
    expect(table.stdout).toContain(stuck.id);
  });

  it('lists records older than N seconds', async () => {
    const stuck = await stuckClaim();
    // Claimed 120 s ago with an expiry 3000 s ahead: about 600 s old under a 3600 s TTL.
    const old = await cli('list', '--table', fixture.table.name, '--older-than', '300', '--json');
    expect((JSON.parse(old.stdout) as Array<{ id: string }>).map((view) => view.id)).toContain(stuck.id);
    const recent = await cli('list', '--table', fixture.table.name, '--older-than', '900', '--json');
    expect((JSON.parse(recent.stdout) as Array<{ id: string }>).map((view) => view.id)).not.toContain(stuck.id);
  });
});

describe('evict', () => {
  it('deletes a stuck claim it inspected, so the key can run again', async () => {
    const stuck = await stuckClaim();
    const inspected = JSON.parse((await cli('inspect', '--table', fixture.table.name, '--id', stuck.id, '--json')).stdout);
    expect(inspected).toMatchObject({ status: 'INPROGRESS', lease: 'lapsed', leaseToken: stuck.lease });
    const evicted = await cli('evict', '--table', fixture.table.name, '--id', stuck.id, '--expect-lease', inspected.leaseToken);
    expect(evicted.code).toBe(ExitCode.ok);
    expect(evicted.stdout).toContain(`Evicted ${stuck.id}`);
    expect(evicted.stderr).toContain('localCache');
    expect(await fixture.rawItem(stuck.id)).toBeUndefined();
  });

  it('takes a lease that starts with "-", as --expect-lease <lease> and as --expect-lease=<lease>', async () => {
    // base64url: "-" is one of the 64 characters a lease can start with.
    for (const form of ['separate', 'equals'] as const) {
      const stuck = await stuckClaim(
        `-${uniqueKey()
          .replace(/[^A-Za-z0-9_-]/g, '')
          .slice(0, 15)}`,
      );
      const inspected = JSON.parse((await cli('inspect', '--table', fixture.table.name, '--id', stuck.id, '--json')).stdout);
      expect(inspected.leaseToken).toBe(stuck.lease);
      const wrong = await cli('evict', '--table', fixture.table.name, '--id', stuck.id, '--expect-lease', '-not-the-lease');
      expect(wrong.code).toBe(ExitCode.refused);
      const lease = form === 'separate' ? ['--expect-lease', stuck.lease] : [`--expect-lease=${stuck.lease}`];
      const evicted = await cli('evict', '--table', fixture.table.name, '--id', stuck.id, ...lease);
      expect(evicted.stderr, form).not.toContain('error');
      expect(evicted.code, form).toBe(ExitCode.ok);
      expect(await fixture.rawItem(stuck.id)).toBeUndefined();
    }
    // A flag after a flag that takes a value is still a missing value, not the value.
    const missing = await cli('evict', '--table', fixture.table.name, '--id', 'x#y', '--expect-lease', '--force');
    expect(missing.code).toBe(ExitCode.usage);
  });

  it('refuses when the record changed since it was inspected, and leaves it alone', async () => {
    const stuck = await stuckClaim();
    const inspected = JSON.parse((await cli('inspect', '--table', fixture.table.name, '--id', stuck.id, '--json')).stdout);
    // Meanwhile a retry takes the lapsed claim over.
    const now = Date.now();
    await fixture.store.claim({
      id: stuck.id,
      lease: 'new-owner',
      inProgressUntil: now - 1,
      expiresAt: Math.floor(now / 1000) + 3600,
      now,
    });
    const refused = await cli('evict', '--table', fixture.table.name, '--id', stuck.id, '--expect-lease', inspected.leaseToken);
    expect(refused.code).toBe(ExitCode.refused);
    expect(refused.stderr).toContain('changed since you inspected it');
    expect((await fixture.store.get(stuck.id))?.lease).toBe('new-owner');
  });

  it('needs --force for a completed record or a held claim', async () => {
    const id = `done#${uniqueKey()}`;
    const now = Date.now();
    await fixture.store.claim({
      id,
      lease: 'done',
      inProgressUntil: now + 60_000,
      expiresAt: Math.floor(now / 1000) + 3600,
      now,
    });
    const held = await cli('evict', '--table', fixture.table.name, '--id', id);
    expect(held.code).toBe(ExitCode.refused);
    expect(held.stderr).toContain('lease still held');
    await fixture.store.complete({
      id,
      lease: 'done',
      result: { kind: 'text', text: '{"ok":true}' },
      expiresAt: Math.floor(now / 1000) + 3600,
    });
    const completed = await cli('evict', '--table', fixture.table.name, '--id', id);
    expect(completed.code).toBe(ExitCode.refused);
    expect(completed.stderr).toContain('is COMPLETED');
    expect(await fixture.rawItem(id)).toBeDefined();
    const forced = await cli('evict', '--table', fixture.table.name, '--id', id, '--force');
    expect(forced.code).toBe(ExitCode.ok);
    expect(await fixture.rawItem(id)).toBeUndefined();
    expect((await cli('evict', '--table', fixture.table.name, '--id', id)).code).toBe(ExitCode.notFound);
  });
});
