import { readFileSync, writeFileSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashMaterial } from '../../src/engine/hash.js';
import { createIdempotencyEngine, DynamoDBStore, type IdempotencyEngine, type IdempotencyWarning } from '../../src/index.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy, type FaultRule, type InjectedRule } from '../support/fault-proxy.js';
import { type CallOutcome, Ledger, observe, type StepRecord } from '../support/idempotency-model.js';

/** Whether `npm run soak` asked for the long runs. */
export const SOAK = process.env.IDEMPOTENCY_SOAK === '1' || process.env.IDEMPOTENCY_SOAK === 'true';

/** The input every engine in these tests keys on: `{ id: key }`. */
export interface KeyedInput {
  readonly id: string;
}

const KEY_PREFIX = 'reliability';

/**
 * Everything a reliability test needs: dynalite behind the fault proxy, a store whose client
 * talks through the proxy with short timeouts, a direct client that reads records untouched by
 * faults, and the side-effect ledger.
 */
export interface Harness {
  readonly proxy: FaultProxy;
  readonly direct: DynamoDBClient;
  readonly table: TestTable;
  readonly store: DynamoDBStore;
  readonly ledger: Ledger;
  readonly warnings: IdempotencyWarning[];
  recordId(key: string): string;
  engine(options: { clock: () => number; inProgressTimeoutMs: number; ttlSeconds: number }): IdempotencyEngine<KeyedInput>;
  stop(): Promise<void>;
}

export async function startHarness(options: { seed?: number; timeoutMs?: number; delayMs?: number } = {}): Promise<Harness> {
  const direct = testClient();
  const table = await createTable(direct);
  const proxy = await new FaultProxy({ upstream: endpoint(), seed: options.seed, delayMs: options.delayMs }).start();
  const client = faultClient(proxy.endpoint, { timeoutMs: options.timeoutMs });
  const store = new DynamoDBStore({ tableName: table.name, client });
  const warnings: IdempotencyWarning[] = [];
  return {
    proxy,
    direct,
    table,
    store,
    ledger: new Ledger(),
    warnings,
    recordId: (key) => `${KEY_PREFIX}#${hashMaterial(key)}`,
    engine: (engineOptions) =>
      createIdempotencyEngine<KeyedInput>({
        store,
        key: 'id',
        keyPrefix: KEY_PREFIX,
        ...engineOptions,
        logger: { warn: () => undefined },
        onWarning: (warning) => void warnings.push(warning),
      }),
    async stop() {
      await proxy.stop();
      client.destroy();
      await table.drop();
      direct.destroy();
    },
  };
}

/** One invocation in a step: a call that runs to the end, or an attempt that dies mid-handler. */
export interface StepInvocation {
  readonly key: string;
  readonly kind: 'call' | 'crash';
  /** The handler throws instead of returning. */
  readonly handlerThrows?: boolean;
}

export class HandlerFailure extends Error {
  override name = 'HandlerFailure';
}

/**
 * Runs invocations concurrently at one instant of the engine's clock, with `rules` in force, and
 * returns what the model needs per key: the record before and after, executions and call outcomes.
 */
export async function runStep(
  harness: Harness,
  engine: IdempotencyEngine<KeyedInput>,
  now: number,
  invocations: readonly StepInvocation[],
  rules: readonly FaultRule[] = [],
): Promise<StepRecord[]> {
  const { ledger, proxy } = harness;
  const keys = [...new Set(invocations.map((invocation) => invocation.key))];
  const pre = await Promise.all(keys.map((key) => observe(harness.direct, harness.table.name, harness.recordId(key))));
  const ledgerStart = ledger.executions.length;
  const injected: InjectedRule[] = rules.map((rule) => proxy.inject(rule));
  const calls: CallOutcome[] = [];
  try {
    await Promise.all(
      invocations.map(async (invocation) => {
        const outcome = await invoke(harness, engine, invocation);
        if (outcome !== undefined) calls.push(outcome);
      }),
    );
    // Requests the proxy held back land before the record is read again.
    await Promise.all(keys.map((key) => proxy.drain(harness.recordId(key))));
  } finally {
    for (const rule of injected) rule.remove();
  }
  const faultFree = injected.every((rule) => rule.hits() === 0);
  const post = await Promise.all(keys.map((key) => observe(harness.direct, harness.table.name, harness.recordId(key))));
  return keys.map((key, index) => ({
    key,
    now,
    pre: pre[index]!,
    post: post[index]!,
    executions: ledger.since(ledgerStart, key),
    calls: calls.filter((call) => call.key === key),
    faultFree,
  }));
}

async function invoke(
  harness: Harness,
  engine: IdempotencyEngine<KeyedInput>,
  invocation: StepInvocation,
): Promise<CallOutcome | undefined> {
  const { key } = invocation;
  const { ledger } = harness;
  if (invocation.kind === 'crash') {
    // The process dies after its claim, inside the handler: the claim is never settled.
    try {
      const begun = await engine.begin({ input: { id: key }, scope: 'unused' });
      if (begun.kind === 'claimed') ledger.finish(ledger.start(key), 'crashed');
    } catch {
      // It died before its claim: nothing ran.
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

/** A markdown table, for the test output and docs/reliability.md. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const DOCS = new URL('../../docs/reliability.md', import.meta.url);

/**
 * With IDEMPOTENCY_WRITE_DOCS=1, replaces the part of docs/reliability.md between
 * `<!-- name:start -->` and `<!-- name:end -->` with what this run measured.
 */
export function publish(name: string, markdown: string): void {
  if (process.env.IDEMPOTENCY_WRITE_DOCS !== '1') return;
  const text = readFileSync(DOCS, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/reliability.md has no ${start} ... ${end} section`);
  writeFileSync(DOCS, `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`);
}
