import { DEADLINE_MARGIN_MS, type OutcomeGroup } from './outcome-group.js';

/**
 * Calls `report` shortly before the deadline unless the returned stop function runs first: in a
 * group, when the group closes; alone, on an unref'd timer. Without a deadline, never.
 */
export function watchDeadline(
  remainingTimeMs: number | undefined,
  group: OutcomeGroup | undefined,
  report: () => void,
): () => void {
  if (group !== undefined) return group.whenUnfinished(report);
  if (remainingTimeMs === undefined) return () => undefined;
  const timer = setTimeout(report, Math.max(0, remainingTimeMs - DEADLINE_MARGIN_MS));
  // A pending report must never keep a process (a test, a script) alive.
  timer.unref?.();
  return () => clearTimeout(timer);
}
