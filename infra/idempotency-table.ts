import { RemovalPolicy } from 'aws-cdk-lib';
import { Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DynamoDBAttributeNames } from 'lambda-idempotency';
import { tableShape } from './table-from-definition.js';
import { idempotencyTableDefinition } from './tables.js';

/** The only DynamoDB actions `DynamoDBStore` sends: claim, read, complete, release. */
export const idempotencyActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export interface IdempotencyTableProps {
  /**
   * Attribute names, when the store renames them: pass the same `attributes` to `DynamoDBStore`.
   * Default: partition key `id`, TTL on `expiration`.
   */
  readonly attributes?: Partial<Pick<DynamoDBAttributeNames, 'partitionKey' | 'expiration'>>;
  /** A fixed physical name; by default CloudFormation generates one (safer for replacements and several stacks). */
  readonly tableName?: string;
  /**
   * What happens to the table when it leaves the stack. Default `RETAIN`: deleting a stack must not
   * forget which requests already ran, or every retry in flight would run again.
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB table `DynamoDBStore` uses by default: string partition key `id`, TTL on
 * `expiration`, on-demand billing and point-in-time recovery.
 *
 * @example
 * const idempotency = new IdempotencyTable(this, 'Idempotency');
 * idempotency.grantIdempotency(fn);
 * fn.addEnvironment('IDEMPOTENCY_TABLE', idempotency.tableName);
 */
export class IdempotencyTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    const { partitionKey, expiration } = props.attributes ?? {};
    this.table = new TableV2(this, 'Table', {
      ...tableShape({
        ...idempotencyTableDefinition,
        ...(partitionKey && { partitionKey: { name: partitionKey, type: 'S' } }),
        ...(expiration && { timeToLiveAttribute: expiration }),
      }),
      ...(props.tableName && { tableName: props.tableName }),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  get tableArn(): string {
    return this.table.tableArn;
  }

  /**
   * Lets `grantee` (a function) use the table through `DynamoDBStore`: GetItem, PutItem, UpdateItem
   * and DeleteItem on this table, nothing else (no Scan, no Query, no batch or table operations).
   */
  grantIdempotency(grantee: IGrantable): Grant {
    return this.table.grant(grantee, ...idempotencyActions);
  }
}
