import { isDeepStrictEqual } from 'node:util';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decompress } from '../../src/engine/result-codec.js';

/**
 * A reference model of the protocol's guarantees, checked against what really happened: the
 * handler executions (the side-effect ledger), what every call returned, and the record read
 * straight from the store's server (DynamoDB or Valkey, never through the fault proxy) before and
 * after each step.
 *
 * A step ("batch") is a set of invocations that run concurrently while the engine's clock stands
 * still; the clock only moves between steps, and every request of a step (even one the proxy held
 * back) has reached the server before the record is read again.
 */

/** The record of one key as the server holds it. */
export type Observed =
  | { readonly status: 'ABSENT' }
  | {
      readonly status: string;
      readonly lease: string | undefined;
      readonly expiresAt: number | undefined;
      readonly inProgressUntil: number | undefined;
      /** The decoded stored result (JSON), when there is one. */
      readonly result: unknown;
      /** The whole item, canonical: two reads of an untouched record give the same text. */
      readonly identity: string;
    };

export interface Execution {
  readonly key: string;
  /** Sequence numbers from one counter shared by all executions: the order things happened in. */
  readonly startSeq: number;
  endSeq: number | undefined;
  outcome: 'running' | 'ok' | 'threw' | 'crashed';
  value: unknown;
}

export type CallOutcome =
  | { readonly key: string; readonly ok: true; readonly value: unknown }
  | { readonly key: string; readonly ok: false; readonly error: string };

export type ViolationKind =
  /** The handler ran while a live claim or a live result stood for its key. */
  | 'double-execution'
  /** A live record (a result or another attempt's claim) was changed or deleted. */
  | 'overwritten'
  /** A call returned something other than the result of its window's execution. */
  | 'wrong-replay'
  /** A handler succeeded, nothing failed, and its result is not stored (or was released). */
  | 'lost-result'
  /** Without faults, a key whose claim had expired was still refused. */
  | 'stuck-claim';

export interface Violation {
  readonly kind: ViolationKind;
  readonly key: string;
  readonly detail: string;
}

export interface StepRecord {
  readonly key: string;
  /** The engine's clock during the step, epoch milliseconds. */
  readonly now: number;
  readonly pre: Observed;
  readonly post: Observed;
  /** This key's executions during the step. */
  readonly executions: readonly Execution[];
  /** This key's calls during the step (crashed attempts make none). */
  readonly calls: readonly CallOutcome[];
  /** The step ran without fault rules: every call should have reached the server. */
  readonly faultFree: boolean;
  /** How many requests of the step the proxy faulted. */
  readonly faultsInjected: number;
}

/**
 * The clock-skew margin the harness gives its engines: lapse is judged this long before `now`,
 * as the engine does (`ClaimRequest.now` = clock − skew).
 */
export const MODEL_CLOCK_SKEW_MS = 500;

/** Whether a record still stands in the way of a new claim at `clockNow` (the store's claim condition, judged at clock − skew). */
export function isLive(record: Observed, clockNow: number): boolean {
  const now = clockNow - MODEL_CLOCK_SKEW_MS;
  if (record.status === 'ABSENT' || !('expiresAt' in record)) return false;
  if (record.expiresAt === undefined || record.expiresAt < Math.floor(now / 1000)) return false;
  if (record.status === 'INPROGRESS') return record.inProgressUntil === undefined || record.inProgressUntil >= now;
  return true;
}

function resultOf(record: Observed): unknown {
  return 'result' in record ? record.result : undefined;
}

function same(a: Observed, b: Observed): boolean {
  if (a.status === 'ABSENT' || b.status === 'ABSENT') return a.status === b.status;
  return 'identity' in a && 'identity' in b && a.identity === b.identity;
}

/** Checks one key's step against the model; an empty list means every guarantee held. */
export function checkStep(step: StepRecord): Violation[] {
  const { key, now, pre, post, calls, faultFree } = step;
  const violations: Violation[] = [];
  const flag = (kind: ViolationKind, detail: string) => violations.push({ kind, key, detail });
  const executions = [...step.executions].sort((a, b) => a.startSeq - b.startSeq);
  const succeeded = calls.filter((call): call is Extract<CallOutcome, { ok: true }> => call.ok);

  if (isLive(pre, now)) {
    for (const execution of executions) {
      flag('double-execution', `ran (#${execution.startSeq}) while a live ${pre.status} record stood`);
    }
    if (!same(pre, post)) flag('overwritten', `live ${pre.status} record changed to ${post.status}`);
    for (const call of succeeded) {
      if (pre.status !== 'COMPLETED')
        flag('wrong-replay', `returned ${JSON.stringify(call.value)} while the key was in progress`);
      else if (!isDeepStrictEqual(call.value, resultOf(pre)))
        flag('wrong-replay', `returned ${JSON.stringify(call.value)}, stored ${JSON.stringify(resultOf(pre))}`);
    }
    return violations;
  }

  // No live record: executions may follow one another only when each earlier one failed and
  // released its claim before the next began; the last may succeed or crash.
  for (let index = 0; index + 1 < executions.length; index++) {
    const current = executions[index]!;
    const next = executions[index + 1]!;
    if (current.outcome !== 'threw' || current.endSeq === undefined || current.endSeq > next.startSeq) {
      flag('double-execution', `#${next.startSeq} ran after #${current.startSeq} (${current.outcome}) in one window`);
    }
  }
  const winner = executions.find((execution) => execution.outcome === 'ok');
  for (const call of succeeded) {
    if (winner === undefined) flag('wrong-replay', `returned ${JSON.stringify(call.value)} with no execution in its window`);
    else if (!isDeepStrictEqual(call.value, winner.value))
      flag(
        'wrong-replay',
        `returned ${JSON.stringify(call.value)}, the window's execution returned ${JSON.stringify(winner.value)}`,
      );
  }
  if (post.status === 'COMPLETED' && !same(pre, post)) {
    if (winner === undefined) flag('overwritten', `a result ${JSON.stringify(resultOf(post))} appeared with no execution`);
    else if (!isDeepStrictEqual(resultOf(post), winner.value))
      flag('overwritten', `stored ${JSON.stringify(resultOf(post))}, the execution returned ${JSON.stringify(winner.value)}`);
  }
  if (winner !== undefined && post.status === 'ABSENT') flag('lost-result', 'the claim was deleted after the handler succeeded');
  if (winner !== undefined && faultFree && !(post.status === 'COMPLETED' && isDeepStrictEqual(resultOf(post), winner.value))) {
    flag('lost-result', `no fault, yet the record is ${post.status}`);
  }
  // A crashed attempt, or one still inside its handler, holds its claim through the step.
  const holding = executions.at(-1)?.outcome;
  if ((holding === 'crashed' || holding === 'running') && post.status !== 'INPROGRESS') {
    flag('overwritten', `a ${holding} attempt's claim became ${post.status}`);
  }
  if (faultFree && calls.length > 0 && executions.length === 0) {
    flag('stuck-claim', `${calls.length} call(s) refused (${describeErrors(calls)}) although no live record stood`);
  }
  return violations;
}

/** An attempt that stalled inside its handler, settled in a later step, perhaps after its claim lapsed. */
export interface ResumeRecord {
  readonly key: string;
  /** The lease its claim carried. */
  readonly lease: string | undefined;
  readonly settled: 'complete' | 'fail';
  readonly value: unknown;
  readonly pre: Observed;
  readonly post: Observed;
}

/**
 * A late attempt may settle its own claim (complete it with its value, or delete it), and nothing
 * else: once another attempt has taken the key over, the record must come through untouched.
 */
export function checkResume(resume: ResumeRecord): Violation[] {
  const { key, lease, settled, value, pre, post } = resume;
  const owns = pre.status === 'INPROGRESS' && 'lease' in pre && lease !== undefined && pre.lease === lease;
  if (same(pre, post)) return [];
  const allowed =
    owns &&
    ((settled === 'complete' && post.status === 'COMPLETED' && isDeepStrictEqual(resultOf(post), value)) ||
      (settled === 'fail' && post.status === 'ABSENT'));
  if (allowed) return [];
  const why = owns ? 'settled its own claim wrongly' : 'had lost its lease';
  return [
    { kind: 'overwritten', key, detail: `a late ${settled} that ${why} turned a ${pre.status} record into ${post.status}` },
  ];
}

function describeErrors(calls: readonly CallOutcome[]): string {
  return [...new Set(calls.map((call) => (call.ok ? 'ok' : call.error)))].join(', ');
}

/** Reads a record straight from DynamoDB into the model's terms. */
export async function observe(client: DynamoDBClient, tableName: string, id: string): Promise<Observed> {
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }));
  if (Item === undefined) return { status: 'ABSENT' };
  const item = unmarshall(Item);
  return {
    status: String(item.status),
    lease: typeof item.lease === 'string' ? item.lease : undefined,
    expiresAt: typeof item.expiration === 'number' ? item.expiration : undefined,
    inProgressUntil: typeof item.in_progress_expiration === 'number' ? item.in_progress_expiration : undefined,
    result: decodeResult(item.result),
    identity: JSON.stringify(item, (_name, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('base64') : sortKeys(value),
    ),
  };
}

function decodeResult(value: unknown): unknown {
  if (typeof value === 'string') return JSON.parse(value);
  if (value instanceof Uint8Array) return JSON.parse(decompress(value));
  return value;
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The side-effect ledger: every handler execution, in order. */
export class Ledger {
  #seq = 0;
  readonly executions: Execution[] = [];

  /** Call first thing in the handler: the side effect is considered done from here on. */
  start(key: string): Execution {
    const execution: Execution = { key, startSeq: ++this.#seq, endSeq: undefined, outcome: 'running', value: undefined };
    this.executions.push(execution);
    return execution;
  }

  finish(execution: Execution, outcome: 'ok' | 'threw' | 'crashed', value?: unknown): void {
    execution.endSeq = ++this.#seq;
    execution.outcome = outcome;
    execution.value = value;
  }

  since(index: number, key: string): Execution[] {
    return this.executions.slice(index).filter((execution) => execution.key === key);
  }
}

/** Counts violations by kind, for the tables the tests print. */
export function tally(violations: readonly Violation[]): Record<ViolationKind, number> {
  const counts: Record<ViolationKind, number> = {
    'double-execution': 0,
    overwritten: 0,
    'wrong-replay': 0,
    'lost-result': 0,
    'stuck-claim': 0,
  };
  for (const violation of violations) counts[violation.kind]++;
  return counts;
}
