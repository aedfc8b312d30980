import type { LatencyConfig } from './scenarios/latency.js';
import { RESULT_SIZES } from './scenarios/storage.js';
import type { ThroughputConfig } from './scenarios/throughput.js';

export interface BenchConfig {
  /** Against the endpoint: wall-clock latency per invocation. */
  readonly latency: LatencyConfig;
  /** Against the in-process double: client-side time only. */
  readonly cpu: LatencyConfig;
  /** Client-side time through Middy for larger results. */
  readonly cpuBySize: {
    readonly sizes: readonly number[];
    readonly warmupRounds: number;
    readonly rounds: number;
    readonly keysPerRound: number;
  };
  readonly throughput: ThroughputConfig;
  /** Fresh processes per bundle for the cold-import time. */
  readonly importSpawns: number;
  /** Section 7: fresh processes for the import probe, repetitions of each codec timing. */
  readonly diagnostics: { readonly spawns: number; readonly iterations: number };
  /** Result sizes whose stored records are measured. */
  readonly storageSizes: readonly number[];
}

/** About two minutes on two busy cores. */
export const FULL_CONFIG: BenchConfig = {
  latency: { warmupRounds: 1, rounds: 10, keysPerRound: 40, resultBytes: 1024 },
  cpu: { warmupRounds: 1, rounds: 5, keysPerRound: 250, resultBytes: 1024 },
  cpuBySize: { sizes: [20 * 1024, 200 * 1024], warmupRounds: 1, rounds: 3, keysPerRound: 30 },
  throughput: { concurrencies: [1, 8, 64], runs: 6, runMs: 1000, resultBytes: 1024 },
  importSpawns: 7,
  diagnostics: { spawns: 5, iterations: 30 },
  storageSizes: RESULT_SIZES,
};

/** A few seconds: proves every scenario runs (the smoke test, `BENCH_QUICK=1`). */
export const QUICK_CONFIG: BenchConfig = {
  latency: { warmupRounds: 0, rounds: 1, keysPerRound: 3, resultBytes: 1024 },
  cpu: { warmupRounds: 0, rounds: 1, keysPerRound: 5, resultBytes: 1024 },
  cpuBySize: { sizes: [20 * 1024], warmupRounds: 0, rounds: 1, keysPerRound: 2 },
  throughput: { concurrencies: [1, 8], runs: 1, runMs: 150, resultBytes: 1024 },
  importSpawns: 1,
  diagnostics: { spawns: 1, iterations: 2 },
  storageSizes: [20 * 1024, 600 * 1024],
};
