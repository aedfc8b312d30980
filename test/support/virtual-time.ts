import type * as timers from 'node:timers/promises';

/**
 * Time a test moves by hand: a clock for the engine's `clock` option and the memory store, and the
 * `setTimeout` of `node:timers/promises` that the engine sleeps with (its complete retries, its
 * waits for an in-progress key). A sleep resolves only when the test moves the clock past its end,
 * so a test decides what happens during a wait and runs in no wall time at all.
 *
 * A test file routes the engine's sleeps here (vi.mock must sit in the test file itself):
 *   vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));
 */
export interface VirtualTime {
  /** The current time in epoch milliseconds: pass it as the engine's `clock`. */
  readonly now: () => number;
  /** Every sleep begun so far, in milliseconds, in the order asked. */
  readonly sleeps: readonly number[];
  /** How many sleeps are still waiting for the clock. */
  pendingSleeps(): number;
  /** Moves the clock by `ms`, waking each sleep that ends on the way, in order, at its own instant. */
  advance(ms: number): Promise<void>;
  /** Moves the clock from one sleep's end to the next until `promise` settles; fails if it can never settle. */
  settle<T>(promise: Promise<T>): Promise<T>;
}

interface Sleeper {
  readonly at: number;
  readonly order: number;
  wake(): void;
}

/** A round of the event loop: everything already resolved runs to its next real wait. No timer. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let active: (VirtualTime & { sleep(ms: number): Promise<void> }) | undefined;

/** Starts virtual time at `start` (mid-second by default, so whole-second rounding shows) and makes it the one sleeps use. */
export function virtualTime(start = Date.UTC(2026, 10, 29, 12, 0, 0, 500)): VirtualTime {
  let current = start;
  let order = 0;
  const sleepers: Sleeper[] = [];
  const sleeps: number[] = [];

  /** Wakes the earliest sleep due by `until` (its instant becomes the clock), and says whether one was. */
  async function wakeNext(until: number): Promise<boolean> {
    await flush();
    sleepers.sort((a, b) => a.at - b.at || a.order - b.order);
    const next = sleepers[0];
    if (next === undefined || next.at > until) return false;
    sleepers.shift();
    current = Math.max(current, next.at);
    next.wake();
    await flush();
    return true;
  }

  const time = {
    now: () => current,
    sleeps,
    pendingSleeps: () => sleepers.length,
    sleep(ms: number): Promise<void> {
      const delay = Math.max(0, Number.isFinite(ms) ? ms : 0);
      sleeps.push(delay);
      return new Promise<void>((wake) => {
        sleepers.push({ at: current + delay, order: order++, wake });
      });
    },
    async advance(ms: number): Promise<void> {
      const until = current + ms;
      while (await wakeNext(until)) {
        // each woken sleeper may have begun another sleep that also ends by `until`
      }
      current = until;
      await flush();
    },
    async settle<T>(promise: Promise<T>): Promise<T> {
      let settled = false;
      const watched = promise.finally(() => {
        settled = true;
      });
      watched.catch(() => undefined);
      await flush();
      while (!settled) {
        if (!(await wakeNext(Number.POSITIVE_INFINITY)) && !settled) {
          throw new Error('virtual time: the promise waits for something other than time (nothing is asleep)');
        }
      }
      return watched;
    },
  };
  active = time;
  return time;
}

/** `node:timers/promises` with `setTimeout` on virtual time; everything else is the `real` module. */
export function timersPromises(real: typeof timers): typeof timers {
  return {
    ...real,
    setTimeout: (async <T>(ms?: number, value?: T) => {
      if (active === undefined) throw new Error('virtual time: a sleep began before the test called virtualTime()');
      await active.sleep(ms ?? 0);
      return value as T;
    }) as typeof timers.setTimeout,
  };
}
