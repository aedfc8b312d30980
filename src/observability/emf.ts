import { IdempotencyConfigError } from '../errors.js';
import type { IdempotencyOutcome, OutcomeSink } from './outcome.js';

/** The count metric each outcome adds 1 to; refused and waited in-progress outcomes count apart. */
export const OUTCOME_METRICS = {
  executed: 'Executed',
  replayed: 'Replayed',
  'replayed-from-cache': 'ReplayedFromCache',
  'in-progress': 'InProgressRefused',
  'payload-mismatch': 'PayloadMismatch',
  'handler-failed': 'HandlerFailed',
  'lease-lost': 'LeaseLost',
  'result-not-persisted': 'ResultNotPersisted',
  'store-error': 'StoreError',
  unkeyed: 'Unkeyed',
} as const satisfies Record<IdempotencyOutcome['kind'], string>;
/** An in-progress outcome that waited and then replayed the owner's result. */
export const WAITED_METRIC = 'InProgressWaited';
/** Milliseconds of the library's own work in the invocation (never the handler's). */
export const OVERHEAD_METRIC = 'IdempotencyOverhead';
/** Requests the invocation sent to the store. */
export const REQUESTS_METRIC = 'StoreRequests';
export const DEFAULT_NAMESPACE = 'LambdaIdempotency';
export const FUNCTION_DIMENSION = 'FunctionName';

/** The metric an outcome counts in: `OUTCOME_METRICS`, or `InProgressWaited` for a waited replay. */
export function outcomeMetricName(outcome: IdempotencyOutcome): string {
  return outcome.kind === 'in-progress' && outcome.waited && outcome.error === undefined
    ? WAITED_METRIC
    : OUTCOME_METRICS[outcome.kind];
}

export interface EmfOptions {
  /** CloudWatch namespace, 1 to 255 characters. Default `LambdaIdempotency`. */
  readonly namespace?: string;
  /**
   * Dimensions added to `FunctionName` (from `AWS_LAMBDA_FUNCTION_NAME`, or `unknown`): at most
   * 29 more, values non-empty strings. Each becomes a member of the document's root.
   */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Leave out the `FunctionName` dimension. Default false. */
  readonly omitFunctionName?: boolean;
  /** Where each document goes. Default: one line to `process.stdout`, bypassing Lambda's console prefix. */
  readonly write?: (line: string) => void;
}

/** The EMF document (root node) one outcome becomes. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: 'Count' | 'Milliseconds' }>;
    }>;
  };
  readonly [member: string]: unknown;
}

const MAX_DIMENSIONS = 30;
const RESERVED = new Set<string>([
  '_aws',
  ...Object.values(OUTCOME_METRICS),
  WAITED_METRIC,
  OVERHEAD_METRIC,
  REQUESTS_METRIC,
  'outcome',
  'recordId',
  'scope',
]);

function dimensionsOf(options: EmfOptions): Record<string, string> {
  const dimensions: Record<string, string> = {};
  if (!options.omitFunctionName) dimensions[FUNCTION_DIMENSION] = process.env.AWS_LAMBDA_FUNCTION_NAME || 'unknown';
  for (const [name, value] of Object.entries(options.dimensions ?? {})) {
    if (name === '' || RESERVED.has(name) || name === FUNCTION_DIMENSION) {
      throw new IdempotencyConfigError(
        `emfMetrics dimension name "${name}" is empty or taken by a metric or member of the document.`,
      );
    }
    if (typeof value !== 'string' || value === '') {
      throw new IdempotencyConfigError(`emfMetrics dimension "${name}" must have a non-empty string value.`);
    }
    dimensions[name] = value;
  }
  if (Object.keys(dimensions).length > MAX_DIMENSIONS) {
    throw new IdempotencyConfigError(`emfMetrics allows at most ${MAX_DIMENSIONS} dimensions (EMF's limit per dimension set).`);
  }
  return dimensions;
}

/** Builds the document for one outcome: its count, the overhead and the request count, with context members. */
export function emfDocument(
  outcome: IdempotencyOutcome,
  namespace: string,
  dimensions: Readonly<Record<string, string>>,
  timestamp: number,
): EmfDocument {
  const counted = outcomeMetricName(outcome);
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [
            { Name: counted, Unit: 'Count' },
            { Name: OVERHEAD_METRIC, Unit: 'Milliseconds' },
            { Name: REQUESTS_METRIC, Unit: 'Count' },
          ],
        },
      ],
    },
    ...dimensions,
    [counted]: 1,
    [OVERHEAD_METRIC]: Math.round(outcome.durationMs * 1000) / 1000,
    [REQUESTS_METRIC]: outcome.requests.total,
    // Searchable context beside the metrics (not metrics, so no cost): the hash, never the key.
    outcome: outcome.kind,
    ...(outcome.recordId !== undefined && { recordId: outcome.recordId }),
    scope: outcome.scope,
  };
}

/**
 * A sink writing one CloudWatch Embedded Metric Format document per invocation to stdout, with
 * no dependency: Lambda's log pipeline turns it into metrics (counts per outcome, our overhead).
 *
 * @example
 * idempotency({ store, key: 'orderId', onOutcome: emfMetrics({ namespace: 'Orders' }) })
 */
export function emfMetrics(options: EmfOptions = {}): OutcomeSink {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255) {
    throw new IdempotencyConfigError('emfMetrics option "namespace" must be a string of 1 to 255 characters.');
  }
  const dimensions = dimensionsOf(options);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return (outcome) => write(JSON.stringify(emfDocument(outcome, namespace, dimensions, Date.now())));
}
