/** How {@link runOrdered} runs a batch. */
export interface ScheduleOptions {
  /** At most this many items run at once. */
  readonly concurrency: number;
  /** Items of one group run one after the other, in batch order; undefined orders with nothing. */
  readonly groupOf: (index: number) => string | undefined;
  /** Runs one item; resolves false when it failed. Expected not to throw. */
  readonly run: (index: number) => Promise<boolean>;
  /** Ends an item that will not run because `failed`, earlier in its group, failed. */
  readonly block: (index: number, failed: number) => void;
}

interface Lane {
  /** Indices not yet started, in batch order. */
  readonly pending: number[];
}

/**
 * Runs items 0..count-1 with bounded concurrency, always starting the earliest item whose group
 * is idle: with a concurrency of 1 that is exactly batch order. Once an item fails, the later
 * items of its group are blocked instead of run: delivered again after the failed one, they keep
 * the group's order.
 */
export function runOrdered(count: number, options: ScheduleOptions): Promise<void> {
  const { concurrency, run, block } = options;
  // Idle lanes with pending items, by the index of their next item (a binary min-heap).
  const ready = new MinHeap<Lane>((lane) => lane.pending[0] ?? Number.POSITIVE_INFINITY);
  for (const lane of toLanes(count, options.groupOf)) ready.push(lane);

  return new Promise<void>((resolve, reject) => {
    let active = 0;
    const pump = (): void => {
      while (active < concurrency) {
        const lane = ready.pop();
        if (lane === undefined) break;
        const index = lane.pending.shift() as number;
        active++;
        run(index)
          .then((succeeded) => {
            active--;
            if (!succeeded) for (const later of lane.pending.splice(0)) block(later, index);
            if (lane.pending.length > 0) ready.push(lane);
            pump();
          })
          .catch(reject);
      }
      if (active === 0 && ready.size === 0) resolve();
    };
    pump();
  });
}

function toLanes(count: number, groupOf: (index: number) => string | undefined): Lane[] {
  const lanes: Lane[] = [];
  const byGroup = new Map<string, Lane>();
  for (let index = 0; index < count; index++) {
    const group = groupOf(index);
    let lane = group === undefined ? undefined : byGroup.get(group);
    if (lane === undefined) {
      lane = { pending: [] };
      lanes.push(lane);
      if (group !== undefined) byGroup.set(group, lane);
    }
    lane.pending.push(index);
  }
  return lanes;
}

/** Just enough of a binary heap: a stream of 10,000 records must not cost a scan per record. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly priority: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const { items } = this;
    items.push(item);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (this.at(parent) <= this.at(child)) break;
      this.swap(parent, child);
      child = parent;
    }
  }

  pop(): T | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let parent = 0;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < items.length && this.at(left) < this.at(smallest)) smallest = left;
      if (right < items.length && this.at(right) < this.at(smallest)) smallest = right;
      if (smallest === parent) return top;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }

  private at(position: number): number {
    return this.priority(this.items[position] as T);
  }

  private swap(a: number, b: number): void {
    const { items } = this;
    [items[a], items[b]] = [items[b] as T, items[a] as T];
  }
}
