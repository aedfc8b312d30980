import { type AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { IdempotencyRecord } from '../engine/record.js';
import { itemToRecord, defaultAttributeNames as names } from '../stores/dynamodb-item.js';

export interface TableTarget {
  readonly table: string;
  readonly region?: string;
  /** A local endpoint (dynalite, LocalStack); from `AWS_ENDPOINT_URL_DYNAMODB` when set. */
  readonly endpoint?: string;
}

/** One page of a Scan, with what it cost. */
export interface ScanPage {
  readonly records: IdempotencyRecord[];
  readonly scanned: number;
  readonly readUnits: number;
  readonly more: boolean;
}

/** The records of the default table layout (partition key `id`), read and deleted the way an operator needs. */
export class RecordTable {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(target: TableTarget) {
    this.#table = target.table;
    this.#client = new DynamoDBClient({
      ...(target.region && { region: target.region }),
      ...(target.endpoint && { endpoint: target.endpoint }),
      maxAttempts: 3,
    });
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    const output = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { [names.partitionKey]: { S: id } }, ConsistentRead: true }),
    );
    return output.Item && itemToRecord(unmarshall(output.Item), id, names);
  }

  /** Deletes the record only while it still has this status and lease; false when it changed or vanished. */
  async deleteIf(id: string, status: IdempotencyRecord['status'], lease: string | undefined): Promise<boolean> {
    const values: Record<string, AttributeValue> = { ':status': { S: status } };
    let condition = 'attribute_exists(#pk) AND #status = :status';
    if (lease === undefined) condition += ' AND attribute_not_exists(#lease)';
    else {
      condition += ' AND #lease = :lease';
      values[':lease'] = { S: lease };
    }
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { [names.partitionKey]: { S: id } },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': names.partitionKey, '#status': names.status, '#lease': names.lease },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Pages through the whole table (a Scan reads, and bills, every item) keeping the records that
   * are in progress past their expiry (`stuckAt`) or whose window ends before `expiringBefore`.
   */
  async *scan(filter: { readonly stuckAt?: number; readonly expiringBefore?: number }): AsyncGenerator<ScanPage> {
    const clauses: string[] = [];
    const values: Record<string, AttributeValue> = {};
    const attributeNames: Record<string, string> = {};
    if (filter.stuckAt !== undefined) {
      clauses.push('(#status = :inProgress AND #ipe < :now)');
      Object.assign(attributeNames, { '#status': names.status, '#ipe': names.inProgressExpiration });
      Object.assign(values, { ':inProgress': { S: 'INPROGRESS' }, ':now': { N: String(filter.stuckAt) } });
    }
    if (filter.expiringBefore !== undefined) {
      clauses.push('#exp < :before');
      attributeNames['#exp'] = names.expiration;
      values[':before'] = { N: String(filter.expiringBefore) };
    }
    let start: Record<string, AttributeValue> | undefined;
    do {
      const output = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
          ...(clauses.length > 0 && {
            FilterExpression: clauses.join(' OR '),
            ExpressionAttributeNames: attributeNames,
            ExpressionAttributeValues: values,
          }),
        }),
      );
      start = output.LastEvaluatedKey;
      const records = (output.Items ?? []).map((item) => {
        const plain = unmarshall(item);
        return itemToRecord(plain, String(plain[names.partitionKey]), names);
      });
      yield {
        records,
        scanned: output.ScannedCount ?? 0,
        readUnits: output.ConsumedCapacity?.CapacityUnits ?? 0,
        more: start !== undefined,
      };
    } while (start !== undefined);
  }

  destroy(): void {
    this.#client.destroy();
  }
}
