import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/**
 * Starts an in-memory DynamoDB on a free loopback port, unless AWS_ENDPOINT_URL_DYNAMODB already
 * names one (DynamoDB Local in Docker, say), and creates the idempotency table there.
 */
export async function startLocalDynamoDB(tableName = 'idempotency'): Promise<() => Promise<void>> {
  let stop = async () => {};
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) {
    const server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  // The AWS SDK also needs a region and credentials: any value, a local endpoint ignores them.
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.IDEMPOTENCY_TABLE = tableName;

  const table = new CreateTableCommand({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await new DynamoDBClient({}).send(table).catch((error: unknown) => {
    if (!(error instanceof ResourceInUseException)) throw error; // created by an earlier run
  });
  return stop;
}
