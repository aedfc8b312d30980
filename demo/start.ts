/**
 * `npm start`: the sample application end to end on this machine. Starts the embedded DynamoDB
 * (or uses AWS_ENDPOINT_URL_DYNAMODB), creates the sample tables from infra's definitions, runs
 * the scripted scenario through the real sample handlers and prints the report. Exits 1 if a
 * check fails.
 */
import { randomUUID } from 'node:crypto';
import { idempotencyTableDefinition, ledgerTableDefinition, paymentsTableDefinition } from '../infra/tables.js';
import { describeEndpoint, prepareLocalEnvironment } from './local-environment.js';
import { formatReport } from './report.js';
import { dropSampleTables, tableName } from './sample-tables.js';
import { runScenario } from './scenario.js';

// Fresh tables per run: against a persistent DynamoDB Local a second run must not replay the first.
const environment = await prepareLocalEnvironment({
  tablePrefix: `lambda-idempotency-demo-${randomUUID().slice(0, 8)}`,
  honourTableVariables: false,
});
let passed = false;
try {
  const report = await runScenario({ tables: environment.tables, clientConfig: { endpoint: environment.dynamodb.endpoint } });
  console.log(
    formatReport(report, {
      endpoint: describeEndpoint(environment.dynamodb),
      embedded: environment.dynamodb.embedded,
      tables: {
        payments: tableName(environment.tables, paymentsTableDefinition),
        ledger: tableName(environment.tables, ledgerTableDefinition),
        idempotency: tableName(environment.tables, idempotencyTableDefinition),
      },
    }),
  );
  passed = report.checks.every((check) => check.passed);
} finally {
  if (!environment.dynamodb.embedded) await dropSampleTables(environment.client, environment.tables);
  await environment.close();
}
process.exit(passed ? 0 : 1);
