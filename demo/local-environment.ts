import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LocalDynamoDB, startLocalDynamoDB } from './local-dynamodb.js';
import { ensureSampleTables, exportTableNames, type SampleTableNames, sampleTableNames } from './sample-tables.js';

export interface LocalEnvironment {
  readonly dynamodb: LocalDynamoDB;
  readonly client: DynamoDBClient;
  readonly tables: SampleTableNames;
  close(): Promise<void>;
}

/**
 * What the deployed stack gives the sample functions, locally: a DynamoDB endpoint, the sample
 * tables created from infra's definitions, and their names in the functions' environment variables.
 */
export async function prepareLocalEnvironment(options: {
  /** Local table names are `<tablePrefix>-<definition id>`. */
  readonly tablePrefix: string;
  /** Whether IDEMPOTENCY_TABLE and the others, when set, name the tables instead (so tables can be reused). */
  readonly honourTableVariables: boolean;
}): Promise<LocalEnvironment> {
  const dynamodb = await startLocalDynamoDB();
  const client = new DynamoDBClient({ endpoint: dynamodb.endpoint });
  const tables = sampleTableNames(options.tablePrefix, options.honourTableVariables ? process.env : {});
  try {
    await ensureSampleTables(client, tables);
  } catch (error) {
    client.destroy();
    await dynamodb.stop();
    throw new Error(`Could not create the sample tables at ${dynamodb.endpoint}: ${(error as Error).message}`, { cause: error });
  }
  exportTableNames(tables);
  return {
    dynamodb,
    client,
    tables,
    close: async () => {
      client.destroy();
      await dynamodb.stop();
    },
  };
}

export function describeEndpoint(dynamodb: LocalDynamoDB): string {
  return dynamodb.embedded ? `embedded DynamoDB (dynalite) at ${dynamodb.endpoint}` : `DynamoDB at ${dynamodb.endpoint}`;
}
