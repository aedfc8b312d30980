import { Sha256 } from '@aws-crypto/sha256-js';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBStore } from '../../../src/index.js';
import type { AwsCredentials } from '../../../src/stores/dynamodb/credentials.js';
import { amzDate, signRequest } from '../../../src/stores/dynamodb/signer.js';
import { type ReceivedRequest, ScriptedEndpoint } from '../../support/scripted-endpoint.js';

/**
 * Signature Version 4 checked without AWS: the requests the lean transport sends are signed again
 * by the AWS SDK's own signer, for the same credentials and time, and the Authorization headers
 * must be identical.
 */

const STATIC: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TEMPORARY: AwsCredentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////session+token/with=padding==',
};
/** Headers the SDK's signer adds itself, or never signs. */
const ADDED_BY_SIGNER = new Set(['authorization', 'x-amz-date', 'x-amz-security-token', 'connection']);

/** What the AWS SDK's signer makes of the request the transport sent, at the time it was signed. */
async function sdkAuthorization(request: ReceivedRequest, credentials: AwsCredentials, region: string, hashing: 'node' | 'js') {
  const signer = new SignatureV4({
    credentials,
    region,
    service: 'dynamodb',
    sha256: hashing === 'node' ? Hash.bind(null, 'sha256') : Sha256,
    // The transport sends no x-amz-content-sha256 header: sign exactly what it sent.
    applyChecksum: false,
  });
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !ADDED_BY_SIGNER.has(name)) as [string, string][],
  );
  const [hostname, port] = String(request.headers.host).split(':');
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: hostname!,
      port: Number(port),
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate: parseAmzDate(String(request.headers['x-amz-date'])) },
  );
  return signed.headers.authorization;
}

function parseAmzDate(text: string): Date {
  return new Date(
    `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`,
  );
}

let endpoint: ScriptedEndpoint;
beforeAll(async () => {
  endpoint = await new ScriptedEndpoint(() => ({ status: 200, body: {} })).start();
});
afterAll(async () => {
  await endpoint?.stop();
});

describe.each([
  ['static credentials', STATIC],
  ['temporary credentials with a session token', TEMPORARY],
])('every request the store sends, %s', (_label, credentials) => {
  it.each(['node', 'js'] as const)(
    'carries the Authorization header the AWS SDK signer computes (SDK hash: %s)',
    async (hashing) => {
      const store = new DynamoDBStore({
        tableName: 'idempotency',
        endpoint: endpoint.endpoint,
        region: 'eu-west-1',
        credentials,
      });
      const from = endpoint.received.length;
      const now = Date.now();
      const id = `orders#${'x'.repeat(43)}`;
      await store.claim({
        id,
        lease: 'lease-1',
        expiresAt: 1_900_000_000,
        inProgressUntil: now + 30_000,
        now,
        fingerprint: 'fp',
      });
      await store.get(id);
      await store.complete({
        id,
        lease: 'lease-1',
        result: { kind: 'compressed', bytes: new Uint8Array([0, 1, 254, 255]) },
        expiresAt: 1_900_000_000,
      });
      await store.complete({ id, lease: 'lease-1', result: { kind: 'text', text: '{"ü":"✓"}' }, expiresAt: 1_900_000_000 });
      await store.release({ id, lease: 'lease-1' });
      const sent = endpoint.received.slice(from);
      expect(sent.map((request) => request.operation)).toEqual(['PutItem', 'GetItem', 'UpdateItem', 'UpdateItem', 'DeleteItem']);
      for (const request of sent) {
        expect(request.headers['x-amz-security-token']).toBe(credentials.sessionToken);
        expect(request.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, /,
        );
        expect(request.headers.authorization).toBe(await sdkAuthorization(request, credentials, 'eu-west-1', hashing));
      }
    },
  );
});

it('signs at the time it is given, as the SDK signs at a fixed signingDate', async () => {
  const date = new Date('2026-11-29T12:34:56.789Z');
  const body = Buffer.from('{"TableName":"idempotency","Key":{"id":{"S":"k"}},"ConsistentRead":true}');
  for (const credentials of [STATIC, TEMPORARY]) {
    const headers = signRequest(
      {
        host: 'dynamodb.us-gov-west-1.amazonaws.com',
        path: '/',
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'DynamoDB_20120810.GetItem',
          'Content-Length': String(body.byteLength),
        },
        body,
        region: 'us-gov-west-1',
      },
      credentials,
      date,
    );
    expect(headers['X-Amz-Date']).toBe(amzDate(date));
    expect(amzDate(date)).toBe('20261129T123456Z');
    const received: ReceivedRequest = {
      operation: 'GetItem',
      path: '/',
      body: body.toString('utf8'),
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    };
    const signer = new SignatureV4({
      credentials,
      region: 'us-gov-west-1',
      service: 'dynamodb',
      sha256: Sha256,
      applyChecksum: false,
    });
    const expected = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'dynamodb.us-gov-west-1.amazonaws.com',
        path: '/',
        query: {},
        headers: Object.fromEntries(Object.entries(received.headers).filter(([name]) => !ADDED_BY_SIGNER.has(name))) as Record<
          string,
          string
        >,
        body: received.body,
      },
      { signingDate: date },
    );
    expect(headers.Authorization).toBe(expected.headers.authorization);
  }
});

it('signs an endpoint with a path (a proxy in front of DynamoDB) as the SDK does', async () => {
  const store = new DynamoDBStore({
    tableName: 'idempotency',
    endpoint: `${endpoint.endpoint}/ddb-proxy/v1`,
    region: 'us-east-1',
    credentials: TEMPORARY,
  });
  const from = endpoint.received.length;
  await store.get('orders#k');
  const [request] = endpoint.received.slice(from);
  expect(request?.path).toBe('/ddb-proxy/v1');
  expect(request?.headers.authorization).toBe(await sdkAuthorization(request!, TEMPORARY, 'us-east-1', 'node'));
});
it('formats X-Amz-Date for the second of each time, whichever second came before', () => {
  const at = (iso: string) => amzDate(new Date(iso));
  expect(at('2026-11-29T12:34:56.001Z')).toBe('20261129T123456Z');
  expect(at('2026-11-29T12:34:56.999Z')).toBe('20261129T123456Z');
  expect(at('2026-11-29T12:34:57.000Z')).toBe('20261129T123457Z');
  expect(at('2026-11-29T12:34:56.500Z')).toBe('20261129T123456Z');
  expect(at('1969-12-31T23:59:59.500Z')).toBe('19691231T235959Z');
  expect(at('1970-01-01T00:00:00.000Z')).toBe('19700101T000000Z');
});
