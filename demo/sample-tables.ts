import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { toCreateTableInput } from '../infra/create-table-input.js';
import { sampleTableDefinitions, type TableDefinition } from '../infra/tables.js';

/** The physical name of every sample table, by definition id. */
export type SampleTableNames = Readonly<Record<string, string>>;

/**
 * Names for the sample tables: the one in the definition's environment variable when set (so a
 * user can point the tools at existing tables), otherwise `<prefix>-<definition id>`.
 */
export function sampleTableNames(prefix: string, environment: NodeJS.ProcessEnv = process.env): SampleTableNames {
  return Object.fromEntries(
    sampleTableDefinitions.map((definition) => [
      definition.id,
      environment[definition.environmentVariable] || `${prefix}-${definition.id}`,
    ]),
  );
}

/** Hands the table names to the sample handlers the way the stack does: in their environment variables. */
export function exportTableNames(names: SampleTableNames): void {
  for (const definition of sampleTableDefinitions) process.env[definition.environmentVariable] = tableName(names, definition);
}

/** Creates every sample table from infra's definitions; tables that already exist are kept as they are. */
export async function ensureSampleTables(client: DynamoDBClient, names: SampleTableNames): Promise<void> {
  await Promise.all(
    sampleTableDefinitions.map(async (definition) => {
      const name = tableName(names, definition);
      try {
        await client.send(new CreateTableCommand(toCreateTableInput(definition, name)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
    }),
  );
}

export async function dropSampleTables(client: DynamoDBClient, names: SampleTableNames): Promise<void> {
  await Promise.all(
    sampleTableDefinitions.map((definition) => client.send(new DeleteTableCommand({ TableName: tableName(names, definition) }))),
  );
}

export function tableName(names: SampleTableNames, definition: TableDefinition): string {
  const name = names[definition.id];
  if (!name) throw new Error(`No table name for ${definition.id}.`);
  return name;
}
