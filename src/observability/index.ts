/**
 * lambda-idempotency/observability: sinks for the `onOutcome` option (structured logs, CloudWatch
 * EMF, Powertools Metrics, OpenTelemetry spans), the outcome they receive, and the kill switch's helpers.
 * @packageDocumentation
 */

export { DISABLE_VARIABLES, isIdempotencyDisabled } from '../engine/kill-switch.js';
export type {
  IdempotencyOutcome,
  OutcomeKind,
  OutcomePhase,
  OutcomeRequests,
  OutcomeSink,
} from '../engine/outcomes/outcome.js';
export type { EmfDocument, EmfOptions } from './emf.js';
export { emfDocument, emfMetrics, outcomeMetricName } from './emf.js';
export {
  DEFAULT_NAMESPACE,
  FUNCTION_DIMENSION,
  OUTCOME_METRICS,
  OVERHEAD_METRIC,
  REQUESTS_METRIC,
  WAITED_METRIC,
} from './metric-names.js';
export type { OpenTelemetryOptions, TracingSink } from './opentelemetry.js';
export { openTelemetrySpans } from './opentelemetry.js';
export type { LevelLogger, LogLevel, LogStyle, OutcomeLogOptions } from './outcome-log.js';
export { levelOf, outcomeFields, outcomeLog } from './outcome-log.js';
export type { MetricsRecorder } from './powertools-metrics.js';
export { powertoolsMetrics } from './powertools-metrics.js';
