import type { OutcomeSink } from '../engine/outcomes/outcome.js';
import { outcomeMetricName } from './emf.js';
import { OVERHEAD_METRIC, REQUESTS_METRIC } from './metric-names.js';

/**
 * The part of a Powertools `Metrics` instance this sink uses (`@aws-lambda-powertools/metrics`),
 * named structurally so the library neither imports nor requires it.
 */
export interface MetricsRecorder {
  /** Records one value of a metric, as Powertools' `Metrics.addMetric` does. */
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
}

/**
 * A sink recording each outcome on a Powertools `Metrics` instance: the same metric names as
 * `emfMetrics`, published with the instance's namespace and dimensions when it flushes
 * (`logMetrics` middleware or `publishStoredMetrics`).
 *
 * @example
 * const metrics = new Metrics({ namespace: 'Orders' });
 * idempotency({ store, key: 'orderId', onOutcome: powertoolsMetrics(metrics) })
 */
export function powertoolsMetrics(metrics: MetricsRecorder): OutcomeSink {
  return (outcome) => {
    metrics.addMetric(outcomeMetricName(outcome), 'Count', 1);
    metrics.addMetric(OVERHEAD_METRIC, 'Milliseconds', outcome.durationMs);
    metrics.addMetric(REQUESTS_METRIC, 'Count', outcome.requests.total);
  };
}
