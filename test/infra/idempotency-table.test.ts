import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { IdempotencyTable, idempotencyActions } from 'lambda-idempotency/cdk';
import { describe, expect, it } from 'vitest';
import { toCreateTableInput } from '../../infra/create-table-input.js';
import { idempotencyTableDefinition, sampleTableDefinitions } from '../../infra/tables.js';
import { defaultAttributeNames } from '../../src/stores/record-schema.js';
import { testClient } from '../support/dynamodb.js';
import { actionsOf, appWithoutBundling, logicalIdOf, statementsOfRole, synthSampleStack } from './synth.js';

function tableStack(props?: ConstructorParameters<typeof IdempotencyTable>[2]) {
  const stack = new Stack(appWithoutBundling(), 'TableOnly');
  const table = new IdempotencyTable(stack, 'Idempotency', props);
  const role = new Role(stack, 'FunctionRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  table.grantIdempotency(role);
  return { stack, table, role, template: Template.fromStack(stack) };
}

describe('IdempotencyTable', () => {
  it('has the layout DynamoDBStore expects by default: string key id, TTL on expiration', () => {
    expect(idempotencyTableDefinition.partitionKey).toEqual({ name: defaultAttributeNames.partitionKey, type: 'S' });
    expect(idempotencyTableDefinition.timeToLiveAttribute).toBe(defaultAttributeNames.expiration);

    const { template } = tableStack();
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('takes the attribute names a renaming store uses', () => {
    tableStack({ attributes: { partitionKey: 'pk', expiration: 'ttl' } }).template.hasResourceProperties(
      'AWS::DynamoDB::GlobalTable',
      {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    );
  });

  it('bills on demand and keeps point-in-time recovery on', () => {
    const { template } = tableStack();
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('is retained when it leaves the stack unless told otherwise', () => {
    tableStack().template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    tableStack({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
    });
  });

  it('grants exactly GetItem, PutItem, UpdateItem and DeleteItem, on this table only', () => {
    const { stack, table, role, template } = tableStack();
    const statements = statementsOfRole(template, logicalIdOf(stack, role));
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.Effect).toBe('Allow');
    expect(actionsOf(statement!).sort()).toEqual(
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort(),
    );
    expect(statement?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, table.table), 'Arn'] });
    expect([...idempotencyActions].sort()).toEqual(actionsOf(statement!).sort());
  });
});

describe('one source of truth for the tables', () => {
  it('the local CreateTable input and the deployed template have the same keys for every table', () => {
    const { stack, template } = synthSampleStack();
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(sampleTableDefinitions.length);
    for (const definition of sampleTableDefinitions) {
      const construct = stack.node.findChild(definition.id);
      const table = 'table' in construct ? (construct.table as IdempotencyTable['table']) : construct;
      const deployed = tables[logicalIdOf(stack, table)]?.Properties;
      const local = toCreateTableInput(definition, 'local');
      expect(deployed?.KeySchema).toEqual(local.KeySchema);
      expect(deployed?.AttributeDefinitions).toEqual(local.AttributeDefinitions);
      expect(deployed?.TimeToLiveSpecification?.AttributeName).toBe(definition.timeToLiveAttribute);
    }
  });

  it('a local endpoint accepts the CreateTable input of every definition', async () => {
    const client = testClient();
    for (const definition of sampleTableDefinitions) {
      const name = `${definition.id}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      await client.send(new CreateTableCommand(toCreateTableInput(definition, name)));
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      await client.send(new DeleteTableCommand({ TableName: name }));
      expect(Table?.KeySchema?.[0]).toEqual({ AttributeName: definition.partitionKey.name, KeyType: 'HASH' });
    }
  });
});

describe('IdempotencyTable options', () => {
  it('builds a global table with multi-Region strong consistency and a customer-managed key', async () => {
    const { MultiRegionConsistency } = await import('aws-cdk-lib/aws-dynamodb');
    const { Key } = await import('aws-cdk-lib/aws-kms');
    const stack = new Stack(appWithoutBundling(), 'Global', { env: { region: 'us-east-1', account: '123456789012' } });
    new IdempotencyTable(stack, 'Idempotency', {
      encryptionKey: new Key(stack, 'Key'),
      replicaKeyArns: {
        'us-east-2': 'arn:aws:kms:us-east-2:123456789012:key/a',
        'us-west-2': 'arn:aws:kms:us-west-2:123456789012:key/b',
      },
      replication: { regions: ['us-east-2', 'us-west-2'], consistency: MultiRegionConsistency.STRONG },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      MultiRegionConsistency: 'STRONG',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    const regions = ((table?.Properties.Replicas ?? []) as { Region: string }[]).map((replica) => replica.Region).sort();
    expect(regions).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
  });

  it('sets the table-name variable on a function it grants', async () => {
    const { Code, Function: LambdaFunction, Runtime } = await import('aws-cdk-lib/aws-lambda');
    const stack = new Stack(appWithoutBundling(), 'Granted');
    const table = new IdempotencyTable(stack, 'Idempotency');
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler=1'),
    });
    table.grantIdempotency(fn, { environmentVariable: 'ORDERS_IDEMPOTENCY' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { ORDERS_IDEMPOTENCY: { Ref: Match.stringLikeRegexp('^IdempotencyTable') } } },
    });
  });
});
