import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  type MultiRegionConsistency,
  type ReplicaTableProps,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type DynamoDBAttributeNames, defaultAttributeNames } from '../stores/record-schema.js';

/** The only DynamoDB actions `DynamoDBStore` sends: claim, read, complete, release. */
export const idempotencyActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/** The environment variable `grantIdempotency` sets to the table's name unless told another. */
export const IDEMPOTENCY_TABLE_ENV = 'IDEMPOTENCY_TABLE';

/** A global table: the Regions of its replicas and how their writes agree. */
export interface IdempotencyTableReplication {
  /** The replicas' Regions (not the stack's own Region, which holds the primary). */
  readonly regions: readonly string[];
  /**
   * `EVENTUAL` (default, DynamoDB's default for global tables): a retry that lands in another Region
   * within the replication lag may not see the claim and may run the handler a second time.
   * `STRONG` (multi-Region strong consistency): the claim's conditional write is checked across
   * Regions, so a retry in any Region sees it. Needs three Regions, or two plus `witnessRegion`.
   */
  readonly consistency?: MultiRegionConsistency;
  /** With `STRONG` and two replicas-and-primary Regions: the Region that only witnesses writes. */
  readonly witnessRegion?: string;
}

/** How the idempotency table is built. Every prop has a default suited to idempotency records. */
export interface IdempotencyTableProps {
  /**
   * Attribute names, when the store renames them: pass the same `attributes` to `DynamoDBStore`.
   * Default: the store's defaults, partition key `id` and TTL on `expiration`.
   */
  readonly attributes?: Partial<Pick<DynamoDBAttributeNames, 'partitionKey' | 'expiration'>>;
  /** A fixed physical name. Default: CloudFormation generates one (safer for replacements and several stacks). */
  readonly tableName?: string;
  /**
   * What happens to the table when it leaves the stack. Default `RETAIN`: deleting a stack must not
   * forget which requests already ran, or every retry in flight would run again.
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Capacity. Default on-demand (`Billing.onDemand()`): idempotency traffic follows the functions' bursts. */
  readonly billing?: Billing;
  /** Point-in-time recovery. Default `true`: a restored table still knows which requests ran. */
  readonly pointInTimeRecovery?: boolean;
  /**
   * A customer-managed KMS key for the table (replicas take theirs from `replicaKeyArns`).
   * Default: the key DynamoDB owns.
   */
  readonly encryptionKey?: IKey;
  /** With `replication`: the key ARN for each replica Region, required by DynamoDB when `encryptionKey` is set. */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /** Replicas in other Regions (a global table). Default: a single-Region table. */
  readonly replication?: IdempotencyTableReplication;
}

/** How `grantIdempotency` hands the table to a function. */
export interface GrantIdempotencyOptions {
  /** The environment variable given the table's name. Default `IDEMPOTENCY_TABLE`. */
  readonly environmentVariable?: string;
}

/**
 * The DynamoDB table `DynamoDBStore` uses: string partition key `id`, TTL on `expiration`,
 * on-demand billing, point-in-time recovery, retained when removed from the stack.
 *
 * @example
 * const idempotency = new IdempotencyTable(this, 'Idempotency');
 * idempotency.grantIdempotency(fn); // the store's four actions, and IDEMPOTENCY_TABLE=<name>
 */
export class IdempotencyTable extends Construct {
  /** The underlying CDK table, for anything this construct does not expose. */
  readonly table: TableV2;

  /**
   * @param scope - the construct this table belongs to
   * @param id - its construct id
   * @param props - the table's options; see {@link IdempotencyTableProps} for each default
   */
  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    const partitionKey = props.attributes?.partitionKey ?? defaultAttributeNames.partitionKey;
    const expiration = props.attributes?.expiration ?? defaultAttributeNames.expiration;
    const replication = props.replication;
    const replicas: ReplicaTableProps[] | undefined = replication?.regions.map((region) => ({ region }));
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: expiration,
      ...(props.tableName && { tableName: props.tableName }),
      billing: props.billing ?? Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.encryptionKey && {
        encryption: TableEncryptionV2.customerManagedKey(
          props.encryptionKey,
          props.replicaKeyArns && { ...props.replicaKeyArns },
        ),
      }),
      ...(replicas && { replicas }),
      ...(replication?.consistency && { multiRegionConsistency: replication.consistency }),
      ...(replication?.witnessRegion && { witnessRegion: replication.witnessRegion }),
    });
  }

  /** The table's physical name (a token until deploy). */
  get tableName(): string {
    return this.table.tableName;
  }

  /** The table's ARN (a token until deploy). */
  get tableArn(): string {
    return this.table.tableArn;
  }

  /**
   * Lets `grantee` use the table through `DynamoDBStore`: GetItem, PutItem, UpdateItem and DeleteItem
   * on this table, nothing else (no Scan, no Query, no batch or table operations). When `grantee` is a
   * Lambda function, it also sets the table-name environment variable on it.
   *
   * @param grantee - the function (or role) that runs idempotent handlers
   * @param options - the environment variable name; see {@link GrantIdempotencyOptions}
   * @returns the IAM grant
   */
  grantIdempotency(grantee: IGrantable, options: GrantIdempotencyOptions = {}): Grant {
    const grant = this.table.grant(grantee, ...idempotencyActions);
    if (isFunctionWithEnvironment(grantee)) {
      grantee.addEnvironment(options.environmentVariable ?? IDEMPOTENCY_TABLE_ENV, this.tableName);
    }
    return grant;
  }
}

// Duck-typed so a role or user can be granted too, and so this module never loads aws-lambda's constructs.
function isFunctionWithEnvironment(grantee: IGrantable): grantee is IGrantable & Pick<LambdaFunction, 'addEnvironment'> {
  return typeof (grantee as Partial<Pick<LambdaFunction, 'addEnvironment'>>).addEnvironment === 'function';
}
