import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB request as the client sent it. */
export interface SentRequest {
  /** `PutItem`, `GetItem`, `UpdateItem`, `DeleteItem`, `Scan`... */
  readonly operation: string;
  readonly tableName: string | undefined;
  readonly input: Readonly<Record<string, unknown>>;
}

/**
 * Records every request a client sends (each command once, whatever the SDK's retries), for plain
 * and document commands alike: the document client shares the plain client's middleware stack.
 */
export function recordRequests(client: DynamoDBClient): { readonly sent: SentRequest[]; since(mark: number): SentRequest[] } {
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      sent.push({
        operation: command.endsWith('Item') || command === 'Scan' ? command : `${command}Item`,
        tableName: typeof input.TableName === 'string' ? input.TableName : undefined,
        input,
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
  return { sent, since: (mark) => sent.slice(mark) };
}
