import type { LatencyConfig, LatencySamples, LatencyTarget } from './latency.js';
import { measureLatency } from './latency.js';

export interface SizedSamples {
  readonly resultBytes: number;
  readonly samples: LatencySamples;
}

/**
 * Client-side time through Middy for larger results, where the libraries' storage formats
 * differ most: ours serializes to JSON and compresses, Powertools marshals the object into a
 * DynamoDB map that the SDK then serializes.
 */
export async function measureCpuBySize(
  target: LatencyTarget,
  config: Omit<LatencyConfig, 'resultBytes'>,
  sizes: readonly number[],
): Promise<SizedSamples[]> {
  const results: SizedSamples[] = [];
  for (const resultBytes of sizes) {
    results.push({ resultBytes, samples: await measureLatency(target, { ...config, resultBytes }, ['middy']) });
  }
  return results;
}
