import { storeFixture, type Transport } from '../support/fixtures.js';
import { storeContract } from './contract.js';

// The store's own transport (the default) and a caller's AWS SDK client: one contract.
for (const transport of ['lean', 'sdk'] as const satisfies readonly Transport[]) {
  storeContract(`DynamoDBStore, ${transport} transport (dynalite, or AWS_ENDPOINT_URL_DYNAMODB)`, async () => {
    const fixture = await storeFixture(transport);
    return {
      store: fixture.store,
      requests: () => fixture.commands.total(),
      duplicateRequests: fixture.returnsItemOnConditionFailure ? 1 : 2,
      stop: () => fixture.close(),
    };
  });
}
