import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { IdempotencyRecord } from '../engine/record.js';
import {
  type DynamoDBAttributeNames,
  type Item,
  itemToRecord,
  type RecordKeyLayout,
  recordKey,
} from '../stores/record-schema.js';
import type { RecordFilter, RecordSource, ScanPage, UnreadableItem } from './record-source.js';

export interface TableTarget {
  readonly table: string;
  readonly region?: string;
  /** A local endpoint (dynalite, LocalStack); from `AWS_ENDPOINT_URL_DYNAMODB` when set. */
  readonly endpoint?: string;
  /** The attribute names the code passes to `DynamoDBStore` as `attributes`, defaults filled in. */
  readonly names: DynamoDBAttributeNames;
  /** The `sortKey` option of `DynamoDBStore`, for single-table designs. */
  readonly sortKey?: { readonly attribute: string; readonly partitionValue: string };
}

/** The records of an idempotency table in any layout `DynamoDBStore` accepts. */
export class RecordTable implements RecordSource {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #names: DynamoDBAttributeNames;
  readonly #layout: RecordKeyLayout;

  constructor(target: TableTarget) {
    this.#table = target.table;
    this.#names = target.names;
    this.#layout = { partitionKey: target.names.partitionKey, sortKey: target.sortKey };
    this.#client = new DynamoDBClient({
      ...(target.region && { region: target.region }),
      ...(target.endpoint && { endpoint: target.endpoint }),
      maxAttempts: 3,
    });
  }

  get listingCost(): string {
    const sortKey = this.#layout.sortKey;
    return sortKey === undefined
      ? 'Scanning the whole table: every item is read and billed, whatever matches (about one read unit per 8 KB, eventually consistent).\n'
      : `Querying partition "${sortKey.partitionValue}": only the idempotency records are read, each billed whether it matches or not.\n`;
  }

  get layout(): string {
    const names = this.#names;
    const sortKey = this.#layout.sortKey;
    const key =
      sortKey === undefined
        ? `partition key "${names.partitionKey}"`
        : `sort key "${sortKey.attribute}" under ${names.partitionKey} = "${sortKey.partitionValue}"`;
    return `${key}, status "${names.status}", expiration "${names.expiration}"`;
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    const output = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: marshall(recordKey(id, this.#layout)), ConsistentRead: true }),
    );
    return output.Item && itemToRecord(unmarshall(output.Item), id, this.#names);
  }

  async deleteIf(id: string, status: IdempotencyRecord['status'], lease: string | undefined): Promise<boolean> {
    const names = this.#names;
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
          Key: marshall(recordKey(id, this.#layout)),
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
   * Pages through the records (a Scan of the table; with a sort key, a Query of the idempotency
   * partition) keeping those in progress past their expiry or whose window ends early enough.
   * Items without the layout's key, status or expiration attribute come back too, as unreadable:
   * they are read (and billed) either way, and without them a listing under the wrong layout
   * flags would match nothing and look like a table with nothing stuck.
   */
  async *list(filter: RecordFilter): AsyncGenerator<ScanPage> {
    const names = this.#names;
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
    const sortKey = this.#layout.sortKey;
    if (sortKey !== undefined) {
      attributeNames['#partition'] = names.partitionKey;
      values[':partition'] = { S: sortKey.partitionValue };
    }
    // The key attribute holding the record id: the sort key under one partition, else the partition key.
    const idAttribute = sortKey?.attribute ?? names.partitionKey;
    Object.assign(attributeNames, { '#status': names.status, '#exp': names.expiration });
    clauses.push('attribute_not_exists(#status) OR attribute_not_exists(#exp)');
    // A Query's filter may not name a key attribute; every item of its partition has the sort key anyway.
    if (sortKey === undefined) {
      attributeNames['#id'] = idAttribute;
      clauses.push('attribute_not_exists(#id)');
    }
    const filtering = { FilterExpression: clauses.join(' OR ') };
    const expressions = {
      ExpressionAttributeNames: attributeNames,
      ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
    };
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = {
        TableName: this.#table,
        ExclusiveStartKey: start,
        ReturnConsumedCapacity: 'TOTAL' as const,
        ...filtering,
        ...expressions,
      };
      const output = await this.#client.send(
        sortKey === undefined
          ? new ScanCommand(page)
          : new QueryCommand({ ...page, KeyConditionExpression: '#partition = :partition' }),
      );
      start = output.LastEvaluatedKey;
      const records: IdempotencyRecord[] = [];
      const unreadable: UnreadableItem[] = [];
      for (const item of output.Items ?? []) {
        const plain: Item = unmarshall(item);
        const id = plain[idAttribute];
        try {
          if (typeof id !== 'string') throw new Error(`no string ${idAttribute}`);
          records.push(itemToRecord(plain, id, names));
        } catch {
          unreadable.push({ id: typeof id === 'string' ? id : `(no ${idAttribute})`, attributes: Object.keys(item).sort() });
        }
      }
      yield {
        records,
        unreadable,
        scanned: output.ScannedCount ?? 0,
        readUnits: output.ConsumedCapacity?.CapacityUnits ?? 0,
      };
    } while (start !== undefined);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
