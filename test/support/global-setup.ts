import type { TestProject } from 'vitest/node';
import { startDynalite } from './dynalite-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The DynamoDB endpoint every test talks to. */
    dynamodbEndpoint: string;
  }
}

/**
 * Starts the embedded DynamoDB (dynalite) on a free loopback port for the whole run, unless
 * AWS_ENDPOINT_URL_DYNAMODB points the suite at DynamoDB Local or AWS.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (external) {
    project.provide('dynamodbEndpoint', external);
    return async () => {};
  }
  const server = await startDynalite();
  project.provide('dynamodbEndpoint', server.endpoint);
  // As a deployed function's environment would: `new DynamoDBStore({ tableName })` reaches it.
  // Set before the test workers start, which inherit it.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = server.endpoint;
  return async () => {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await server.stop();
  };
}
