import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LatencyConfig } from './latency.js';

export const SDK_FLOORS = ['client', 'document'] as const;
export type SdkFloor = (typeof SDK_FLOORS)[number];
export const SDK_FLOOR_LABELS: Record<SdkFloor, string> = {
  client: 'DynamoDBClient (what both libraries send through)',
  document: 'DynamoDBDocumentClient (for comparison)',
};

const CLAIM = 'attribute_not_exists(#id) OR #exp < :nowSeconds';

/**
 * The AWS SDK's own client-side cost of a first call, with no idempotency library: a
 * conditional PutItem and an UpdateItem carrying the same 1 KB JSON text, sent through the
 * plain client and through the document client. Subtracting it from section 4 leaves what each
 * library adds on top of the SDK.
 */
export async function measureSdkFloor(
  client: () => DynamoDBClient,
  excludedMs: () => number,
  config: LatencyConfig,
  resultText: string,
): Promise<Record<SdkFloor, number[]>> {
  const plain = client();
  const document = DynamoDBDocumentClient.from(client());
  const now = Date.now();
  const firstCall: Record<SdkFloor, (id: string) => Promise<unknown>> = {
    client: async (id) => {
      await plain.send(
        new PutItemCommand({
          TableName: 'sdk-floor',
          Item: { id: { S: id }, status: { S: 'INPROGRESS' }, expiration: { N: String(Math.floor(now / 1000) + 3600) } },
          ConditionExpression: CLAIM,
          ExpressionAttributeNames: { '#id': 'id', '#exp': 'expiration' },
          ExpressionAttributeValues: { ':nowSeconds': { N: String(Math.floor(now / 1000)) } },
        }),
      );
      await plain.send(
        new UpdateItemCommand({
          TableName: 'sdk-floor',
          Key: { id: { S: id } },
          UpdateExpression: 'SET #status = :completed, #result = :result',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
          ExpressionAttributeValues: { ':completed': { S: 'COMPLETED' }, ':result': { S: resultText } },
        }),
      );
    },
    document: async (id) => {
      await document.send(
        new PutCommand({
          TableName: 'sdk-floor',
          Item: { id, status: 'INPROGRESS', expiration: Math.floor(now / 1000) + 3600 },
          ConditionExpression: CLAIM,
          ExpressionAttributeNames: { '#id': 'id', '#exp': 'expiration' },
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(now / 1000) },
        }),
      );
      await document.send(
        new UpdateCommand({
          TableName: 'sdk-floor',
          Key: { id },
          UpdateExpression: 'SET #status = :completed, #result = :result',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
          ExpressionAttributeValues: { ':completed': 'COMPLETED', ':result': resultText },
        }),
      );
    },
  };
  const samples: Record<SdkFloor, number[]> = { client: [], document: [] };
  for (let round = 0; round < config.warmupRounds + config.rounds; round++) {
    for (let index = 0; index < config.keysPerRound; index++) {
      const order = (index + round) % 2 === 0 ? SDK_FLOORS : [...SDK_FLOORS].reverse();
      for (const floor of order) {
        const excludedBefore = excludedMs();
        const started = performance.now();
        await firstCall[floor](randomUUID());
        const elapsed = performance.now() - started - (excludedMs() - excludedBefore);
        if (round >= config.warmupRounds) samples[floor].push(elapsed);
      }
    }
  }
  return samples;
}
