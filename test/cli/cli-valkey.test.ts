import type { Context } from 'aws-lambda';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/run.js';
import { ValkeyRecords } from '../../src/cli/valkey-records.js';
import { makeIdempotent } from '../../src/index.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { lambdaContext, uniqueKey } from '../support/fixtures.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../support/redis-server.js';

const availability = redisAvailability();
const KEY_PREFIX = 'cli-test:';

describe.skipIf(!availability.available)(
  titled('the CLI against a ValkeyStore (redis-server, or REDIS_URL)', availability),
  () => {
    let server: RedisServer | undefined;
    let url: string;
    let client: ReturnType<typeof createClient>;
    let store: ValkeyStore;

    beforeAll(async () => {
      server = availability.available && availability.external ? undefined : await startRedisServer();
      url = server?.url ?? (availability.available ? (availability.external ?? '') : '');
      client = createClient({ url });
      client.on('error', () => undefined);
      await client.connect();
      store = new ValkeyStore({ client, keyPrefix: KEY_PREFIX });
    });
    afterAll(async () => {
      client?.destroy();
      await server?.stop();
    });

    async function cli(...argv: string[]) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['--redis-url', url, '--key-prefix', KEY_PREFIX, ...argv], {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
        env: {},
      });
      return { code, stdout, stderr };
    }

    async function stuckClaim() {
      const id = `stuck#${uniqueKey()}`;
      const lease = `lease-${uniqueKey()}`;
      const now = Date.now();
      await store.claim({
        id,
        lease,
        inProgressUntil: now - 60_000,
        expiresAt: Math.floor(now / 1000) + 3000,
        now: now - 120_000,
      });
      return { id, lease };
    }

    it('inspects a record by the raw key and the function name, through the store layout', async () => {
      const key = uniqueKey();
      const charge = makeIdempotent(async (orderId: string, _context: Context) => ({ charged: orderId }), {
        store,
        key: (orderId) => orderId,
      });
      await charge(key, lambdaContext(30_000, 'valkey-fn'));
      const shown = await cli('inspect', '--function', 'valkey-fn', '--key', key, '--json');
      expect(shown.stderr).toBe('');
      expect(shown.code).toBe(ExitCode.ok);
      const view = JSON.parse(shown.stdout);
      expect(view).toMatchObject({ status: 'COMPLETED', lease: 'none', resultPreview: JSON.stringify({ charged: key }) });
      expect(view.id).toMatch(/^valkey-fn#/);
      const missing = await cli('inspect', '--id', 'valkey-fn#nothing-here');
      expect(missing.code).toBe(ExitCode.notFound);
    });

    it('lists stuck claims with SCAN under the key prefix only, with progress and cost on stderr', async () => {
      const stuck = await stuckClaim();
      const now = Date.now();
      const live = `live#${uniqueKey()}`;
      await store.claim({
        id: live,
        lease: 'live',
        inProgressUntil: now + 60_000,
        expiresAt: Math.floor(now / 1000) + 3600,
        now,
      });
      // The same record shape under another prefix, and foreign data under ours: neither is listed as a record.
      await new ValkeyStore({ client, keyPrefix: 'other-app:' }).claim({
        id: stuck.id,
        lease: 'x',
        inProgressUntil: now - 60_000,
        expiresAt: Math.floor(now / 1000) + 3000,
        now: now - 120_000,
      });
      await client.hSet(`${KEY_PREFIX}foreign`, { colour: 'blue' });
      await client.set(`${KEY_PREFIX}a-string`, 'not a record');
      const listed = await cli('list', '--stuck', '--json');
      expect(listed.code).toBe(ExitCode.ok);
      const views = JSON.parse(listed.stdout) as Array<{ id: string; lease: string }>;
      expect(views.map((view) => [view.id, view.lease])).toContainEqual([stuck.id, 'lapsed']);
      expect(views.map((view) => view.id)).not.toContain(live);
      expect(views.filter((view) => view.id === stuck.id)).toHaveLength(1);
      expect(listed.stderr).toContain('SCAN walks every key of the database');
      expect(listed.stderr).toMatch(/page 1: \d+ items read, \d+ matched\n/);
      expect(listed.stderr).toContain('1 item(s) in the layout are not records this library wrote');
      const old = await cli('list', '--older-than', '300', '--json');
      expect((JSON.parse(old.stdout) as Array<{ id: string }>).map((view) => view.id)).toContain(stuck.id);
    });

    it('evicts a stuck claim it inspected, and refuses one taken over meanwhile', async () => {
      const stuck = await stuckClaim();
      const inspected = JSON.parse((await cli('inspect', '--id', stuck.id, '--json')).stdout);
      expect(inspected).toMatchObject({ status: 'INPROGRESS', lease: 'lapsed', leaseToken: stuck.lease });
      const evicted = await cli('evict', '--id', stuck.id, '--expect-lease', stuck.lease);
      expect(evicted.code).toBe(ExitCode.ok);
      expect(await client.exists(store.keyOf(stuck.id))).toBe(0);

      const other = await stuckClaim();
      const now = Date.now();
      await store.claim({
        id: other.id,
        lease: 'new-owner',
        inProgressUntil: now - 1,
        expiresAt: Math.floor(now / 1000) + 3600,
        now,
      });
      const refused = await cli('evict', '--id', other.id, '--expect-lease', other.lease);
      expect(refused.code).toBe(ExitCode.refused);
      expect(refused.stderr).toContain('changed since you inspected it');
      expect((await store.get(other.id))?.lease).toBe('new-owner');
    });

    it('needs --force for a completed record', async () => {
      const id = `done#${uniqueKey()}`;
      const now = Date.now();
      await store.claim({ id, lease: 'done', inProgressUntil: now + 60_000, expiresAt: Math.floor(now / 1000) + 3600, now });
      await store.complete({
        id,
        lease: 'done',
        result: { kind: 'text', text: '{"ok":true}' },
        expiresAt: Math.floor(now / 1000) + 3600,
      });
      const completed = await cli('evict', '--id', id);
      expect(completed.code).toBe(ExitCode.refused);
      expect(completed.stderr).toContain('is COMPLETED');
      expect(await client.exists(store.keyOf(id))).toBe(1);
      const forced = await cli('evict', '--id', id, '--force');
      expect(forced.code).toBe(ExitCode.ok);
      expect(await client.exists(store.keyOf(id))).toBe(0);
    });

    it('deletes on the server only while status and lease are those inspected (one script, no blind DEL)', async () => {
      const records = await ValkeyRecords.open(url, KEY_PREFIX);
      try {
        const { id, lease } = await stuckClaim();
        expect(await records.deleteIf(id, 'INPROGRESS', 'someone-else')).toBe(false);
        expect(await records.deleteIf(id, 'COMPLETED', lease)).toBe(false);
        expect(await records.deleteIf(id, 'INPROGRESS', undefined)).toBe(false);
        expect(await client.exists(store.keyOf(id))).toBe(1);
        expect(await records.deleteIf(id, 'INPROGRESS', lease)).toBe(true);
        expect(await client.exists(store.keyOf(id))).toBe(0);
        expect(await records.deleteIf(id, 'INPROGRESS', lease)).toBe(false);
      } finally {
        await records.close();
      }
    });

    it('exits 6 when every key under the prefix read is not a record (another application shares it)', async () => {
      const prefix = `sessions-${uniqueKey()}:`;
      await client.set(`${prefix}a`, 'not a record');
      await client.set(`${prefix}b`, JSON.stringify({ user: 'ada' }));
      let stderr = '';
      const code = await runCli(['list', '--redis-url', url, '--key-prefix', prefix], {
        stdout: () => undefined,
        stderr: (text) => {
          stderr += text;
        },
        env: {},
      });
      expect(code).toBe(ExitCode.noRecordLayout);
      expect(stderr).toContain('None of the 2 items read is a record in the layout given');
      expect(stderr).toContain(`Expected string keys "${prefix}<record id>" holding the record ValkeyStore writes`);
    });

    it('says what to check when the server cannot be reached (exit 5)', async () => {
      const result = await runCli(['list', '--redis-url', 'redis://127.0.0.1:1'], {
        stdout: () => undefined,
        stderr: (text) => {
          expect(text).toContain('Cannot reach redis://127.0.0.1:1');
        },
        env: {},
      });
      expect(result).toBe(ExitCode.storeSetup);
    });
  },
);
