/** Summary statistics of a sample of durations (or any numbers). */
export interface Summary {
  readonly count: number;
  readonly median: number;
  readonly p99: number;
  readonly mean: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(sorted.length, 1),
  };
}

export function median(values: readonly number[]): number {
  return quantile(sortedCopy(values), 0.5);
}

/**
 * A 95% bootstrap interval for median(a) / median(b): both samples resampled with replacement
 * (seeded, so a report is reproducible from its samples). Tells whether a ratio such as 0.92 is
 * distinguishable from 0.90 on a noisy machine.
 */
export function medianRatioInterval(a: readonly number[], b: readonly number[], iterations = 1000, seed = 1): [number, number] {
  if (a.length === 0 || b.length === 0) return [Number.NaN, Number.NaN];
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
  const resampledMedian = (values: readonly number[]) => {
    const sample = Array.from({ length: values.length }, () => values[Math.floor(random() * values.length)]!);
    return quantile(
      sample.sort((x, y) => x - y),
      0.5,
    );
  };
  const ratios = Array.from({ length: iterations }, () => resampledMedian(a) / resampledMedian(b)).sort((x, y) => x - y);
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}
