import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { hashMaterial } from '../../src/engine/hash.js';
import { invocationContext } from '../../src/lambda/invocation.js';
import { deferred, lambdaContext, type StoreFixture } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * Forces interleavings through the handlers' own awaits: each `pause()` waits until the driver picks
 * it, and the driver picks the waiting pauses one at a time in a seeded random order, so a failing
 * interleaving is replayed by its seed, not by the machine's timing.
 */
export function interleaver(seed: number) {
  const random = seededRandom(seed);
  const waiting: (() => void)[] = [];
  let released = 0;
  return {
    pause(): Promise<void> {
      const turn = deferred();
      waiting.push(turn.resolve);
      return turn.promise;
    },
    /** How many pauses the driver released: proof that the invocations did overlap. */
    get released() {
      return released;
    },
    /** Releases pauses until every invocation settled. The driver, their caller, must never find itself inside one. */
    async drive<T>(invocations: readonly Promise<T>[]): Promise<T[]> {
      let settled = false;
      const all = Promise.allSettled(invocations).finally(() => {
        settled = true;
      });
      while (!settled) {
        // One event-loop turn: the released invocation runs to its next pause or request.
        await new Promise((resolve) => setImmediate(resolve));
        const leaked = invocationContext();
        if (leaked !== undefined) throw new Error(`invocation of ${leaked.functionName} leaked into its caller`);
        if (waiting.length === 0) continue;
        const [resolve] = waiting.splice(Math.floor(random() * waiting.length), 1);
        resolve?.();
        released++;
      }
      return (await all).map((result) => {
        if (result.status === 'rejected') throw result.reason;
        return result.value;
      });
    },
  };
}

/** A context whose deadline is fixed, as Lambda's is: its remaining time shrinks with the clock. */
export function contextWithDeadline(deadline: number, functionName: string): Context {
  return lambdaContext(() => deadline - Date.now(), functionName);
}

/** A Lambda function name of the test's own, so its records share no scope with another test's. */
export function functionNameFor(label: string): string {
  return `lmi-${label.replace(/[^A-Za-z0-9-]/g, '-')}-${randomUUID().slice(0, 8)}`;
}

/** Distinct deadlines, far enough apart that a claim made for another invocation's deadline shows. */
export function spacedDeadlines(count: number, spacingMs = 2_000): number[] {
  const base = Date.now() + 60_000;
  return Array.from({ length: count }, (_, index) => base + index * spacingMs);
}

/** The in-progress expiry (epoch ms) of the record of `key` in `scope`, while its claim is held. */
export async function claimExpiryOf(fixture: StoreFixture, scope: string, key: unknown): Promise<number> {
  const item = await fixture.rawItem(`${scope}#${hashMaterial(key)}`);
  return Number((item?.in_progress_expiration as { N?: string } | undefined)?.N);
}

/** Each of `keys` `copies` times, in a seeded shuffled order: duplicates overlap with each other and with other keys. */
export function shuffledCopies<T>(keys: readonly T[], copies: number, seed: number): T[] {
  const random = seededRandom(seed);
  const all = keys.flatMap((key) => Array.from({ length: copies }, () => key));
  for (let index = all.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [all[index], all[other]] = [all[other] as T, all[index] as T];
  }
  return all;
}

/** How far a claim's expiry may sit from its invocation's deadline: the claim's own write, on a busy machine. */
export const DEADLINE_TOLERANCE_MS = 500;
