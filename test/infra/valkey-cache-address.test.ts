import { describe, expect, it } from 'vitest';
import { cacheAddress } from '../../samples/valkey/cache-address.js';

const serverless = 'orders-idempotency-a1b2c3.serverless.euw1.cache.amazonaws.com';

describe('CACHE_URL, as the sample Valkey handlers read it', () => {
  it.each([
    [`rediss://${serverless}:6379`, { host: serverless, port: 6379, tls: true }],
    [`rediss://${serverless}`, { host: serverless, port: 6379, tls: true }],
    ['redis://127.0.0.1:7001', { host: '127.0.0.1', port: 7001, tls: false }],
    ['redis://127.0.0.1:7001/', { host: '127.0.0.1', port: 7001, tls: false }],
    ['redis://[::1]:7001', { host: '::1', port: 7001, tls: false }],
  ])('%s', (url, address) => {
    expect(cacheAddress(url)).toEqual(address);
  });

  it.each([
    [undefined, /CACHE_URL is not set/],
    ['', /CACHE_URL is not set/],
    [`${serverless}:6379`, /must start with rediss:\/\/ \(TLS\) or redis:\/\//],
    ['127.0.0.1:6379', /not a URL|must start with/],
    [`https://${serverless}`, /must start with rediss:\/\/ \(TLS\) or redis:\/\/ \(no TLS\), not https:/],
    [`rediss://user:secret@${serverless}:6379`, /credentials/],
    ['redis://127.0.0.1:6379/2', /names a database \(\/2\)/],
    [`rediss://${serverless}:6380`, /reader port 6380/],
  ])('refuses %s, saying why', (url, reason) => {
    expect(() => cacheAddress(url)).toThrow(reason);
  });

  it('takes port 6380 elsewhere: only a Serverless endpoint reserves it for replica reads', () => {
    expect(cacheAddress('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, tls: false });
  });
});
