import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { balanceDirection, type OrderEvent } from './order-event.js';

/** A customer's balance after an event was applied. */
export interface LedgerEntry {
  readonly customerId: string;
  readonly balance: number;
  readonly currency: string;
  readonly appliedEvents: number;
}

/** An event in another currency than the customer's ledger: applying it would mix currencies. */
export class CurrencyMismatchError extends Error {
  override readonly name = 'CurrencyMismatchError';
}

/**
 * One balance per customer. Applying an event adds to the balance: an `ADD` is not idempotent, so
 * without the idempotency layer in front of it every redelivered message would move money again.
 */
export class LedgerTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(event: OrderEvent): Promise<LedgerEntry> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { customerId: event.customerId },
          UpdateExpression:
            'ADD balance :delta, appliedEvents :one SET currency = if_not_exists(currency, :currency), lastEventId = :eventId, updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(customerId) OR currency = :currency',
          ExpressionAttributeValues: {
            ':delta': balanceDirection[event.type] * event.amount,
            ':one': 1,
            ':currency': event.currency,
            ':eventId': event.eventId,
            ':now': this.now().toISOString(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const entry = Attributes as LedgerEntry;
      return {
        customerId: entry.customerId,
        balance: entry.balance,
        currency: entry.currency,
        appliedEvents: entry.appliedEvents,
      };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new CurrencyMismatchError(`Customer ${event.customerId} has a ledger in another currency than ${event.currency}.`);
      }
      throw error;
    }
  }
}
