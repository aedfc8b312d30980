import type { DynamoDBOperation, DynamoDBOutput } from './json-protocol.js';
import type { DynamoDBTransport } from './transport.js';

/**
 * The part of an AWS SDK v3 `DynamoDBClient` the store uses. Typed structurally, so that the core
 * entry's types do not require `@aws-sdk/client-dynamodb` to be installed.
 */
export interface DynamoDBClientLike {
  send(command: never, options?: never): Promise<unknown>;
}

type CommandClass = new (input: object) => object;
type CommandModule = Readonly<Record<`${DynamoDBOperation}Command`, CommandClass>>;

/** Built at run time so that no bundler pulls the AWS SDK into a handler that passes no client. */
const SDK_SPECIFIER = ['@aws-sdk', 'client-dynamodb'].join('/');
let commands: Promise<CommandModule> | undefined;

/**
 * Sends through a caller's SDK client (X-Ray, OpenTelemetry, its own middleware and retries),
 * with the SDK's command classes imported on the first request. They come from
 * `@aws-sdk/client-dynamodb` as Node resolves it from this package: the copy the client was made
 * from, unless the client was bundled into the handler while the SDK is also installed apart.
 */
export function createSdkTransport(client: DynamoDBClientLike): DynamoDBTransport {
  const send = client.send.bind(client) as (command: object) => Promise<unknown>;
  return {
    async send(operation, input): Promise<DynamoDBOutput> {
      commands ??= loadCommands();
      const Command = (await commands)[`${operation}Command`];
      return (await send(new Command(input))) as DynamoDBOutput;
    },
  };
}

async function loadCommands(): Promise<CommandModule> {
  try {
    return (await import(SDK_SPECIFIER)) as CommandModule;
  } catch (error) {
    commands = undefined;
    throw new Error(
      `DynamoDBStore was given a client, but ${SDK_SPECIFIER} cannot be imported for its command classes: install it beside this package, or keep it external to the bundle (the Lambda runtime provides it).`,
      { cause: error },
    );
  }
}
