import { ScanCommand } from '@aws-sdk/client-dynamodb';
import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import { Redis } from 'ioredis';
import middy7 from 'middy-core-7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import type { IdempotencyRecord, IdempotencyStore } from '../../src/engine/index.js';
import {
  DynamoDBStore,
  type HttpEvent,
  httpIdempotency,
  InProgressError,
  idempotency,
  type LeaseLostError,
  makeIdempotent,
  PayloadMismatchError,
} from '../../src/index.js';
import { toConnection, type ValkeyConnection } from '../../src/stores/valkey/connection.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { httpShapes, withKey } from '../http/http-events.js';
import { testClient } from '../support/dynamodb.js';
import { deferred, lambdaContext, manualClock, storeFixture, uniqueKey, warningSink } from '../support/fixtures.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary, connectClient } from '../support/valkey-clients.js';

/*
 * The classes of bug Powertools for AWS Lambda (TypeScript) shipped in its idempotency utility in
 * 2026, each replayed against this library on both stores, through the adapter where the bug lived:
 *
 * - #5675: the Middy middleware's onError deleted the record after its own `before` refused a
 *   duplicate (in progress, or a payload mismatch): the owner's claim, or the completed record.
 * - #5715: the key was hashed again from the event at completion, so a handler that mutated its
 *   event completed (or released) another record and left its own INPROGRESS.
 * - #5707: operations sharing one persistence object shared its mutable key prefix: a nested
 *   operation made the outer one complete under the inner's prefix.
 * - #5714: the Redis layer took over an "orphaned" claim with a plain SET after reading it, so two
 *   callers could both take it over, or overwrite a record completed in between.
 * - #5716: the Redis layer passed node-redis option shapes (`{ NX, EX }`) to every client; Glide
 *   ignored them: no conditional set, no expiry.
 *
 * Each test passes on a correct library and fails on the regression it is named after (see
 * docs/history.md, "Regressions of other libraries").
 */

type RawRecord = string | undefined;

/** One store under test and what the tests read past it, from the server itself. */
interface Backend {
  readonly store: IdempotencyStore;
  /** The record as the server holds it (a DynamoDB item, a Valkey string), to prove a refused write changed nothing. */
  raw(id: string): Promise<RawRecord>;
  /** The ids of the records the server holds under `scope`. */
  idsUnder(scope: string): Promise<string[]>;
  /** Asserts the server enforces the record's expiry: the table's TTL attribute, the key's native expiry. */
  expectServerExpiry(id: string, expiresAt: number): Promise<void>;
  /** A second store object over the same records whose first write after it has read a record is held. */
  heldStore(): HeldStore;
  stop(): Promise<void>;
}

/**
 * A store of another container, through its own client, whose first write after it has read an
 * existing record waits for `release()`: the window between a takeover's read and its write, where
 * #5714 overwrote a record completed meanwhile. The real client and server do all the work.
 */
interface HeldStore {
  readonly store: IdempotencyStore;
  /** Resolves once a write is held. */
  readonly held: Promise<void>;
  wasHeld(): boolean;
  release(): void;
  close(): Promise<void>;
}

/** The hold itself: `before` runs before each request, `read` after each reply that held a record. */
function holdAfterRead() {
  const held = deferred();
  const released = deferred();
  let sawRecord = false;
  let holding = false;
  return {
    held: held.promise,
    wasHeld: () => holding,
    release: () => released.resolve(),
    async before() {
      if (!sawRecord || holding) return;
      holding = true;
      held.resolve();
      await released.promise;
    },
    read() {
      sawRecord = true;
    },
  };
}

async function dynamoBackend(): Promise<Backend> {
  const fixture = await storeFixture();
  return {
    store: fixture.store,
    async raw(id) {
      const item = await fixture.rawItem(id);
      return item && JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    async idsUnder(scope) {
      const output = await fixture.client.send(
        new ScanCommand({
          TableName: fixture.table.name,
          ConsistentRead: true,
          FilterExpression: 'begins_with(id, :scope)',
          ExpressionAttributeValues: { ':scope': { S: `${scope}#` } },
        }),
      );
      return (output.Items ?? []).map((item) => item.id?.S ?? '');
    },
    async expectServerExpiry(id, expiresAt) {
      // `expiration` is the attribute the table's TTL is set on (infra/tables.ts), in epoch seconds.
      const item = await fixture.rawItem(id);
      expect(item?.expiration).toEqual({ N: String(expiresAt) });
    },
    heldStore() {
      const hold = holdAfterRead();
      const client = testClient();
      client.middlewareStack.add(
        (next, context) => async (args) => {
          await hold.before();
          try {
            const output = await next(args);
            if (context.commandName === 'GetItemCommand' && (output.output as { Item?: unknown }).Item) hold.read();
            return output;
          } catch (error) {
            // An endpoint that returns the old item with a failed condition (DynamoDB does) has read it.
            if ((error as { Item?: unknown }).Item) hold.read();
            throw error;
          }
        },
        { step: 'initialize', name: 'holdAfterRead' },
      );
      return {
        store: new DynamoDBStore({ tableName: fixture.table.name, client }),
        held: hold.held,
        wasHeld: hold.wasHeld,
        release: hold.release,
        close: async () => client.destroy(),
      };
    },
    stop: () => fixture.close(),
  };
}

const availability = redisAvailability();
let sharedServer: Promise<RedisServer | undefined> | undefined;

/** One redis-server for the file (or REDIS_URL), started by the first Valkey backend. */
async function redisUrl(): Promise<string> {
  sharedServer ??= availability.available && availability.external ? Promise.resolve(undefined) : startRedisServer();
  const server = await sharedServer;
  return server?.url ?? (availability.available ? (availability.external ?? '') : '');
}

afterAll(async () => {
  await (await sharedServer)?.stop();
});

async function valkeyBackend(library: ClientLibrary): Promise<Backend> {
  const url = await redisUrl();
  const connected = await connectClient(library, url);
  // The observer is a connection of its own: what it reads is the server's state, not the client's.
  const observer = new Redis(url);
  const store = new ValkeyStore({ client: connected.client, keyPrefix: `powertools:${library}:${uniqueKey()}:` });
  return {
    store,
    async raw(id) {
      const value = await observer.getBuffer(store.keyOf(id));
      return value === null ? undefined : value.toString('base64');
    },
    async idsUnder(scope) {
      const keys = await observer.keys(`${store.keyPrefix}${scope}#*`);
      return keys.map((key) => key.slice(store.keyPrefix.length));
    },
    async expectServerExpiry(id, expiresAt) {
      const key = store.keyOf(id);
      // A key without expiry answers -1: the Glide regression of #5716 (options the client ignored).
      expect(await observer.pttl(key)).toBeGreaterThan(0);
      // The key outlives the end of the record's window (the store adds a grace for clock skew
      // between Lambda and the server), and not by more than a couple of minutes.
      // PEXPIRETIME is Redis 7.0's; an older server (REDIS_URL) gives the same within the round trip.
      const expireAt = Number(await observer.call('PEXPIRETIME', key).catch(async () => Date.now() + (await observer.pttl(key))));
      const windowEnd = (expiresAt + 1) * 1000;
      expect(expireAt).toBeGreaterThanOrEqual(windowEnd);
      expect(expireAt).toBeLessThanOrEqual(windowEnd + 120_000);
    },
    heldStore() {
      const hold = holdAfterRead();
      const connection = toConnection(connected.client) as ValkeyConnection;
      const held: ValkeyConnection = {
        async send(args, key) {
          await hold.before();
          const reply = await connection.send(args, key);
          // SET NX GET answers with the value it found: the claim has read the record.
          if (args[0] === 'SET' && reply !== null) hold.read();
          return reply;
        },
      };
      return {
        store: new ValkeyStore({ client: held, keyPrefix: store.keyPrefix }),
        held: hold.held,
        wasHeld: hold.wasHeld,
        release: hold.release,
        close: async () => undefined,
      };
    },
    async stop() {
      observer.disconnect();
      await connected.close();
    },
  };
}

interface BackendCase {
  readonly name: string;
  readonly skip: boolean;
  readonly setup: () => Promise<Backend>;
}

const BACKENDS: readonly BackendCase[] = [
  { name: 'DynamoDBStore (dynalite)', skip: false, setup: dynamoBackend },
  ...CLIENT_LIBRARIES.map((library) => ({
    name: titled(`ValkeyStore over ${library} (redis-server)`, availability),
    skip: !availability.available,
    setup: () => valkeyBackend(library),
  })),
];

interface Order {
  orderId: string;
  amount: number;
  items: string[];
  processed?: boolean;
}
type Handler = (event: Order, context: Context) => Promise<unknown>;
type Middy = (handler: Handler) => ReturnType<typeof middy6<Order, unknown>>;

const middies: ReadonlyArray<[string, Middy]> = [
  ['Middy 6', middy6 as unknown as Middy],
  ['Middy 7', middy7 as unknown as Middy],
];

const order = (orderId = uniqueKey()): Order => ({ orderId, amount: 42, items: ['book'] });
const recordId = (scope: string, material: unknown) => `${scope}#${hashMaterial(material)}`;
const scopeOf = () => `pt-${uniqueKey()}`;
const seconds = (ms: number) => Math.floor(ms / 1000);

function decoded(record: IdempotencyRecord | undefined): unknown {
  const result = record?.result;
  return result?.kind === 'text' ? JSON.parse(result.text) : result;
}

/** A call's outcome, observed from the start: a refusal the test awaits later is never reported unhandled. */
function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

function settledKinds(results: readonly PromiseSettledResult<unknown>[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const result of results) {
    const kind = result.status === 'fulfilled' ? 'fulfilled' : (result.reason as Error).name;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

for (const { name, skip, setup } of BACKENDS)
  describe(`Powertools 2026 regressions: ${name}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      if (!skip) backend = await setup();
    });
    afterAll(async () => {
      await backend?.stop();
    });

    describe.skipIf(skip)('#5675: a duplicate refused in before never releases the claim it did not make', () => {
      it.each(middies)(
        '%s: an in-progress duplicate leaves the claim held; a payload mismatch leaves the completed record',
        async (_, middy) => {
          const gate = deferred();
          let executions = 0;
          const keyPrefix = scopeOf();
          const handler = middy(async (event) => {
            executions++;
            await gate.promise;
            return { charged: event.amount };
          }).use(idempotency<Order>({ store: backend.store, key: 'orderId', payload: 'amount', keyPrefix }));
          const event = order();
          const id = recordId(keyPrefix, event.orderId);

          const owner = handler(structuredClone(event), lambdaContext());
          await expect.poll(() => backend.raw(id)).toBeDefined();
          const claimed = await backend.raw(id);
          // Middy calls every onError after a before that threw, this middleware's own included.
          await expect(handler(structuredClone(event), lambdaContext())).rejects.toBeInstanceOf(InProgressError);
          expect(await backend.raw(id)).toBe(claimed);
          expect((await backend.store.get(id))?.status).toBe('INPROGRESS');

          gate.resolve();
          expect(await owner).toEqual({ charged: 42 });
          const completed = await backend.raw(id);
          await expect(handler({ ...structuredClone(event), amount: 43 }, lambdaContext())).rejects.toBeInstanceOf(
            PayloadMismatchError,
          );
          expect(await backend.raw(id)).toBe(completed);
          expect(await handler(structuredClone(event), lambdaContext())).toEqual({ charged: 42 });
          expect(executions).toBe(1);
        },
      );

      it('httpIdempotency: a 409 to an in-progress duplicate leaves the claim held; the retry replays', async () => {
        const gate = deferred();
        let executions = 0;
        const keyPrefix = scopeOf();
        const handler = middy6(async () => {
          executions++;
          await gate.promise;
          return { statusCode: 201, body: 'paid' };
        }).use(httpIdempotency({ store: backend.store, keyPrefix }));
        const shape = httpShapes.find((candidate) => candidate.file === 'http-api.json');
        const event = withKey(shape?.event() ?? ({} as HttpEvent), uniqueKey());

        const owner = handler(structuredClone(event) as never, lambdaContext());
        await expect.poll(() => backend.idsUnder(keyPrefix)).toHaveLength(1);
        const [id] = await backend.idsUnder(keyPrefix);
        const claimed = await backend.raw(id as string);
        const refused = (await handler(structuredClone(event) as never, lambdaContext())) as { statusCode: number };
        expect(refused.statusCode).toBe(409);
        expect(await backend.raw(id as string)).toBe(claimed);

        gate.resolve();
        expect(await owner).toMatchObject({ statusCode: 201, body: 'paid' });
        const replayed = (await handler(structuredClone(event) as never, lambdaContext())) as unknown as {
          headers: Record<string, string>;
        };
        expect(replayed).toMatchObject({ statusCode: 201, body: 'paid' });
        expect(replayed.headers['Idempotent-Replayed']).toBe('true');
        expect(executions).toBe(1);
      });
    });

    describe.skipIf(skip)('#5715: a handler that mutates its event settles the record it claimed', () => {
      type Run = (keyPrefix: string, body: (event: Order) => Promise<unknown>) => (event: Order) => Promise<unknown>;
      const adapters: ReadonlyArray<[string, Run]> = [
        [
          'Middy',
          (keyPrefix, body) => {
            const handler = middy6(async (event: Order) => body(event)).use(
              idempotency<Order>({ store: backend.store, key: 'orderId', payload: 'items', keyPrefix }),
            );
            return (event) => handler(event, lambdaContext());
          },
        ],
        [
          'makeIdempotent',
          (keyPrefix, body) => {
            const wrapped = makeIdempotent(async (event: Order, _context: Context) => body(event), {
              store: backend.store,
              key: 'orderId',
              payload: 'items',
              keyPrefix,
            });
            return (event) => wrapped(event, lambdaContext());
          },
        ],
      ];

      it.each(adapters)('%s: completes the original record on success, releases it on failure', async (_, adapter) => {
        const keyPrefix = scopeOf();
        let executions = 0;
        let fail = false;
        const run = adapter(keyPrefix, async (event) => {
          executions++;
          // Normalising fields and flagging the event: the key and the payload both change.
          event.orderId = event.orderId.toUpperCase();
          event.items.push('gift wrap');
          event.processed = true;
          if (fail) throw new Error('card declined');
          return { charged: event.amount };
        });

        const event = order();
        const id = recordId(keyPrefix, event.orderId);
        expect(await run(structuredClone(event))).toEqual({ charged: 42 });
        const record = await backend.store.get(id);
        expect(record?.status).toBe('COMPLETED');
        expect(decoded(record)).toEqual({ charged: 42 });
        expect(await backend.idsUnder(keyPrefix)).toEqual([id]);
        // The identical retry: same record, same payload fingerprint, so a replay.
        expect(await run(structuredClone(event))).toEqual({ charged: 42 });
        expect(executions).toBe(1);

        fail = true;
        const failing = order();
        await expect(run(structuredClone(failing))).rejects.toThrow('card declined');
        // Released: nothing left under the original key, nor under the mutated one.
        expect(await backend.idsUnder(keyPrefix)).toEqual([id]);
        fail = false;
        expect(await run(structuredClone(failing))).toEqual({ charged: 42 });
        expect(executions).toBe(3);
      });
    });

    describe.skipIf(skip)('#5707: instances sharing one store object keep their own scopes and TTLs', () => {
      it('a nested call and two concurrent siblings: each record under its own id, with its own expiration', async () => {
        const clock = manualClock();
        const now = clock.now();
        const orderId = uniqueKey();
        const innerPrefix = scopeOf();
        let inner = 0;
        let outer = 0;
        const reserve = makeIdempotent(
          async (event: { orderId: string }) => {
            inner++;
            return { reserved: event.orderId };
          },
          { store: backend.store, key: 'orderId', keyPrefix: innerPrefix, ttlSeconds: 60, clock: clock.now },
        );
        const functionName = `fn-${uniqueKey()}`;
        const handler = middy6(async (event: Order) => {
          outer++;
          // The same key material, awaited inside the outer invocation on the same store object.
          const reservation = await reserve({ orderId: event.orderId });
          return { charged: event.amount, reservation };
        }).use(idempotency<Order>({ store: backend.store, key: 'orderId', name: 'checkout', ttlSeconds: 600, clock: clock.now }));

        const first = await handler(order(orderId), lambdaContext(30_000, functionName));
        expect(first).toEqual({ charged: 42, reservation: { reserved: orderId } });
        const outerId = recordId(`${functionName}:checkout`, orderId);
        const innerId = recordId(innerPrefix, orderId);
        expect(await backend.idsUnder(`${functionName}:checkout`)).toEqual([outerId]);
        expect(await backend.idsUnder(innerPrefix)).toEqual([innerId]);
        const outerRecord = await backend.store.get(outerId);
        const innerRecord = await backend.store.get(innerId);
        expect(outerRecord).toMatchObject({ status: 'COMPLETED', expiresAt: seconds(now) + 600 });
        expect(innerRecord).toMatchObject({ status: 'COMPLETED', expiresAt: seconds(now) + 60 });
        expect(decoded(outerRecord)).toEqual(first);
        expect(decoded(innerRecord)).toEqual({ reserved: orderId });
        await backend.expectServerExpiry(outerId, seconds(now) + 600);
        await backend.expectServerExpiry(innerId, seconds(now) + 60);
        // Each retry replays its own result.
        expect(await handler(order(orderId), lambdaContext(30_000, functionName))).toEqual(first);
        expect(await reserve({ orderId })).toEqual({ reserved: orderId });
        expect([outer, inner]).toEqual([1, 1]);

        // Two siblings in flight at once, each waiting for the other to start.
        const started = [deferred(), deferred()];
        const sibling = (index: 0 | 1, options: { keyPrefix?: string; name?: string; ttlSeconds: number }) =>
          makeIdempotent(
            async (_event: { orderId: string }, _context: Context) => {
              started[index]?.resolve();
              await started[1 - index]?.promise;
              return { sibling: index };
            },
            { store: backend.store, key: 'orderId', clock: clock.now, ...options },
          );
        const prefixed = scopeOf();
        const [a, b] = await Promise.all([
          sibling(0, { keyPrefix: prefixed, ttlSeconds: 120 })({ orderId }, lambdaContext(30_000, functionName)),
          sibling(1, { name: 'refund', ttlSeconds: 240 })({ orderId }, lambdaContext(30_000, functionName)),
        ]);
        expect([a, b]).toEqual([{ sibling: 0 }, { sibling: 1 }]);
        const aId = recordId(prefixed, orderId);
        const bId = recordId(`${functionName}:refund`, orderId);
        expect(await backend.store.get(aId)).toMatchObject({ status: 'COMPLETED', expiresAt: seconds(now) + 120 });
        expect(await backend.store.get(bId)).toMatchObject({ status: 'COMPLETED', expiresAt: seconds(now) + 240 });
        expect(decoded(await backend.store.get(aId))).toEqual({ sibling: 0 });
        expect(decoded(await backend.store.get(bId))).toEqual({ sibling: 1 });
        await backend.expectServerExpiry(aId, seconds(now) + 120);
        await backend.expectServerExpiry(bId, seconds(now) + 240);
      });
    });

    describe.skipIf(skip)('#5714: a lapsed claim has exactly one new owner; a stale owner writes nothing', () => {
      const CLAIMERS = 16;
      // A claim made with 10 s left lapses 10 s + the 3 s clock-skew margin later on the manual clock.
      // The stale owner's real deadline is those 10 s too: with 1 s, a loaded machine could leave its
      // late write 100 ms to answer in, and the test would see a timeout instead of a refusal.
      const STALE_OWNER_REMAINING_MS = 10_000;
      const LAPSE_MS = STALE_OWNER_REMAINING_MS + 3_000 + 1;

      it('many concurrent takeovers: one wins; the old owner late complete, then release, change nothing', async () => {
        const clock = manualClock();
        const sink = warningSink();
        const gates = Array.from({ length: 3 }, () => deferred());
        const ran: number[] = [];
        const keyPrefix = scopeOf();
        const charge = makeIdempotent(
          async (event: { orderId: string; caller: number }, _context: Context) => {
            ran.push(event.caller);
            const turn = ran.length - 1;
            await gates[turn]?.promise;
            if (turn === 1) throw new Error('the second owner fails late');
            return { chargedBy: event.caller };
          },
          { store: backend.store, key: 'orderId', keyPrefix, clock: clock.now, ...sink },
        );
        const orderId = uniqueKey();
        const id = recordId(keyPrefix, orderId);

        // A: claims with 10 s left, then outlives its claim.
        const first = charge({ orderId, caller: -1 }, lambdaContext(STALE_OWNER_REMAINING_MS));
        await expect.poll(() => ran.length).toBe(1);
        const firstLease = (await backend.store.get(id))?.lease;
        clock.advance(LAPSE_MS);

        // Many at once against the lapsed record: one takes it over, every other is refused.
        const racers = Array.from({ length: CLAIMERS }, (_, caller) =>
          settle(charge({ orderId, caller }, lambdaContext(30_000))),
        );
        await expect.poll(() => ran.length).toBe(2);
        const refused = await Promise.all(racers.filter((_, caller) => caller !== ran[1]));
        expect(settledKinds(refused)).toEqual({ InProgressError: CLAIMERS - 1 });
        const taken = await backend.store.get(id);
        expect(taken?.status).toBe('INPROGRESS');
        expect(taken?.lease).not.toBe(firstLease);
        const takenRaw = await backend.raw(id);

        // A returns late: its complete is refused, the new owner's record is untouched.
        gates[0]?.resolve();
        expect(await first).toEqual({ chargedBy: -1 });
        expect(sink.warnings.map((warning) => [warning.name, (warning as LeaseLostError).operation])).toEqual([
          ['LeaseLostError', 'complete'],
        ]);
        expect(await backend.raw(id)).toBe(takenRaw);

        // B's claim lapses in turn; C takes it over; B fails late: its release is refused.
        clock.advance(30_000 + LAPSE_MS);
        const third = charge({ orderId, caller: 100 }, lambdaContext(30_000));
        await expect.poll(() => ran.length).toBe(3);
        const thirdRaw = await backend.raw(id);
        expect(thirdRaw).not.toBe(takenRaw);
        gates[1]?.resolve();
        const late = await racers[ran[1] as number];
        expect(late?.status === 'rejected' && (late.reason as Error).message).toBe('the second owner fails late');
        expect(sink.warnings.map((warning) => (warning as LeaseLostError).operation)).toEqual(['complete', 'release']);
        expect(await backend.raw(id)).toBe(thirdRaw);

        gates[2]?.resolve();
        expect(await third).toEqual({ chargedBy: 100 });
        expect(decoded(await backend.store.get(id))).toEqual({ chargedBy: 100 });
        expect(await charge({ orderId, caller: 200 }, lambdaContext(30_000))).toEqual({ chargedBy: 100 });
        expect(ran).toHaveLength(3);
      });

      it('a takeover whose read is overtaken by the old owner completing never overwrites that result', async () => {
        const clock = manualClock();
        const keyPrefix = scopeOf();
        const ownerWarnings = warningSink();
        const ownerGate = deferred();
        let ownerRuns = 0;
        let takeoverRuns = 0;
        const orderId = uniqueKey();
        const id = recordId(keyPrefix, orderId);
        const options = { key: 'orderId', keyPrefix, clock: clock.now } as const;
        const owner = makeIdempotent(
          async (_event: { orderId: string }, _context: Context) => {
            ownerRuns++;
            await ownerGate.promise;
            return { chargedBy: 'owner' };
          },
          { ...options, store: backend.store, ...ownerWarnings },
        );
        const other = backend.heldStore();
        const takeover = makeIdempotent(
          async (_event: { orderId: string }, _context: Context) => {
            takeoverRuns++;
            return { chargedBy: 'takeover' };
          },
          { ...options, store: other.store, ...warningSink() },
        );

        const ownerCall = settle(owner({ orderId }, lambdaContext(STALE_OWNER_REMAINING_MS)));
        await expect.poll(() => ownerRuns).toBe(1);
        clock.advance(LAPSE_MS);
        // The other container reads the lapsed claim; its write waits while the owner completes.
        const takeoverCall = settle(takeover({ orderId }, lambdaContext(30_000)));
        await Promise.race([other.held, takeoverCall]);
        ownerGate.resolve();
        expect(await ownerCall).toEqual({ status: 'fulfilled', value: { chargedBy: 'owner' } });
        const ownerApplied = ownerWarnings.warnings.length === 0;
        other.release();
        const taken = await takeoverCall;
        await other.close();

        if (other.wasHeld()) {
          // The takeover's write came after the completion: it must find the result and replay it.
          expect(ownerApplied).toBe(true);
          expect(taken).toEqual({ status: 'fulfilled', value: { chargedBy: 'owner' } });
          expect(takeoverRuns).toBe(0);
          expect(decoded(await backend.store.get(id))).toEqual({ chargedBy: 'owner' });
        } else {
          // A store that claims in one conditional write (DynamoDB) took over before the completion:
          // the owner's late complete is the refused one.
          expect(ownerApplied).toBe(false);
          expect(taken).toEqual({ status: 'fulfilled', value: { chargedBy: 'takeover' } });
          expect(takeoverRuns).toBe(1);
          expect(decoded(await backend.store.get(id))).toEqual({ chargedBy: 'takeover' });
        }
      });
    });

    describe.skipIf(skip)('#5716: the server honours every conditional write and expiry this client sends', () => {
      it('claim, refusals, completion, takeover and release each land on the server with their expiry', async () => {
        const clock = manualClock();
        const start = clock.now();
        const sink = warningSink();
        const gates = new Map<string, ReturnType<typeof deferred<void>>>();
        let executions = 0;
        const keyPrefix = scopeOf();
        const charge = makeIdempotent(
          async (event: { orderId: string; fail?: boolean }, _context: Context) => {
            executions++;
            await gates.get(event.orderId)?.promise;
            if (event.fail) throw new Error('declined');
            return { charged: event.orderId };
          },
          { store: backend.store, key: 'orderId', keyPrefix, ttlSeconds: 600, clock: clock.now, ...sink },
        );

        // The claim: a conditional create, with the record's window as its expiry.
        const orderId = uniqueKey();
        const id = recordId(keyPrefix, orderId);
        gates.set(orderId, deferred());
        const owner = charge({ orderId }, lambdaContext(30_000));
        await expect.poll(() => backend.raw(id)).toBeDefined();
        expect(await backend.store.get(id)).toMatchObject({
          status: 'INPROGRESS',
          expiresAt: seconds(start) + 600,
          inProgressUntil: start + 30_000,
        });
        await backend.expectServerExpiry(id, seconds(start) + 600);
        const claimed = await backend.raw(id);

        // Duplicates while it is live: the condition refuses every one, the record is unchanged.
        const duplicates = await Promise.allSettled(Array.from({ length: 8 }, () => charge({ orderId }, lambdaContext(30_000))));
        expect(settledKinds(duplicates)).toEqual({ InProgressError: 8 });
        expect(await backend.raw(id)).toBe(claimed);

        // The completion moves the expiry to the end of its own window.
        clock.advance(100_000);
        gates.get(orderId)?.resolve();
        await owner;
        expect(await backend.store.get(id)).toMatchObject({ status: 'COMPLETED', expiresAt: seconds(start) + 700 });
        await backend.expectServerExpiry(id, seconds(start) + 700);

        // A fresh key claimed by many at once: the server lets exactly one create it.
        const contested = uniqueKey();
        gates.set(contested, deferred());
        let refusals = 0;
        const racers = Array.from({ length: 8 }, () =>
          settle(charge({ orderId: contested }, lambdaContext(30_000))).then((result) => {
            if (result.status === 'rejected') refusals++;
            return result;
          }),
        );
        // The winner is held until every other claim has been answered: none can replay instead.
        await expect.poll(() => refusals).toBe(7);
        gates.get(contested)?.resolve();
        expect(settledKinds(await Promise.all(racers))).toEqual({ fulfilled: 1, InProgressError: 7 });
        expect(executions).toBe(2);

        // A lapsed claim taken over: the takeover writes its own expiry; the old owner's complete is refused.
        const lapsing = uniqueKey();
        const lapsingId = recordId(keyPrefix, lapsing);
        const staleGate = deferred();
        gates.set(lapsing, staleGate);
        // 30 s of real time left (so a loaded machine cannot end it first); its claim lapses on the manual clock.
        const stale = charge({ orderId: lapsing }, lambdaContext(30_000));
        // Its handler must be running (holding its gate) before the gate goes: a claim on the server
        // is not enough, the handler starts a moment later and would finish at once.
        await expect.poll(() => executions).toBe(3);
        const lapsed = await backend.raw(lapsingId);
        clock.advance(200_000);
        gates.delete(lapsing);
        expect(await charge({ orderId: lapsing }, lambdaContext(30_000))).toEqual({ charged: lapsing });
        expect(executions, 'the takeover ran the handler (it did not replay)').toBe(4);
        await backend.expectServerExpiry(lapsingId, seconds(start) + 900);
        const takenOver = await backend.raw(lapsingId);
        expect(takenOver).not.toBe(lapsed);
        staleGate.resolve();
        expect(await stale).toEqual({ charged: lapsing });
        expect(sink.warnings.map((warning) => (warning as LeaseLostError).operation)).toEqual(['complete']);
        expect(await backend.raw(lapsingId)).toBe(takenOver);

        // A completed record past its window: the condition lets a new claim replace it.
        clock.advance(700_000);
        expect(await charge({ orderId }, lambdaContext(30_000))).toEqual({ charged: orderId });
        await backend.expectServerExpiry(id, seconds(start) + 1_600);

        // A failure releases: the record is gone from the server.
        const failing = uniqueKey();
        await expect(charge({ orderId: failing, fail: true }, lambdaContext(30_000))).rejects.toThrow('declined');
        expect(await backend.raw(recordId(keyPrefix, failing))).toBeUndefined();
      });
    });
  });
