import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { IdempotencyTable } from 'lambda-idempotency/cdk';
import { SampleFunction } from './sample-function.js';
import { sampleFunctionDefinitions } from './sample-functions.js';
import { tableShape } from './table-from-definition.js';
import { idempotencyTableDefinition, ledgerTableDefinition, paymentsTableDefinition, type TableDefinition } from './tables.js';

/** The `source` of the refund events the sample's rule matches. */
export const REFUND_EVENT_SOURCE = 'lambda-idempotency.sample.support';

/**
 * The sample application: `POST /payments` on an HTTP API, and an SQS consumer that applies order
 * events to a ledger, both made idempotent by one shared idempotency table, plus an EventBridge rule whose target applies
refunds to the same ledger. Everything is destroyed
 * with the stack: it is a sample, not a place to keep data.
 */
export class IdempotencySampleStack extends Stack {
  readonly idempotencyTable: IdempotencyTable;
  readonly paymentsTable: TableV2;
  readonly ledgerTable: TableV2;
  readonly paymentsFunction: SampleFunction;
  readonly ordersFunction: SampleFunction;
  readonly orderEvents: Queue;
  readonly orderEventsDeadLetters: Queue;
  readonly api: HttpApi;
  readonly refundsFunction: SampleFunction;
  readonly refundRule: Rule;
  readonly refundFailures: Queue;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.idempotencyTable = new IdempotencyTable(this, idempotencyTableDefinition.id, { removalPolicy: RemovalPolicy.DESTROY });
    this.paymentsTable = this.#dataTable(paymentsTableDefinition);
    this.ledgerTable = this.#dataTable(ledgerTableDefinition);
    const tableNames = new Map([
      [idempotencyTableDefinition.id, this.idempotencyTable.tableName],
      [paymentsTableDefinition.id, this.paymentsTable.tableName],
      [ledgerTableDefinition.id, this.ledgerTable.tableName],
    ]);

    this.paymentsFunction = new SampleFunction(this, sampleFunctionDefinitions.payments, tableNames);
    this.idempotencyTable.grantIdempotency(this.paymentsFunction);
    // The payment is written with a conditional put, and read back when it already exists.
    this.paymentsTable.grant(this.paymentsFunction, 'dynamodb:PutItem', 'dynamodb:GetItem');

    this.api = new HttpApi(this, 'PaymentsApi', { description: 'lambda-idempotency sample: POST /payments' });
    this.api.addRoutes({
      path: '/payments',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('PaymentsIntegration', this.paymentsFunction),
    });

    this.ordersFunction = new SampleFunction(this, sampleFunctionDefinitions.orders, tableNames);
    this.idempotencyTable.grantIdempotency(this.ordersFunction);
    this.ledgerTable.grant(this.ordersFunction, 'dynamodb:UpdateItem');

    this.orderEventsDeadLetters = new Queue(this, 'OrderEventsDeadLetters', {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    this.orderEvents = new Queue(this, 'OrderEvents', {
      // AWS's advice for Lambda consumers: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(6 * sampleFunctionDefinitions.orders.timeoutSeconds),
      deadLetterQueue: { queue: this.orderEventsDeadLetters, maxReceiveCount: 5 },
      enforceSSL: true,
    });
    this.ordersFunction.addEventSource(new SqsEventSource(this.orderEvents, { batchSize: 10, reportBatchItemFailures: true }));

    this.refundsFunction = new SampleFunction(this, sampleFunctionDefinitions.refunds, tableNames);
    this.idempotencyTable.grantIdempotency(this.refundsFunction);
    this.ledgerTable.grant(this.refundsFunction, 'dynamodb:UpdateItem');
    // Refunds that still fail after Lambda's two retries, or that EventBridge could not deliver, land here.
    this.refundFailures = new Queue(this, 'RefundFailures', { retentionPeriod: Duration.days(14), enforceSSL: true });
    this.refundsFunction.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.refundFailures) });
    this.refundRule = new Rule(this, 'OrderRefundedRule', {
      description: 'lambda-idempotency sample: refunds from the support tool, applied to the ledger once',
      eventPattern: { source: [REFUND_EVENT_SOURCE], detailType: ['OrderRefunded'] },
      targets: [
        new LambdaFunction(this.refundsFunction, {
          deadLetterQueue: this.refundFailures,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    new CfnOutput(this, 'PaymentsUrl', { value: `${this.api.apiEndpoint}/payments` });
    new CfnOutput(this, 'OrderEventsQueueUrl', { value: this.orderEvents.queueUrl });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.tableName });
    new CfnOutput(this, 'PaymentsTableName', { value: this.paymentsTable.tableName });
    new CfnOutput(this, 'LedgerTableName', { value: this.ledgerTable.tableName });
  }

  #dataTable(definition: TableDefinition): TableV2 {
    return new TableV2(this, definition.id, {
      ...tableShape(definition),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
