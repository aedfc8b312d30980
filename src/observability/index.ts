/**
 * lambda-idempotency/observability: sinks for the `onOutcome` option (structured logs, CloudWatch
 * EMF, Powertools Metrics, OpenTelemetry spans) and the kill switch's helpers.
 * @packageDocumentation
 */

export { DISABLE_VARIABLES, isIdempotencyDisabled } from '../lambda/kill-switch.js';
export type { EmfDocument, EmfOptions } from './emf.js';
export {
  DEFAULT_NAMESPACE,
  emfDocument,
  emfMetrics,
  FUNCTION_DIMENSION,
  OUTCOME_METRICS,
  OVERHEAD_METRIC,
  outcomeMetricName,
  REQUESTS_METRIC,
  WAITED_METRIC,
} from './emf.js';
export { outcomeSink } from './instrument.js';
export type { OpenTelemetryOptions, TracingSink } from './opentelemetry.js';
export { openTelemetrySpans } from './opentelemetry.js';
export type {
  IdempotencyOutcome,
  OutcomeKind,
  OutcomeListener,
  OutcomePhase,
  OutcomeRequests,
  OutcomeSink,
  ReplayInfo,
  ResponseHook,
} from './outcome.js';
export type { LevelLogger, LogLevel, LogStyle, OutcomeLogOptions } from './outcome-log.js';
export { levelOf, outcomeFields, outcomeLog } from './outcome-log.js';
export type { MetricsRecorder } from './powertools-metrics.js';
export { powertoolsMetrics } from './powertools-metrics.js';
