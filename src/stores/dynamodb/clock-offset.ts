/** The AWS SDK corrects its clock only when it is this far off the server's: within it, a signature is accepted. */
const SKEW_TOLERANCE_MS = 5 * 60_000;

/**
 * The signing clock: the local clock plus an offset learnt from DynamoDB's `Date` header, as the
 * AWS SDK keeps `systemClockOffset`. A container whose clock is off by more than five minutes
 * gets its requests refused as expired or not yet valid; the refusal carries the server's time.
 */
export interface ClockOffset {
  /** The time to sign a request with. */
  now(): Date;
  /** Takes in a response's `Date` header; true when it moved the offset (the request may then be signed again). */
  observe(dateHeader: string | undefined): boolean;
}

export function createClockOffset(localNow: () => number = Date.now): ClockOffset {
  let offsetMs = 0;
  return {
    now: () => new Date(localNow() + offsetMs),
    observe(dateHeader) {
      if (dateHeader === undefined) return false;
      const serverTime = Date.parse(dateHeader);
      if (Number.isNaN(serverTime)) return false;
      const local = localNow();
      if (Math.abs(serverTime - (local + offsetMs)) < SKEW_TOLERANCE_MS) return false;
      offsetMs = serverTime - local;
      return true;
    },
  };
}
