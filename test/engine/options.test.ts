import { describe, expect, it } from 'vitest';
import { createIdempotencyEngine } from '../../src/engine/create-engine.js';
import type { IdempotencyOptions } from '../../src/engine/options.js';
import { IdempotencyConfigError } from '../../src/errors.js';
import { MemoryStore } from '../support/memory-store.js';

describe('options the engine cannot use are refused at setup, naming the option', () => {
  const store = new MemoryStore();

  it.each<[string, Partial<IdempotencyOptions<unknown>>, RegExp]>([
    ['a store that is not one', { store: {} as never }, /Option "store"/],
    ['ttlSeconds: 0', { ttlSeconds: 0 }, /Option "ttlSeconds" must be a finite number of at least 1/],
    ['inProgressTimeoutMs: 0', { inProgressTimeoutMs: 0 }, /Option "inProgressTimeoutMs" must be a finite number of at least 1/],
    ['inProgressTimeoutMs: -1', { inProgressTimeoutMs: -1 }, /Option "inProgressTimeoutMs"/],
    ['durableExecutionTimeoutSeconds: 0', { durableExecutionTimeoutSeconds: 0 }, /Option "durableExecutionTimeoutSeconds"/],
    ['clockSkewMs: -1', { clockSkewMs: -1 }, /Option "clockSkewMs" must be a finite number of at least 0/],
    ['compressAboveBytes: NaN', { compressAboveBytes: Number.NaN }, /Option "compressAboveBytes"/],
    ['localCache.maxEntries: 0', { localCache: { maxEntries: 0 } }, /Option "localCache.maxEntries"/],
    [
      'waitForInProgress.timeoutMs: NaN',
      { waitForInProgress: { timeoutMs: Number.NaN } },
      /Option "waitForInProgress.timeoutMs"/,
    ],
    ["name: ''", { name: '' }, /Option "name" must be a non-empty string/],
    ["keyPrefix: ''", { keyPrefix: '' }, /Option "keyPrefix" must be a non-empty string/],
    ['name and keyPrefix together', { name: 'a', keyPrefix: 'b' }, /cannot be combined/],
    ['key: 42', { key: 42 as never }, /Option "key" must be a function or a dotted path/],
    ["key: 'body..orderId'", { key: 'body..orderId' }, /Option "key" must be a function or a dotted path/],
    ["payload: ''", { payload: '' }, /Option "payload" must be a function or a dotted path/],
  ])('%s', (_name, options, message) => {
    const create = () => createIdempotencyEngine({ store, ...options });
    expect(create).toThrow(IdempotencyConfigError);
    expect(create).toThrow(message);
  });
});
