import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { sampleTableDefinitions } from '../../infra/tables.js';
import { endpoint, testClient } from '../support/dynamodb.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/**
 * The environment a user would run a tool with against DynamoDB Local: the suite's endpoint, and
 * fresh table names so runs never share records.
 */
export function toolEnvironment(): NodeJS.ProcessEnv {
  const run = randomUUID().slice(0, 8);
  const tables = Object.fromEntries(
    sampleTableDefinitions.map((table) => [table.environmentVariable, `tool-${run}-${table.id}`]),
  );
  tablesToDrop.push(...Object.values(tables));
  return { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: endpoint(), ...tables };
}

const tablesToDrop: string[] = [];

/** Deletes the tables the tools created, so a run against a real endpoint leaves nothing behind. */
export async function dropToolTables(): Promise<void> {
  const client = testClient();
  await Promise.all(
    tablesToDrop.splice(0).map(async (name) => {
      try {
        await client.send(new DeleteTableCommand({ TableName: name }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }),
  );
  client.destroy();
}

/** Starts `tsx <script> ...args` in the repository, the way the npm scripts do. */
export function startTool(script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(tsx, [script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a tool to its end. */
export async function runTool(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startTool(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}
