/**
 * `lambda-idempotency/cdk`: the AWS CDK constructs that deploy what the store and the metrics need.
 * Only this entry loads `aws-cdk-lib` and `constructs` (optional peer dependencies); the core
 * entry never does.
 *
 * @packageDocumentation
 */
export {
  type GrantIdempotencyOptions,
  IDEMPOTENCY_TABLE_ENV,
  IdempotencyTable,
  type IdempotencyTableProps,
  type IdempotencyTableReplication,
  idempotencyActions,
} from './idempotency-table.js';
export {
  type IdempotencyAlarmOptions,
  type IdempotencyMetricName,
  type IdempotencyMetricsSource,
  IdempotencyMonitoring,
  type IdempotencyMonitoringProps,
  idempotencyMetric,
} from './monitoring.js';
