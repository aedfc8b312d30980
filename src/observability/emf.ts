import type { IdempotencyOutcome, OutcomeKind, OutcomeSink } from '../engine/outcomes/outcome.js';
import { reportsPerInvocation } from '../engine/outcomes/outcome-group.js';
import { IdempotencyConfigError } from '../errors.js';
import {
  DEFAULT_NAMESPACE,
  FUNCTION_DIMENSION,
  OUTCOME_METRICS,
  OVERHEAD_METRIC,
  REQUESTS_METRIC,
  WAITED_METRIC,
} from './metric-names.js';

/** The metric names by outcome kind: typed here, so an outcome kind without its metric does not compile. */
const METRIC_OF_KIND: Readonly<Record<OutcomeKind, string>> = OUTCOME_METRICS;

/** The metric an outcome counts in: `OUTCOME_METRICS`, or `InProgressWaited` for a waited replay. */
export function outcomeMetricName(outcome: IdempotencyOutcome): string {
  return outcome.kind === 'in-progress' && outcome.waited && outcome.error === undefined
    ? WAITED_METRIC
    : METRIC_OF_KIND[outcome.kind];
}

/** Options of {@link emfMetrics}; all optional. */
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

/** The EMF document (root node) of one invocation. */
export interface EmfDocument {
  /** The EMF metadata: which root members are metrics, in which namespace, under which dimensions. */
  readonly _aws: {
    /** When the metrics were recorded, epoch milliseconds. */
    readonly Timestamp: number;
    /** One metric directive: this library writes exactly one. */
    readonly CloudWatchMetrics: ReadonlyArray<{
      /** The CloudWatch namespace. */
      readonly Namespace: string;
      /** One dimension set: the names of the root members used as dimensions. */
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>;
      /** The root members that are metric values. */
      readonly Metrics: ReadonlyArray<{
        /** The root member holding the value. */
        readonly Name: string;
        /** CloudWatch's unit for it. */
        readonly Unit: 'Count' | 'Milliseconds';
      }>;
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
  'outcomes',
  'records',
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

/**
 * Builds the document for one invocation: a count per outcome, the overhead and the request
 * count summed over its outcomes (one, or a batch's records), with context members beside them.
 */
export function emfDocument(
  outcomes: IdempotencyOutcome | readonly IdempotencyOutcome[],
  namespace: string,
  dimensions: Readonly<Record<string, string>>,
  timestamp: number,
): EmfDocument {
  const list: readonly IdempotencyOutcome[] = Array.isArray(outcomes) ? outcomes : [outcomes as IdempotencyOutcome];
  const counts = new Map<string, number>();
  const kinds: Partial<Record<IdempotencyOutcome['kind'], number>> = {};
  let overheadMs = 0;
  let requests = 0;
  for (const outcome of list) {
    const name = outcomeMetricName(outcome);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
    overheadMs += outcome.durationMs;
    requests += outcome.requests.total;
  }
  const [first] = list;
  const single = list.length === 1 ? first : undefined;
  const scopes = new Set(list.map((outcome) => outcome.scope));
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [
            ...[...counts.keys()].map((name) => ({ Name: name, Unit: 'Count' as const })),
            { Name: OVERHEAD_METRIC, Unit: 'Milliseconds' },
            { Name: REQUESTS_METRIC, Unit: 'Count' },
          ],
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(counts),
    [OVERHEAD_METRIC]: Math.round(overheadMs * 1000) / 1000,
    [REQUESTS_METRIC]: requests,
    // Searchable context beside the metrics (not metrics, so no cost): hashes, never keys.
    ...(single === undefined ? { outcomes: kinds, records: list.length } : { outcome: single.kind }),
    ...(single?.recordId !== undefined && { recordId: single.recordId }),
    ...(scopes.size === 1 && first !== undefined && { scope: first.scope }),
  };
}

/**
 * A sink writing one CloudWatch Embedded Metric Format document per invocation to stdout, with
 * no dependency: Lambda's log pipeline turns it into metrics (counts per outcome, our overhead).
 * A batch invocation (`idempotentBatch`) writes one document with the counts of all its records,
 * when the batch ends or, if it is still running, just before its deadline.
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
  const document = (outcomes: IdempotencyOutcome | readonly IdempotencyOutcome[]) =>
    write(JSON.stringify(emfDocument(outcomes, namespace, dimensions, Date.now())));
  const sink: OutcomeSink = (outcome) => document(outcome);
  return reportsPerInvocation(sink, () => {
    const gathered: IdempotencyOutcome[] = [];
    return {
      add: (outcome) => void gathered.push(outcome),
      close: () => {
        if (gathered.length > 0) document(gathered);
      },
    };
  });
}
