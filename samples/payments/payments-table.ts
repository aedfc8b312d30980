import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PaymentRequest } from './payment-request.js';

/** A payment as stored and returned. */
export interface Payment extends PaymentRequest {
  readonly paymentId: string;
  readonly status: 'succeeded';
  readonly createdAt: string;
}

/**
 * The payments table. A payment is written with a conditional put on its id, and the id is derived
 * from the request's idempotency key: even if the handler ran twice for one key (its claim lapsed
 * after a crash half-way), the second run finds the first payment instead of creating another.
 * The idempotency layer makes a second run rare; this makes it harmless.
 */
export class PaymentsTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Writes the payment unless its id exists; either way returns the stored payment. */
  async createOnce(payment: Payment): Promise<{ readonly payment: Payment; readonly created: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: payment,
          ConditionExpression: 'attribute_not_exists(paymentId)',
        }),
      );
      return { payment, created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { paymentId: payment.paymentId }, ConsistentRead: true }),
    );
    if (!Item) throw new Error(`Payment ${payment.paymentId} exists per its write condition but could not be read.`);
    return { payment: Item as Payment, created: false };
  }
}
