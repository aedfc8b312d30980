import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  MathExpression,
  Metric,
  type MetricOptions,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  DEFAULT_NAMESPACE,
  FUNCTION_DIMENSION,
  OUTCOME_METRICS,
  OVERHEAD_METRIC,
  type REQUESTS_METRIC,
  WAITED_METRIC,
} from '../observability/metric-names.js';

/** Every metric `emfMetrics` and `powertoolsMetrics` write. */
export type IdempotencyMetricName =
  | (typeof OUTCOME_METRICS)[keyof typeof OUTCOME_METRICS]
  | typeof WAITED_METRIC
  | typeof OVERHEAD_METRIC
  | typeof REQUESTS_METRIC;

/** Where a function's idempotency metrics live: the namespace and dimensions `emfMetrics` was given. */
export interface IdempotencyMetricsSource {
  /** The Lambda function (an `IFunction`, or just its name). */
  readonly function: {
    /** The name `emfMetrics` writes as the `FunctionName` dimension (`AWS_LAMBDA_FUNCTION_NAME`). */
    readonly functionName: string;
  };
  /** Default `LambdaIdempotency`, as `emfMetrics`. */
  readonly namespace?: string;
  /** The extra dimensions passed to `emfMetrics` (besides `FunctionName`). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** One idempotency metric of one function; counts default to Sum, the overhead to p99. */
export function idempotencyMetric(
  source: IdempotencyMetricsSource,
  name: IdempotencyMetricName,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace: source.namespace ?? DEFAULT_NAMESPACE,
    metricName: name,
    dimensionsMap: { [FUNCTION_DIMENSION]: source.function.functionName, ...source.dimensions },
    statistic: name === OVERHEAD_METRIC ? 'p99' : 'Sum',
    period: Duration.minutes(1),
    ...options,
  });
}

/** Opt-in alarms; each is off unless set. Counts are summed over five minutes unless noted. */
export interface IdempotencyAlarmOptions {
  /** Alarm when store errors reach this many (e.g. 1). */
  readonly storeErrors?: number;
  /** Alarm when lost leases (claims taken over mid-run: timeouts too short) reach this many. */
  readonly leaseLost?: number;
  /** Alarm when results that could not be stored reach this many (duplicates may then run again). */
  readonly resultsNotPersisted?: number;
  /** Alarm when claims left unfinished by timed-out invocations (`ClaimAbandoned`) reach this many. */
  readonly abandonedClaims?: number;
  /**
   * Alarm when handlers that ran without idempotency because the store was unavailable
   * (`StoreUnavailable`, with `whenStoreUnavailable: 'fail-open'`) reach this many (e.g. 1).
   */
  readonly storeUnavailable?: number;
  /** Alarm when in-progress refusals exceed this many per minute in 3 of 5 minutes (a retry storm). */
  readonly inProgressRefusalsPerMinute?: number;
  /** Actions for every alarm (an SNS topic action...). */
  readonly actions?: readonly IAlarmAction[];
}

/** What {@link IdempotencyMonitoring} watches, and which alarms it creates. */
export interface IdempotencyMonitoringProps {
  /** The functions whose `emfMetrics` documents the dashboard reads: one row of widgets each. */
  readonly functions: readonly IdempotencyMetricsSource[];
  /** The alarms to create, per function. Default: none. */
  readonly alarms?: IdempotencyAlarmOptions;
  /** Default: a name CloudFormation generates. */
  readonly dashboardName?: string;
}

/**
 * The picture an on-call engineer opens: a dashboard with executed vs replayed per function,
 * conflicts (refusals, waits, payload mismatches), failures and the library's own latency, and
 * the opt-in alarms of {@link IdempotencyAlarmOptions}. Reads the metrics `emfMetrics` writes.
 */
export class IdempotencyMonitoring extends Construct {
  /** The CloudWatch dashboard, to add widgets of your own. */
  readonly dashboard: Dashboard;
  /** The alarms created (empty without `alarms`), to wire into composite alarms or other actions. */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: IdempotencyMonitoringProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', { ...(props.dashboardName && { dashboardName: props.dashboardName }) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          "## Idempotency\nExecuted vs replayed, conflicts, failures and the library's own latency. Runbook: docs/operations.md; `npx lambda-idempotency inspect` for one key.",
        width: 24,
        height: 2,
      }),
    );
    props.functions.forEach((source, index) => {
      const metric = (name: IdempotencyMetricName, options?: MetricOptions) => idempotencyMetric(source, name, options);
      const title = (what: string) => `${source.function.functionName}: ${what}`;
      this.dashboard.addWidgets(
        new GraphWidget({
          title: title('executed vs replayed'),
          left: [
            metric(OUTCOME_METRICS.executed),
            metric(OUTCOME_METRICS.replayed),
            metric(OUTCOME_METRICS['replayed-from-cache']),
          ],
          width: 6,
        }),
        new GraphWidget({
          title: title('conflicts'),
          left: [metric(OUTCOME_METRICS['in-progress']), metric(WAITED_METRIC), metric(OUTCOME_METRICS['payload-mismatch'])],
          width: 6,
        }),
        new GraphWidget({
          title: title('failures'),
          left: [
            metric(OUTCOME_METRICS['store-error']),
            metric(OUTCOME_METRICS['store-unavailable']),
            metric(OUTCOME_METRICS['lease-lost']),
            metric(OUTCOME_METRICS['result-not-persisted']),
            metric(OUTCOME_METRICS['handler-failed']),
            metric(OUTCOME_METRICS.abandoned),
          ],
          width: 6,
        }),
        new GraphWidget({
          title: title('our latency (ms)'),
          left: [metric(OVERHEAD_METRIC, { statistic: 'p50' }), metric(OVERHEAD_METRIC, { statistic: 'p99' })],
          width: 6,
        }),
      );
      this.#alarms(source, index, props.alarms);
    });
  }

  #alarms(source: IdempotencyMetricsSource, index: number, options: IdempotencyAlarmOptions | undefined): void {
    if (options === undefined) return;
    const fiveMinutes = { period: Duration.minutes(5) };
    const counts: Array<[string, number | undefined, IdempotencyMetricName, string]> = [
      [
        'StoreErrors',
        options.storeErrors,
        OUTCOME_METRICS['store-error'],
        'The idempotency store failed: check DynamoDB throttling, permissions and the table.',
      ],
      [
        'LeaseLost',
        options.leaseLost,
        OUTCOME_METRICS['lease-lost'],
        'Claims were taken over before their holder finished them: the in-progress timeout is shorter than the work, or records were evicted mid-run.',
      ],
      [
        'ResultsNotPersisted',
        options.resultsNotPersisted,
        OUTCOME_METRICS['result-not-persisted'],
        'Handlers succeeded but their results were not stored: a duplicate after the in-progress expiry runs again.',
      ],
      [
        'AbandonedClaims',
        options.abandonedClaims,
        OUTCOME_METRICS.abandoned,
        'Invocations timed out with their handler still running: the keys stay in progress until their claims expire, then a retry runs the handler again.',
      ],
      [
        'StoreUnavailable',
        options.storeUnavailable,
        OUTCOME_METRICS['store-unavailable'],
        'Handlers ran WITHOUT idempotency because the store was unavailable (fail open): their duplicates may run again. Check the store; the warnings name each record id.',
      ],
    ];
    for (const [name, threshold, metricName, description] of counts) {
      if (threshold === undefined) continue;
      this.#add(
        `${name}${index}`,
        idempotencyMetric(source, metricName, fiveMinutes),
        threshold,
        1,
        1,
        description,
        options.actions,
      );
    }
    if (options.inProgressRefusalsPerMinute !== undefined) {
      const refusals = new MathExpression({
        expression: 'FILL(refused, 0)',
        usingMetrics: { refused: idempotencyMetric(source, OUTCOME_METRICS['in-progress']) },
        period: Duration.minutes(1),
        label: 'in-progress refusals per minute',
      });
      this.#add(
        `InProgressRefusals${index}`,
        refusals,
        options.inProgressRefusalsPerMinute,
        5,
        3,
        'Duplicates keep arriving while the first is still running (a retry storm, or clients retrying too fast).',
        options.actions,
      );
    }
  }

  #add(
    id: string,
    metric: Metric | MathExpression,
    threshold: number,
    evaluationPeriods: number,
    datapointsToAlarm: number,
    description: string,
    actions: readonly IAlarmAction[] | undefined,
  ): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      datapointsToAlarm,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // EMF writes a count only when the outcome happens: no data is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (actions) alarm.addAlarmAction(...actions);
    this.alarms.push(alarm);
  }
}
