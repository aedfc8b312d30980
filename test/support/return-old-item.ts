import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * Makes a client behave like DynamoDB where the endpoint (dynalite) does not: a PutItem whose
 * condition fails with `ReturnValuesOnConditionCheckFailure: ALL_OLD` carries the existing item,
 * in wire form, on the error. The item is read through `reader`, so the client under test counts
 * only its own PutItem.
 */
export function emulateReturnedOldItem(client: DynamoDBClient, reader: DynamoDBClient, tableName: string, keyName = 'id'): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const input = args.input as { ReturnValuesOnConditionCheckFailure?: string; Item?: Record<string, unknown> };
        const isPut = /^Put(Item)?Command$/.test(String(context.commandName));
        if (
          !isPut ||
          input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD' ||
          (error as Error).name !== 'ConditionalCheckFailedException'
        ) {
          throw error;
        }
        const keyValue = input.Item?.[keyName];
        const key = typeof keyValue === 'string' ? marshall({ [keyName]: keyValue }) : { [keyName]: keyValue as AttributeValue };
        const { Item } = await reader.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        throw Object.assign(error as Error, { Item });
      }
    },
    { step: 'initialize', name: 'emulateReturnedOldItem', priority: 'high' },
  );
}
