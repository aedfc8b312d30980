import { MemoryStore } from '../support/memory-store.js';
import { storeContract } from './contract.js';

// The store the engine's specification runs on (test/engine) keeps the same contract as the real ones.
storeContract('MemoryStore (returns the existing record, like DynamoDB)', async () => {
  const store = new MemoryStore();
  return { store, requests: () => store.count(), duplicateRequests: 1, stop: async () => undefined };
});

storeContract('MemoryStore (reads the existing record with a second request, like dynalite)', async () => {
  const store = new MemoryStore({ returnsExistingOnConditionFailure: false });
  return { store, requests: () => store.count(), duplicateRequests: 2, stop: async () => undefined };
});
