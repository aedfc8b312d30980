import { storeFixture } from '../support/fixtures.js';
import { storeContract } from './contract.js';

storeContract('DynamoDBStore (dynalite, or AWS_ENDPOINT_URL_DYNAMODB)', async () => {
  const fixture = await storeFixture();
  return {
    store: fixture.store,
    requests: () => fixture.commands.total(),
    duplicateRequests: fixture.returnsItemOnConditionFailure ? 1 : 2,
    stop: () => fixture.table.drop(),
  };
});
