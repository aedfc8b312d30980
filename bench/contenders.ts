import { IdempotencyConfig, makeIdempotent as powertoolsMakeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { DynamoDBStore, idempotency, makeIdempotent } from 'lambda-idempotency';
import middy from 'middy-core-7';
import { BENCH_FUNCTION_NAME, type OrderEvent } from './workload.js';

// Powertools reads its record scope from the environment when its persistence layer is built;
// ours reads it from the context. Both then scope records by the same function name.
process.env.AWS_LAMBDA_FUNCTION_NAME = BENCH_FUNCTION_NAME;

export type LibraryId = 'ours' | 'powertools';
export type Adapter = 'middy' | 'wrapper';

export const LIBRARIES: readonly LibraryId[] = ['ours', 'powertools'];
export const ADAPTERS: readonly Adapter[] = ['middy', 'wrapper'];
export const LIBRARY_LABELS: Record<LibraryId, string> = {
  ours: 'lambda-idempotency',
  powertools: 'Powertools',
};

/** The business handler both libraries wrap: the same function, the same result. */
export type BusinessHandler = (event: OrderEvent) => Promise<unknown>;
/** A Lambda handler, as the runtime calls it. */
export type Invoke = (event: OrderEvent, context: Context) => Promise<unknown>;

export interface ContenderOptions {
  readonly library: LibraryId;
  readonly adapter: Adapter;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly localCache: boolean;
  readonly handler: BusinessHandler;
}

/**
 * One library configured the way its documentation shows, with the same key selection
 * (`orderId`), the same TTL (the default hour of both), and its own default table layout.
 */
export function buildContender(options: ContenderOptions): Invoke {
  return options.library === 'ours' ? buildOurs(options) : buildPowertools(options);
}

function buildOurs({ adapter, client, tableName, localCache, handler }: ContenderOptions): Invoke {
  const store = new DynamoDBStore({ tableName, client });
  if (adapter === 'middy') {
    return middy((event: OrderEvent) => handler(event)).use(idempotency<OrderEvent>({ store, key: 'orderId', localCache }));
  }
  return makeIdempotent(
    async function processOrder(event: OrderEvent, _context: Context) {
      return handler(event);
    },
    { store, key: 'orderId', localCache },
  );
}

function buildPowertools({ adapter, client, tableName, localCache, handler }: ContenderOptions): Invoke {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'orderId', useLocalCache: localCache });
  if (adapter === 'middy') {
    return middy((event: OrderEvent) => handler(event)).use(makeHandlerIdempotent({ persistenceStore, config }));
  }
  return powertoolsMakeIdempotent(async (event: OrderEvent, _context: Context) => handler(event), {
    persistenceStore,
    config,
  });
}
