import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { idempotencyActions } from 'lambda-idempotency/cdk';
import { describe, expect, it } from 'vitest';
import type { SampleFunction } from '../../infra/sample-function.js';
import { REFUND_EVENT_SOURCE } from '../../infra/sample-stack.js';
import { idempotencyTableDefinition, ledgerTableDefinition, paymentsTableDefinition } from '../../infra/tables.js';
import { actionsOf, logicalIdOf, statementsOfRole, synthSampleStack } from './synth.js';

const { stack, template } = synthSampleStack();
const idempotencyTableId = logicalIdOf(stack, stack.idempotencyTable.table);
const tableId = (definitionId: string) => logicalIdOf(stack, stack.node.findChild(definitionId));
const functionId = (id: string) => logicalIdOf(stack, stack.node.findChild(id));
const roleOf = (id: string) => {
  const fn = stack.node.findChild(id) as SampleFunction;
  if (!fn.role) throw new Error(`${id} has no role`);
  return logicalIdOf(stack, fn.role);
};

describe('the sample stack', () => {
  it('synthesizes without an account, a region or lookups', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    template.resourceCountIs('AWS::Lambda::Function', 3);
  });

  it.each([
    ['PaymentsFunction', paymentsTableDefinition],
    ['OrdersFunction', ledgerTableDefinition],
    ['RefundsFunction', ledgerTableDefinition],
  ])('%s runs Node.js 22 on arm64 with its table names and source maps in the environment', (id, dataTable) => {
    const fn = template.findResources('AWS::Lambda::Function')[functionId(id)]?.Properties;
    expect(fn?.Runtime).toBe('nodejs22.x');
    expect(fn?.Architectures).toEqual(['arm64']);
    expect(fn?.Handler).toBe('index.handler');
    expect(fn?.Timeout).toBe(10);
    expect(fn?.Environment.Variables).toEqual({
      [idempotencyTableDefinition.environmentVariable]: { Ref: idempotencyTableId },
      [dataTable.environmentVariable]: { Ref: tableId(dataTable.id) },
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it.each(['PaymentsFunction', 'OrdersFunction', 'RefundsFunction'])(
    '%s may only get, put, update and delete items in the idempotency table',
    (id) => {
      const onIdempotencyTable = statementsOfRole(template, roleOf(id)).filter((statement) =>
        JSON.stringify(statement.Resource).includes(idempotencyTableId),
      );
      expect(onIdempotencyTable).toHaveLength(1);
      expect(onIdempotencyTable[0]?.Resource).toEqual({ 'Fn::GetAtt': [idempotencyTableId, 'Arn'] });
      expect(actionsOf(onIdempotencyTable[0]!).sort()).toEqual([...idempotencyActions].sort());
    },
  );

  it('no statement grants wildcard DynamoDB actions', () => {
    for (const id of ['PaymentsFunction', 'OrdersFunction', 'RefundsFunction']) {
      const actions = statementsOfRole(template, roleOf(id)).flatMap(actionsOf);
      expect(actions.filter((action) => action.startsWith('dynamodb:') && action.includes('*'))).toEqual([]);
      expect(actions).not.toContain('dynamodb:Scan');
    }
  });

  it('routes POST /payments of an HTTP API to the payments function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /payments' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId('PaymentsFunction'), 'Arn'] },
    });
  });

  it('feeds the orders function from a queue with a dead-letter queue and partial batch responses', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const deadLetterId = logicalIdOf(stack, stack.orderEventsDeadLetters);
    const queueId = logicalIdOf(stack, stack.orderEvents);
    expect(queues[queueId]?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
      maxReceiveCount: 5,
    });
    // A message must stay invisible while the function may still be working on it.
    const timeout = template.findResources('AWS::Lambda::Function')[functionId('OrdersFunction')]?.Properties.Timeout;
    expect(queues[queueId]?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionId('OrdersFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('targets the refunds function from an EventBridge rule, with retries and a failure queue', () => {
    const failuresArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.refundFailures), 'Arn'] };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [REFUND_EVENT_SOURCE], 'detail-type': ['OrderRefunded'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId('RefundsFunction'), 'Arn'] },
          DeadLetterConfig: { Arn: failuresArn },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 8 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId('RefundsFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: failuresArn } },
    });
    const events = JSON.parse(readFileSync(new URL('../../events/samples/refunds-first.json', import.meta.url), 'utf8'));
    expect([events.source, events['detail-type']]).toEqual([REFUND_EVENT_SOURCE, 'OrderRefunded']);
  });

  it('keeps no data: every table goes with the stack, and every table has point-in-time recovery', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(tables).toHaveLength(3);
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.Replicas).toEqual([
        expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ]);
    }
  });
});
