import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdempotent, StoreError } from '../../../src/index.js';
import { emfMetrics, type IdempotencyOutcome } from '../../../src/observability/index.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { timed } from '../../support/fixtures.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../../support/redis-server.js';
import { untilReachable } from '../../support/valkey-clients.js';
import { connectByRecipe, type RecipeClient } from './recipes.js';

/**
 * A Valkey/Redis server that is stopped, hanging (a script holding it, answering nobody) or busy
 * (past the script's busy threshold it refuses every command with BUSY), under both answers to
 * `whenStoreUnavailable`, over ioredis configured as docs/valkey.md says. Fail closed runs
 * nothing; fail open runs the handler without idempotency and says so; when the server answers
 * again, nothing was written, released or replayed wrongly.
 */

const STORE_TIMEOUT_MS = 300;
/** How long a script holds the server before it answers other clients with BUSY. */
const BUSY_AFTER_MS = 1_500;
const FAILS_WITHIN_MS = 1_500;

type Outage = 'stopped' | 'hanging' | 'busy';
const OUTAGES: readonly Outage[] = ['stopped', 'hanging', 'busy'];

const availability = ownServer(redisAvailability());

describe.skipIf(!availability.available)(titled('Valkey store outages', availability), () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = await connectAdmin(server);
  }, 30_000);
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  /** Takes the server away as `outage` says; resolves to what brings it back. */
  async function takeDown(outage: Outage): Promise<() => Promise<void>> {
    if (outage === 'stopped') {
      await server.kill();
      return async () => {
        await server.start();
        admin.disconnect();
        admin = await connectAdmin(server);
      };
    }
    await admin.config('SET', 'busy-reply-threshold', String(BUSY_AFTER_MS));
    // A script that never ends: the server answers nothing until the threshold, then BUSY to all.
    const blocker = await connectAdmin(server);
    const killer = await connectAdmin(server);
    const blocking = blocker.eval('while true do end', 0).catch(() => undefined);
    await sleep(50);
    if (outage === 'busy') await sleep(BUSY_AFTER_MS);
    return async () => {
      // Refused with BUSY until the threshold has passed; SCRIPT KILL is answered then.
      for (;;) {
        const killed = await killer.script('KILL').then(
          () => true,
          () => false,
        );
        if (killed) break;
        await sleep(50);
      }
      await blocking;
      blocker.disconnect();
      killer.disconnect();
    };
  }

  function subject(whenStoreUnavailable: 'fail-closed' | 'fail-open', store: ValkeyStore) {
    const outcomes: IdempotencyOutcome[] = [];
    const documents: Array<Record<string, unknown>> = [];
    const warnings: string[] = [];
    let runs = 0;
    const send = makeIdempotent(
      async (_event: { id: string }) => {
        runs++;
        return `run ${runs}`;
      },
      {
        store,
        key: 'id',
        name: 'valkey-outage',
        whenStoreUnavailable,
        storeTimeoutMs: STORE_TIMEOUT_MS,
        logger: { warn: (message: string) => void warnings.push(message), error: () => undefined },
        onOutcome: [
          (outcome) => void outcomes.push(outcome),
          emfMetrics({ namespace: 'Test', write: (line) => void documents.push(JSON.parse(line) as Record<string, unknown>) }),
        ],
      },
    );
    return { outcomes, documents, warnings, runs: () => runs, call: (id: string) => send({ id }) };
  }

  async function connected(): Promise<{ store: ValkeyStore; recipe: RecipeClient }> {
    const recipe = await connectByRecipe('ioredis', 'standalone', server.host, server.port);
    // A prefix per test: a record of one cannot answer for another.
    return { recipe, store: new ValkeyStore({ client: recipe.client, keyPrefix: `outage:${randomUUID().slice(0, 8)}:` }) };
  }

  describe.each(OUTAGES)('server %s', (outage) => {
    it('fail closed (default): an unavailable StoreError, the handler not run; when it answers again, the retry runs once', async () => {
      const { store, recipe } = await connected();
      try {
        const fn = subject('fail-closed', store);
        const id = randomUUID();
        const bringBack = await takeDown(outage);
        const failed = await timed(fn.call(id));
        await bringBack();
        await untilReachable(store);

        expect(failed.error).toBeInstanceOf(StoreError);
        expect(failed.error).toMatchObject({ unavailable: true });
        expect(failed.elapsedMs).toBeLessThan(FAILS_WITHIN_MS);
        // Each outage as it is: the bound on a request nobody answers, the server's own BUSY reply.
        if (outage === 'hanging') expect((failed.error as Error).message).toMatch(/did not answer .* within 300 ms/);
        if (outage === 'busy') expect((failed.error as Error).message).toMatch(/server is busy .*BUSY/);
        expect(fn.runs()).toBe(0);
        expect(fn.outcomes.map((outcome) => outcome.kind)).toEqual(['store-error']);

        expect(await fn.call(id)).toBe('run 1');
        expect(await fn.call(id)).toBe('run 1');
        expect(fn.runs()).toBe(1);
      } finally {
        await recipe.close();
      }
    }, 30_000);

    it('fail open: the handler runs without idempotency, warned, outcome and EMF StoreUnavailable; nothing of it is stored or replayed', async () => {
      const { store, recipe } = await connected();
      try {
        const fn = subject('fail-open', store);
        const id = randomUUID();
        const bringBack = await takeDown(outage);
        const ran = await timed(fn.call(id));
        await bringBack();
        await untilReachable(store);

        expect(ran.error).toBeUndefined();
        expect(ran.value).toBe('run 1');
        expect(ran.elapsedMs).toBeLessThan(FAILS_WITHIN_MS);
        expect(fn.warnings).toEqual([expect.stringMatching(/runs WITHOUT idempotency/)]);
        expect(fn.outcomes).toMatchObject([{ kind: 'store-unavailable' }]);
        expect(fn.documents).toMatchObject([{ StoreUnavailable: 1 }]);
        const recordId = fn.outcomes[0]?.recordId as string;
        expect(await admin.exists(store.keyOf(recordId))).toBe(0);

        // Its duplicate runs again (there is nothing to replay), under a claim of its own, and is stored.
        expect(await fn.call(id)).toBe('run 2');
        expect(await fn.call(id)).toBe('run 2');
        expect(fn.outcomes.map((outcome) => outcome.kind)).toEqual(['store-unavailable', 'executed', 'replayed']);
        expect(await admin.exists(store.keyOf(recordId))).toBe(1);
      } finally {
        await recipe.close();
      }
    }, 30_000);
  });

  it('the circuit: after 3 failed invocations on a stopped server, the next ones send nothing and fail at once', async () => {
    const { store, recipe } = await connected();
    try {
      const fn = subject('fail-closed', store);
      const bringBack = await takeDown('stopped');
      const errors: unknown[] = [];
      for (let index = 0; index < 5; index++) errors.push(await fn.call(randomUUID()).catch((error: unknown) => error));
      await bringBack();
      expect(errors.every((error) => error instanceof StoreError && error.unavailable)).toBe(true);
      expect(errors.slice(0, 3).map((error) => (error as StoreError).retryAfterMs)).toEqual([undefined, undefined, undefined]);
      expect((errors[3] as StoreError).message).toMatch(/circuit is open/);
      expect((errors[4] as StoreError).retryAfterMs).toBeGreaterThan(0);
      expect(fn.outcomes.map((outcome) => outcome.requests.total)).toEqual([1, 1, 1, 0, 0]);
    } finally {
      await recipe.close();
    }
  }, 30_000);
});

async function connectAdmin(server: RedisServer): Promise<Redis> {
  const client = new Redis(server.port, server.host, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  return client;
}

/** These tests stop and block their server: never REDIS_URL's. */
function ownServer(availability: ReturnType<typeof redisAvailability>): ReturnType<typeof redisAvailability> {
  if (availability.available && availability.external !== undefined) {
    return { available: false, reason: 'REDIS_URL is set; these tests need a server they own' };
  }
  return availability;
}
