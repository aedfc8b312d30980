/** Records that must run one after the other, in batch order; ungrouped records get a lane each. */
export interface Lane<T> {
  readonly group: string | undefined;
  readonly items: T[];
}

/** Splits a batch into lanes, in the order each lane's first record appears. */
export function toLanes<T>(items: readonly T[], groupOf: (item: T) => string | undefined): Lane<T>[] {
  const lanes: Lane<T>[] = [];
  const byGroup = new Map<string, Lane<T>>();
  for (const item of items) {
    const group = groupOf(item);
    if (group === undefined) {
      lanes.push({ group, items: [item] });
      continue;
    }
    let lane = byGroup.get(group);
    if (lane === undefined) {
      lane = { group, items: [] };
      byGroup.set(group, lane);
      lanes.push(lane);
    }
    lane.items.push(item);
  }
  return lanes;
}

/**
 * Runs a lane's records one by one. Once one fails, the later ones are not run but handed to
 * `block`: delivered again after the failed one, they keep the group's order.
 */
export async function runLane<T>(
  lane: Lane<T>,
  run: (item: T) => Promise<boolean>,
  block: (item: T, failed: T) => void,
): Promise<void> {
  let failed: T | undefined;
  for (const item of lane.items) {
    if (failed !== undefined) block(item, failed);
    else if (!(await run(item))) failed = item;
  }
}
