import type { DynamoDBOutput } from './json-protocol.js';
import type { DynamoDBTransport } from './transport.js';

/**
 * The part of an AWS SDK v3 `DynamoDBClient` the store uses. Typed structurally, so that the core
 * entry's types do not require `@aws-sdk/client-dynamodb` to be installed.
 */
export interface DynamoDBClientLike {
  /** Sends one command (the store passes `GetItemCommand`, `PutItemCommand`, `UpdateItemCommand` or `DeleteItemCommand`). */
  send(command: never, options?: never): Promise<unknown>;
}

/** A command class of `@aws-sdk/client-dynamodb` (`new PutItemCommand(input)`). */
export type DynamoDBCommandClass = new (input: never) => object;

/**
 * The four command classes of `@aws-sdk/client-dynamodb` the store sends, from the copy the client
 * was made from: `{ GetItemCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand }`.
 */
export type DynamoDBCommands = Readonly<
  Record<'GetItemCommand' | 'PutItemCommand' | 'UpdateItemCommand' | 'DeleteItemCommand', DynamoDBCommandClass>
>;

/** Built at run time so that no bundler pulls the AWS SDK into a handler that passes no client. */
const SDK_SPECIFIER = ['@aws-sdk', 'client-dynamodb'].join('/');
let shared: Promise<DynamoDBCommands> | undefined;

/**
 * Sends through a caller's SDK client (X-Ray, OpenTelemetry, its own middleware and retries).
 * The command classes are the caller's when given; otherwise they are imported on the first
 * request from `@aws-sdk/client-dynamodb` as Node resolves it from this package: the client's own
 * copy when the SDK is installed or external to the bundle, but a second copy, loaded at the
 * first request, when the client was bundled into the handler.
 */
export function createSdkTransport(client: DynamoDBClientLike, given?: DynamoDBCommands): DynamoDBTransport {
  const send = client.send.bind(client) as (command: object) => Promise<unknown>;
  const commands = given === undefined ? undefined : Promise.resolve(given);
  return {
    async send(operation, input): Promise<DynamoDBOutput> {
      // Imported once for every store; a failed import is tried again at the next request.
      const Command = (await (commands ?? importCommands()))[`${operation}Command`] as new (input: object) => object;
      return (await send(new Command(input))) as DynamoDBOutput;
    },
  };
}

function importCommands(): Promise<DynamoDBCommands> {
  shared ??= importModule();
  return shared;
}

async function importModule(): Promise<DynamoDBCommands> {
  try {
    return (await import(SDK_SPECIFIER)) as DynamoDBCommands;
  } catch (error) {
    shared = undefined;
    throw new Error(
      `DynamoDBStore was given a client, but ${SDK_SPECIFIER} cannot be imported for its command classes: install it beside this package, keep it external to the bundle (the Lambda runtime provides it), or pass \`commands\`.`,
      { cause: error },
    );
  }
}
