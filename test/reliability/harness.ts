import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashMaterial } from '../../src/engine/hash.js';
import { type Claim, createIdempotencyEngine, type IdempotencyEngine, type IdempotencyStore } from '../../src/engine/index.js';
import { DynamoDBStore, type IdempotencyWarning } from '../../src/index.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { returnsItemOnConditionFailure, type Transport } from '../support/fixtures.js';
import {
  type CallOutcome,
  type Execution,
  Ledger,
  MODEL_CLOCK_SKEW_MS,
  type Observed,
  observe,
  type StepRecord,
} from '../support/idempotency-model.js';
import { emulateReturnedOldItem } from '../support/return-old-item.js';

/** Whether `npm run soak` asked for the long runs. */
export const SOAK = process.env.IDEMPOTENCY_SOAK === '1' || process.env.IDEMPOTENCY_SOAK === 'true';

/** The input every engine in these tests keys on: `{ id: key }`. */
export interface KeyedInput {
  readonly id: string;
}

const KEY_PREFIX = 'reliability';

/**
 * What a step needs of a store under test, whichever store it is: the side-effect ledger, the
 * record as the server holds it (read past the faults), fault rules of the store's own kind, and
 * containers of the function under test.
 */
export interface StoreHarness<TRule> {
  readonly ledger: Ledger;
  readonly warnings: IdempotencyWarning[];
  recordId(key: string): string;
  /** The record with this id, read straight from the server, never through the faults. */
  observe(id: string): Promise<Observed>;
  /** Puts a fault rule in force until its `remove()`. */
  inject(rule: TRule): { hits(): number; remove(): void };
  /** Waits until every request about this record that a fault held back has reached the server. */
  drain(id: string): Promise<void>;
  /** How many requests have been faulted so far. */
  faultsInjected(): number;
  /** Brings the store back to a steady state a step starts from (clients reconnected, caches warm). */
  beforeStep?(): Promise<void>;
  /** One container of the function under test (an engine with these options, over both clients). */
  container(options: ContainerOptions): Container;
  stop(): Promise<void>;
}

/**
 * Everything a reliability test needs: dynalite behind the fault proxy, a store whose client
 * talks through the proxy with short timeouts, a direct client that reads records untouched by
 * faults, and the side-effect ledger.
 */
export interface Harness extends StoreHarness<FaultRule> {
  readonly proxy: FaultProxy;
  readonly direct: DynamoDBClient;
  readonly table: TestTable;
  readonly store: DynamoDBStore;
  /** Whether the store's endpoint returns the old item with a failed condition (then a duplicate sends no GetItem). */
  readonly returnsItemOnConditionFailure: boolean;
}

export interface ContainerOptions {
  readonly clock: () => number;
  readonly inProgressTimeoutMs: number;
  readonly ttlSeconds: number;
  readonly localCache?: boolean;
}

/**
 * A Lambda container of the function under test. Steps with fault rules use the client with short
 * timeouts; steps without use one with patient timeouts, so that a slow answer from a busy machine
 * is not mistaken for a fault where the model expects none.
 */
export interface Container {
  readonly faulty: IdempotencyEngine<KeyedInput>;
  readonly calm: IdempotencyEngine<KeyedInput>;
}

export interface HarnessOptions {
  readonly seed?: number;
  readonly timeoutMs?: number;
  readonly delayMs?: number;
  /**
   * Make the store's clients behave as DynamoDB does where dynalite does not: a failed claim
   * carries the existing item, read through the direct client (so no fault reaches that read).
   */
  readonly emulateReturnedOldItem?: boolean;
  /** The store's own transport (default), or an AWS SDK client passed as `client`. */
  readonly transport?: Transport;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const transport = options.transport ?? 'lean';
  const direct = testClient();
  const table = await createTable(direct);
  const lean = transport === 'lean';
  // The lean transport has no middleware to emulate DynamoDB with: the proxy answers as DynamoDB would.
  const proxy = await new FaultProxy({
    upstream: endpoint(),
    seed: options.seed,
    delayMs: options.delayMs,
    ...(lean && options.emulateReturnedOldItem && { returnOldItemKey: 'id' }),
  }).start();
  const client = faultClient(proxy.endpoint, { timeoutMs: options.timeoutMs });
  const calmClient = faultClient(proxy.endpoint, { timeoutMs: 10_000 });
  if (options.emulateReturnedOldItem && !lean) {
    for (const emulating of [client, calmClient]) emulateReturnedOldItem(emulating, direct, table.name);
  }
  const timeoutMs = options.timeoutMs ?? 250;
  // As fault-client.ts does for the SDK: short timeouts under faults, fast retries, a patient twin.
  const leanStore = (requestTimeoutMs: number) =>
    new DynamoDBStore({
      tableName: table.name,
      endpoint: proxy.endpoint,
      requestTimeoutMs,
      connectTimeoutMs: requestTimeoutMs,
      retryBaseDelayMs: 5,
    });
  const store = lean ? leanStore(timeoutMs) : new DynamoDBStore({ tableName: table.name, client });
  const calmStore = lean ? leanStore(10_000) : new DynamoDBStore({ tableName: table.name, client: calmClient });
  const warnings: IdempotencyWarning[] = [];
  const engineOver = (over: DynamoDBStore, engineOptions: ContainerOptions) => reliabilityEngine(over, engineOptions, warnings);
  return {
    proxy,
    direct,
    table,
    store,
    ledger: new Ledger(),
    warnings,
    returnsItemOnConditionFailure: await returnsItemOnConditionFailure(calmClient, table.name),
    recordId: reliabilityRecordId,
    observe: (id) => observe(direct, table.name, id),
    inject: (rule) => proxy.inject(rule),
    drain: (id) => proxy.drain(id),
    faultsInjected: () => proxy.faultsInjected(),
    container: (engineOptions) => ({ faulty: engineOver(store, engineOptions), calm: engineOver(calmStore, engineOptions) }),
    async stop() {
      await proxy.stop();
      client.destroy();
      calmClient.destroy();
      await table.drop();
      direct.destroy();
    },
  };
}

/** The engine every reliability test runs: keyed on `id`, the model's clock-skew margin, warnings collected. */
export function reliabilityEngine(
  store: IdempotencyStore,
  options: ContainerOptions,
  warnings: IdempotencyWarning[],
): IdempotencyEngine<KeyedInput> {
  return createIdempotencyEngine<KeyedInput>({
    store,
    key: 'id',
    keyPrefix: KEY_PREFIX,
    clockSkewMs: MODEL_CLOCK_SKEW_MS,
    // Each story faults its own record's requests, many stories at once on one store: an open
    // circuit would spare one story the requests another's faults made fail. The circuit has its
    // own tests (test/engine/store-outage.test.ts, test/reliability/dynamodb-outage.test.ts).
    circuitBreaker: false,
    ...options,
    logger: { warn: () => undefined },
    onWarning: (warning) => void warnings.push(warning),
  });
}

/** The record id the reliability engines give `key`. */
export function reliabilityRecordId(key: string): string {
  return `${KEY_PREFIX}#${hashMaterial(key)}`;
}

/** One invocation in a step: a call that runs to the end, or an attempt that dies mid-handler. */
export interface StepInvocation {
  /** The container it runs in. */
  readonly container: Container;
  readonly key: string;
  /**
   * `call` runs to the end; `crash` dies mid-handler (its claim is never settled); `stall` stops
   * mid-handler and is resumed by a later step (`resumeStalled`), perhaps after its claim lapsed.
   */
  readonly kind: 'call' | 'crash' | 'stall';
  /** The handler throws instead of returning. */
  readonly handlerThrows?: boolean;
}

/** An attempt that claimed its key and is still "inside the handler". */
export interface Stalled {
  readonly key: string;
  readonly attempt: Claim;
  readonly execution: Execution;
}

export class HandlerFailure extends Error {
  override name = 'HandlerFailure';
}

/**
 * Runs invocations concurrently at one instant of the engine's clock, with `rules` in force, and
 * returns what the model needs per key: the record before and after, executions and call outcomes.
 */
export async function runStep<TRule>(
  harness: StoreHarness<TRule>,
  now: number,
  invocations: readonly StepInvocation[],
  rules: readonly TRule[] = [],
  stalled: Stalled[] = [],
): Promise<StepRecord[]> {
  const { ledger } = harness;
  await harness.beforeStep?.();
  const keys = [...new Set(invocations.map((invocation) => invocation.key))];
  const pre = await Promise.all(keys.map((key) => harness.observe(harness.recordId(key))));
  const ledgerStart = ledger.executions.length;
  const injected = rules.map((rule) => harness.inject(rule));
  const calls: CallOutcome[] = [];
  try {
    await Promise.all(
      invocations.map(async (invocation) => {
        const engine = rules.length > 0 ? invocation.container.faulty : invocation.container.calm;
        const outcome = await invoke(harness, engine, invocation, stalled);
        if (outcome !== undefined) calls.push(outcome);
      }),
    );
    // Requests the proxy held back land before the record is read again.
    await Promise.all(keys.map((key) => harness.drain(harness.recordId(key))));
  } finally {
    for (const rule of injected) rule.remove();
  }
  // Only a step on the patient client is judged fault-free: with short timeouts, a busy machine
  // can fail a request no rule touched.
  const faultFree = injected.length === 0;
  const faultsInjected = injected.reduce((sum, rule) => sum + rule.hits(), 0);
  const post = await Promise.all(keys.map((key) => harness.observe(harness.recordId(key))));
  return keys.map((key, index) => ({
    key,
    now,
    pre: pre[index]!,
    post: post[index]!,
    executions: ledger.since(ledgerStart, key),
    calls: calls.filter((call) => call.key === key),
    faultFree,
    faultsInjected,
  }));
}

async function invoke(
  harness: StoreHarness<unknown>,
  engine: IdempotencyEngine<KeyedInput>,
  invocation: StepInvocation,
  stalled: Stalled[],
): Promise<CallOutcome | undefined> {
  const { key } = invocation;
  const { ledger } = harness;
  if (invocation.kind !== 'call') {
    try {
      const begun = await engine.begin({ input: { id: key }, scope: 'unused' });
      if (begun.kind !== 'claimed') return undefined;
      const execution = ledger.start(key);
      // A crashed process never settles its claim; a stalled one settles it later.
      if (invocation.kind === 'crash') ledger.finish(execution, 'crashed');
      else stalled.push({ key, attempt: begun.claim, execution });
    } catch {
      // It died (or was refused) before its claim: nothing ran.
    }
    return undefined;
  }
  try {
    const value = await engine.run({ input: { id: key }, scope: 'unused' }, async () => {
      const execution = ledger.start(key);
      // Let concurrent duplicates reach DynamoDB while this one is "working".
      await yieldToLoop();
      if (invocation.handlerThrows) {
        ledger.finish(execution, 'threw');
        throw new HandlerFailure(`handler for ${key} failed`);
      }
      const result = { key, execution: execution.startSeq };
      ledger.finish(execution, 'ok', result);
      return result;
    });
    return { key, ok: true, value };
  } catch (error) {
    return { key, ok: false, error: error instanceof Error ? error.name : String(error) };
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** A markdown table, for the test output and docs/reliability.md (scripts/docs-tables.ts). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // At least 3 wide: a markdown delimiter row needs three dashes (and the formatter insists).
  const widths = header.map((cell, column) => Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
