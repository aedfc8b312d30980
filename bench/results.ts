import type { BenchConfig } from './config.js';
import type { Environment } from './report/environment.js';
import type { BundleResults } from './scenarios/bundle.js';
import type { SizedSamples } from './scenarios/cpu-by-size.js';
import type { Diagnostics } from './scenarios/diagnostics.js';
import type { LatencySamples } from './scenarios/latency.js';
import type { RequestCounts } from './scenarios/requests.js';
import type { SdkFloor } from './scenarios/sdk-floor.js';
import type { StorageResults } from './scenarios/storage.js';
import type { ThroughputResults } from './scenarios/throughput.js';

/** Everything one run measured; the report writers only format it. */
export interface BenchResults {
  readonly environment: Environment;
  readonly endpoint: string;
  readonly durationSeconds: number;
  /** One-minute load averages at the start and the end of the run: how busy the machine was. */
  readonly load: { readonly start: number; readonly end: number };
  readonly config: BenchConfig;
  readonly latency: LatencySamples;
  readonly cpu: LatencySamples;
  readonly cpuBySize: readonly SizedSamples[];
  /** The SDK's own client-side time for a first call's two requests, per client kind (ms). */
  readonly sdkFloor: Readonly<Record<SdkFloor, number[]>>;
  readonly requests: { readonly endpoint: RequestCounts; readonly dynamodb: RequestCounts };
  readonly storage: StorageResults;
  readonly bundles: BundleResults;
  readonly throughput: ThroughputResults;
  readonly diagnostics: Diagnostics;
}
