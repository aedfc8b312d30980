import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { IdempotencyConfigError } from '../../../src/index.js';
import { resolveEndpoint } from '../../../src/stores/dynamodb/endpoint.js';

/** The AWS SDK's own endpoint rules for DynamoDB, which the lean transport must match. */
const sdkRules = new DynamoDBClient({ region: 'us-east-1' }).config.endpointProvider;

const REGIONS = [
  'us-east-1',
  'eu-west-1',
  'ap-southeast-5',
  'mx-central-1',
  'il-central-1',
  'cn-north-1',
  'cn-northwest-1',
  'us-gov-west-1',
  'us-gov-east-1',
  'us-iso-east-1',
  'us-isob-east-1',
  'eu-isoe-west-1',
  'us-isof-south-1',
  'eusc-de-east-1',
  'xx-future-1',
];

describe('the Region endpoint, as the SDK resolves it for every partition and switch', () => {
  const cases = REGIONS.flatMap((region) =>
    [false, true].flatMap((fips) => [false, true].map((dualStack) => [region, fips, dualStack] as const)),
  );
  it.each(cases)('%s fips=%s dual-stack=%s', (region, fips, dualStack) => {
    const expected = sdkRules({ Region: region, UseFIPS: fips, UseDualStack: dualStack, AccountIdEndpointMode: 'disabled' });
    const env = { AWS_REGION: region, AWS_USE_FIPS_ENDPOINT: String(fips), AWS_USE_DUALSTACK_ENDPOINT: String(dualStack) };
    const resolved = resolveEndpoint({}, env);
    expect(resolved?.url.href).toBe(expected.url.href);
    expect(resolved?.signingRegion).toBe(region);
  });

  it('the "local" Region is DynamoDB Local on localhost:8000, as in the SDK', () => {
    const expected = sdkRules({ Region: 'local', UseFIPS: false, UseDualStack: false });
    expect(resolveEndpoint({ region: 'local' }, {})?.url.href).toBe(expected.url.href);
  });
});

describe('which endpoint wins', () => {
  const base = { AWS_REGION: 'eu-west-1' };
  it('an explicit endpoint, then AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the Region', () => {
    const env = { ...base, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL: 'http://127.0.0.1:9999' };
    expect(resolveEndpoint({ endpoint: 'https://ddb.example.com' }, env)?.url.href).toBe('https://ddb.example.com/');
    expect(resolveEndpoint({}, env)?.url.href).toBe('http://127.0.0.1:4566/');
    expect(resolveEndpoint({}, { ...base, AWS_ENDPOINT_URL: 'http://127.0.0.1:9999' })?.url.href).toBe('http://127.0.0.1:9999/');
    expect(resolveEndpoint({}, base)?.url.href).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the environment variables, not an explicit endpoint', () => {
    const env = { ...base, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
    expect(resolveEndpoint({}, env)?.url.href).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(resolveEndpoint({ endpoint: 'http://127.0.0.1:1234' }, env)?.url.href).toBe('http://127.0.0.1:1234/');
  });

  it('the Region option, then AWS_REGION, then AWS_DEFAULT_REGION; a custom endpoint signs for it', () => {
    expect(resolveEndpoint({ region: 'ap-south-1' }, { AWS_REGION: 'eu-west-1' })?.signingRegion).toBe('ap-south-1');
    expect(resolveEndpoint({}, { AWS_DEFAULT_REGION: 'sa-east-1' })?.url.host).toBe('dynamodb.sa-east-1.amazonaws.com');
    expect(resolveEndpoint({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'sa-east-1' })?.signingRegion).toBe('eu-west-1');
    expect(resolveEndpoint({ endpoint: 'http://127.0.0.1:8000' }, { AWS_REGION: 'eu-west-1' })?.signingRegion).toBe('eu-west-1');
  });

  it('with neither Region nor endpoint there is nothing to resolve (the first request says so)', () => {
    expect(resolveEndpoint({}, {})).toBeUndefined();
  });
});

describe('refused at setup, as the SDK refuses them', () => {
  it.each([
    [{ endpoint: 'not a url' }, {}, /is not a URL/],
    [{ endpoint: 'ftp://example.com' }, {}, /must be an http or https URL/],
    [{ region: 'eu west 1' }, {}, /is not an AWS Region name/],
    [{ endpoint: 'http://127.0.0.1:8000' }, { AWS_USE_FIPS_ENDPOINT: 'true' }, /FIPS and a custom endpoint/],
    [
      {},
      { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000', AWS_USE_DUALSTACK_ENDPOINT: 'true' },
      /dual-stack and a custom endpoint/,
    ],
    [{ region: 'local' }, { AWS_USE_FIPS_ENDPOINT: 'true' }, /"local" Region/],
  ])('%j with %j', (settings, env, message) => {
    expect(() => resolveEndpoint(settings, env)).toThrow(IdempotencyConfigError);
    expect(() => resolveEndpoint(settings, env)).toThrow(message);
  });
});
