import type { BatchStepReport, HttpStepReport, ScenarioReport } from './scenario.js';

function table(headers: readonly string[], rows: readonly (readonly string[])[], alignRight: ReadonlySet<number>): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, column) => (alignRight.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd()}`;
  return [line(headers), ...rows.map(line)];
}

function statuses(step: HttpStepReport): string {
  return [...step.statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => (count === 1 && step.calls === 1 ? String(status) : `${status} ×${count}`))
    .join(', ');
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function paymentsSection(steps: readonly HttpStepReport[]): string[] {
  const rows = steps.map((step) => [
    step.title,
    String(step.calls),
    statuses(step),
    String(step.replays),
    String(step.executions),
    String(step.idempotencyRequests),
  ]);
  rows.push([
    'total',
    String(sum(steps, (step) => step.calls)),
    '',
    String(sum(steps, (step) => step.replays)),
    String(sum(steps, (step) => step.executions)),
    String(sum(steps, (step) => step.idempotencyRequests)),
  ]);
  return [
    'POST /payments (samples/payments: httpIdempotency, then a conditional put)',
    ...table(['step', 'invocations', 'responses', 'replayed', 'executions', 'idempotency requests'], rows, new Set([1, 3, 4, 5])),
  ];
}

function ordersSection(
  steps: readonly BatchStepReport[],
  heading: string,
  columns: { readonly step: string; readonly failures: string },
  failureNote: string,
): string[] {
  const rows = steps.map((step) => [
    step.title,
    String(step.records),
    String(step.executions),
    String(step.duplicates),
    String(step.failures.length),
    String(step.idempotencyRequests),
  ]);
  rows.push([
    'total',
    String(sum(steps, (step) => step.records)),
    String(sum(steps, (step) => step.executions)),
    String(sum(steps, (step) => step.duplicates)),
    String(sum(steps, (step) => step.failures.length)),
    String(sum(steps, (step) => step.idempotencyRequests)),
  ]);
  const failures = steps.flatMap((step) => step.failures.map((failure) => `    ${failure.messageId}  ${failure.reason}`));
  return [
    heading,
    ...table(
      [columns.step, 'records', 'executions', 'duplicates', columns.failures, 'idempotency requests'],
      rows,
      new Set([1, 2, 3, 4, 5]),
    ),
    `  ${failureNote}`,
    ...failures,
  ];
}

function tablesSection(report: ScenarioReport, names: { payments: string; ledger: string; idempotency: string }): string[] {
  const payments = report.tables.payments.map(
    (item) => `    ${item.paymentId}  ${item.customerId}  ${item.amount} ${item.currency}  ${item.status}  ${item.createdAt}`,
  );
  const ledger = report.tables.ledger.map(
    (item) =>
      `    ${item.customerId}  balance ${item.balance} ${item.currency}  from ${item.appliedEvents} events  last ${item.lastEventId}`,
  );
  const byStatus = new Map<string, number>();
  for (const item of report.tables.idempotency) byStatus.set(String(item.status), (byStatus.get(String(item.status)) ?? 0) + 1);
  return [
    'Tables',
    `  ${names.payments}: ${payments.length} item(s)`,
    ...payments,
    `  ${names.ledger}: ${ledger.length} item(s)`,
    ...ledger,
    `  ${names.idempotency}: ${report.tables.idempotency.length} record(s), ${[...byStatus].map(([status, count]) => `${count} ${status}`).join(', ')}`,
  ];
}

/** The report `npm start` prints. */
export function formatReport(
  report: ScenarioReport,
  context: {
    readonly endpoint: string;
    /** Whether the endpoint is the embedded dynalite, which costs a duplicate one more request. */
    readonly embedded: boolean;
    readonly tables: { payments: string; ledger: string; idempotency: string };
  },
): string {
  const passed = report.checks.every((check) => check.passed);
  return [
    'lambda-idempotency demo',
    `DynamoDB: ${context.endpoint}; tables created from infra/tables.ts, the definitions the CDK stack deploys`,
    '',
    ...paymentsSection(report.payments),
    '',
    ...ordersSection(
      report.orders,
      'SQS order events (samples/orders: idempotentBatch keyed by body.eventId, then a ledger ADD)',
      { step: 'batch', failures: 'batchItemFailures' },
      'batchItemFailures (SQS retries only these, then moves them to the dead-letter queue):',
    ),
    '',
    ...ordersSection(
      report.refunds,
      'EventBridge refunds (samples/refunds: idempotentBatch keyed by the event id, then a ledger ADD)',
      { step: 'delivery', failures: 'errors' },
      'errors (Lambda retries the invocation twice, then sends the event to the failure queue):',
    ),
    '',
    ...tablesSection(report, context.tables),
    '',
    ...(context.embedded
      ? [
          'DynamoDB requests: a first call costs 2 (claim, complete), a duplicate 1 on DynamoDB; dynalite does not',
          'return the existing item with a failed condition, so a duplicate costs 2 here (claim, then a read).',
        ]
      : [
          'DynamoDB requests: a first call costs 2 (claim, complete), a duplicate 1 where the endpoint returns the',
          'existing item with a failed condition (DynamoDB), 2 where it does not (claim, then a read).',
        ]),
    '',
    'Checks',
    ...report.checks.map((check) => `  ${check.passed ? 'ok  ' : 'FAIL'}  ${check.description}`),
    '',
    passed
      ? 'Every check passed: one execution per key, every duplicate answered from its record.'
      : 'A check FAILED: see above.',
  ].join('\n');
}
