import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DynamoDBStore, IdempotencyConfigError, makeIdempotent, StoreError } from '../../../src/index.js';
import { testClient } from '../../support/dynamodb.js';
import { dynamoError, type Scripted, ScriptedEndpoint } from '../../support/scripted-endpoint.js';

/**
 * What the SDK did for the store, done by the lean transport on purpose: retries (which errors,
 * how many, never past the invocation), timeouts, clock skew, and the errors the store reports.
 */

const started: ScriptedEndpoint[] = [];
async function scripted(answer: (request: { operation: string; headers: Record<string, unknown> }, index: number) => Scripted) {
  const endpoint = await new ScriptedEndpoint(answer).start();
  started.push(endpoint);
  return endpoint;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((endpoint) => endpoint.stop()));
});

const ID = 'orders#abc';
const claimOn = (store: DynamoDBStore, deadline?: number) => {
  const now = Date.now();
  return store.claim({
    id: ID,
    lease: 'lease-1',
    expiresAt: Math.floor(now / 1000) + 60,
    inProgressUntil: now + 10_000,
    now,
    deadline,
  });
};
const leanStore = (endpoint: string, options: Partial<ConstructorParameters<typeof DynamoDBStore>[0]> = {}) =>
  new DynamoDBStore({ tableName: 'idempotency', endpoint, retryBaseDelayMs: 1, ...options });

describe('retries', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
  ])('retries %s (HTTP %s) up to maxAttempts, then fails with it', async (type, status) => {
    const endpoint = await scripted(() => dynamoError(status, type, `injected ${type}`));
    await expect(claimOn(leanStore(endpoint.endpoint))).rejects.toMatchObject({ name: 'StoreError', cause: { name: type } });
    expect(endpoint.received).toHaveLength(3);
    await expect(claimOn(leanStore(endpoint.endpoint, { maxAttempts: 5 }))).rejects.toBeInstanceOf(StoreError);
    expect(endpoint.received).toHaveLength(8);
  });

  it('a throttled request that then succeeds costs the caller nothing', async () => {
    const endpoint = await scripted((_request, index) =>
      index < 2 ? dynamoError(400, 'ThrottlingException', 'slow down') : { status: 200 },
    );
    expect(await claimOn(leanStore(endpoint.endpoint))).toEqual({ claimed: true });
    expect(endpoint.received).toHaveLength(3);
  });

  it.each([
    ['ValidationException', 'One or more parameter values were invalid'],
    ['ResourceNotFoundException', 'Requested resource not found'],
    ['AccessDeniedException', 'not authorized'],
  ])('never retries %s', async (type, message) => {
    const endpoint = await scripted(() => dynamoError(400, type, message));
    await expect(claimOn(leanStore(endpoint.endpoint))).rejects.toBeInstanceOf(StoreError);
    expect(endpoint.received).toHaveLength(1);
  });

  it('retries a reset connection', async () => {
    const endpoint = await scripted((_request, index) => (index === 0 ? 'reset' : { status: 200 }));
    expect(await claimOn(leanStore(endpoint.endpoint))).toEqual({ claimed: true });
    expect(endpoint.received).toHaveLength(2);
  });

  it('waits with exponential backoff: a larger base delay makes the same failures take longer', async () => {
    const endpoint = await scripted(() => dynamoError(500, 'InternalServerError', 'boom'));
    const timed = async (retryBaseDelayMs: number) => {
      const start = performance.now();
      await claimOn(leanStore(endpoint.endpoint, { retryBaseDelayMs, maxAttempts: 6 })).catch(() => undefined);
      return performance.now() - start;
    };
    // Full jitter: each pause is random in [0, base × 2^n); the expected sum for 5 pauses at 40 ms is 620 ms.
    expect(await timed(0)).toBeLessThan(200);
    expect(await timed(40)).toBeGreaterThan(100);
  });
});

describe('timeouts', () => {
  it('abandons an attempt that gets no answer after requestTimeoutMs and retries it', async () => {
    const endpoint = await scripted((_request, index) => (index === 0 ? 'hang' : { status: 200 }));
    const start = performance.now();
    expect(await claimOn(leanStore(endpoint.endpoint, { requestTimeoutMs: 150 }))).toEqual({ claimed: true });
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(endpoint.received).toHaveLength(2);
  });

  it('a hung endpoint costs at most maxAttempts × requestTimeoutMs, then a TimeoutError', async () => {
    const endpoint = await scripted(() => 'hang');
    const start = performance.now();
    const error = await claimOn(leanStore(endpoint.endpoint, { requestTimeoutMs: 100 })).catch((caught: unknown) => caught);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(error).toMatchObject({ name: 'StoreError', cause: { name: 'TimeoutError' } });
    expect(endpoint.received).toHaveLength(3);
  });

  describe('connecting', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    });

    it('bounds opening a connection by connectTimeoutMs (a TLS handshake that never completes)', async () => {
      // Accepts TCP and never speaks TLS: the connection is never established.
      server = createTcpServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const { port } = server.address() as { port: number };
      const start = performance.now();
      const error = await claimOn(
        leanStore(`https://127.0.0.1:${port}`, { connectTimeoutMs: 80, requestTimeoutMs: 5000, maxAttempts: 2 }),
      ).catch((caught: unknown) => caught);
      expect(performance.now() - start).toBeLessThan(1000);
      expect(error).toMatchObject({
        cause: { name: 'TimeoutError', message: expect.stringMatching(/No connection to .* within 80 ms/) },
      });
    });
  });
});

describe("the invocation's deadline", () => {
  it('no attempt starts and no backoff ends past it: the store fails while the invocation can still answer', async () => {
    const endpoint = await scripted(() => dynamoError(400, 'ThrottlingException', 'slow down'));
    const store = leanStore(endpoint.endpoint, { retryBaseDelayMs: 2000, maxAttempts: 10 });
    const deadline = Date.now() + 400;
    await expect(claimOn(store, deadline)).rejects.toBeInstanceOf(StoreError);
    expect(Date.now()).toBeLessThan(deadline);
  });

  it('an attempt is cut short to end before it', async () => {
    const endpoint = await scripted(() => 'hang');
    const deadline = Date.now() + 400;
    await expect(claimOn(leanStore(endpoint.endpoint, { requestTimeoutMs: 10_000 }), deadline)).rejects.toBeInstanceOf(
      StoreError,
    );
    expect(Date.now()).toBeLessThan(deadline);
  });
});

describe("the invocation's deadline, end to end", () => {
  it('a result whose completion keeps being throttled is still returned before Lambda stops the invocation', async () => {
    const endpoint = await scripted((request) =>
      request.operation === 'UpdateItem' ? dynamoError(400, 'ThrottlingException', 'slow down') : { status: 200 },
    );
    const store = leanStore(endpoint.endpoint, { retryBaseDelayMs: 1000, maxAttempts: 10 });
    const warnings: string[] = [];
    const charge = makeIdempotent(async (_event: { id: string }, _context: Context) => 'charged', {
      store,
      key: 'id',
      logger: { warn: () => undefined },
      onWarning: (warning) => void warnings.push(warning.name),
    });
    const deadline = Date.now() + 800;
    const context = { functionName: 'orders', getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
    expect(await charge({ id: 'deadline-1' }, context)).toBe('charged');
    expect(Date.now()).toBeLessThan(deadline);
    expect(warnings).toEqual(['ResultNotPersistedError']);
    expect(endpoint.received.filter((request) => request.operation === 'UpdateItem').length).toBeGreaterThanOrEqual(3);
  });
});

describe('clock skew', () => {
  it("corrects the signing time from the server's Date header after a skew error, as the SDK does", async () => {
    const serverClockAheadMs = 60 * 60_000;
    const endpoint = await scripted((request) => {
      const serverNow = Date.now() + serverClockAheadMs;
      const text = String(request.headers['x-amz-date']);
      const signedAt = Date.parse(
        `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`,
      );
      const headers = { date: new Date(serverNow).toUTCString() };
      if (Math.abs(serverNow - signedAt) > 5 * 60_000) {
        return { ...dynamoError(400, 'InvalidSignatureException', 'Signature expired: the request is too old'), headers };
      }
      return { status: 200, headers };
    });
    const store = leanStore(endpoint.endpoint);
    expect(await claimOn(store)).toEqual({ claimed: true });
    expect(endpoint.received).toHaveLength(2);
    expect(await claimOn(store)).toEqual({ claimed: true });
    expect(endpoint.received).toHaveLength(3);
  });
});

describe('errors: the same StoreError as through the AWS SDK', () => {
  const responses: [string, Scripted][] = [
    ['a missing table', dynamoError(400, 'ResourceNotFoundException', 'Requested resource not found')],
    [
      'access denied, with the action and the ARN',
      dynamoError(
        400,
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/orders-role/orders-fn is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/idempotency because no identity-based policy allows the dynamodb:PutItem action',
      ),
    ],
    [
      'a validation error',
      dynamoError(400, 'ValidationException', 'One or more parameter values were invalid: Type mismatch for key id'),
    ],
  ];
  it.each(responses)('%s', async (_label, answer) => {
    const endpoint = await scripted(() => answer);
    const lean = await claimOn(leanStore(endpoint.endpoint)).catch((caught: unknown) => caught);
    const sdk = await claimOn(
      new DynamoDBStore({ tableName: 'idempotency', client: testClient({ endpoint: endpoint.endpoint, maxAttempts: 1 }) }),
    ).catch((caught: unknown) => caught);
    expect(lean).toBeInstanceOf(StoreError);
    expect(sdk).toBeInstanceOf(StoreError);
    expect((lean as StoreError).message).toBe((sdk as StoreError).message);
    expect((lean as StoreError).operation).toBe('PutItem');
    expect((lean as StoreError).cause).toMatchObject({ name: ((sdk as StoreError).cause as Error).name });
  });

  it('a failed claim carries the existing item: no read follows, on both transports', async () => {
    const item = {
      id: { S: ID },
      status: { S: 'COMPLETED' },
      expiration: { N: String(Math.floor(Date.now() / 1000) + 600) },
      lease: { S: 'lease-0' },
      result: { B: Buffer.from([1, 2, 3]).toString('base64') },
    };
    const endpoint = await scripted(() =>
      dynamoError(400, 'ConditionalCheckFailedException', 'The conditional request failed', { Item: item }),
    );
    for (const store of [
      leanStore(endpoint.endpoint),
      new DynamoDBStore({ tableName: 'idempotency', client: testClient({ endpoint: endpoint.endpoint }) }),
    ]) {
      const from = endpoint.received.length;
      const outcome = await claimOn(store);
      expect(outcome).toMatchObject({
        claimed: false,
        existing: { status: 'COMPLETED', lease: 'lease-0', result: { kind: 'compressed' } },
      });
      expect(!outcome.claimed && outcome.existing?.result).toEqual({ kind: 'compressed', bytes: new Uint8Array([1, 2, 3]) });
      expect(endpoint.received.slice(from).map((request) => request.operation)).toEqual(['PutItem']);
    }
  });

  it('without a Region or endpoint, the first request names AWS_REGION', async () => {
    const saved = { region: process.env.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB };
    delete process.env.AWS_REGION;
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    try {
      const error = await claimOn(new DynamoDBStore({ tableName: 'idempotency' })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/No AWS Region: set AWS_REGION/);
    } finally {
      process.env.AWS_REGION = saved.region;
      if (saved.endpoint !== undefined) process.env.AWS_ENDPOINT_URL_DYNAMODB = saved.endpoint;
    }
  });
});

describe('options', () => {
  it.each([
    [{ maxAttempts: 0 }, /"maxAttempts" must be an integer of at least 1, got 0/],
    [{ maxAttempts: 1.5 }, /"maxAttempts" must be an integer/],
    [{ requestTimeoutMs: Number.NaN }, /"requestTimeoutMs" must be a finite number of at least 1, got NaN/],
    [{ connectTimeoutMs: -1 }, /"connectTimeoutMs"/],
    [{ region: '' }, /"region" must be a non-empty string/],
    [{ credentials: { accessKeyId: 'only' } }, /"credentials" must be/],
    [{ clientConfig: { region: 'eu-west-1' } }, /"clientConfig" is gone/],
    [{ client: testClient(), maxAttempts: 5 }, /"maxAttempts" configure the store's own transport/],
    [{ client: {} }, /"client" must be an AWS SDK v3 DynamoDBClient/],
    [{ commands: {} }, /"commands" goes with "client"/],
    [
      { client: testClient(), commands: { GetItemCommand: class {} } },
      /"commands" lacks PutItemCommand, UpdateItemCommand, DeleteItemCommand/,
    ],
  ])('refuses %j at setup', (options, message) => {
    const build = () => new DynamoDBStore({ tableName: 'idempotency', ...(options as object) });
    expect(build).toThrow(IdempotencyConfigError);
    expect(build).toThrow(message);
  });
});

describe('a client with its command classes', () => {
  it("sends the caller's own command classes through the caller's client", async () => {
    const endpoint = await scripted(() => ({ status: 200, body: {} }));
    const built: string[] = [];
    const counted = <T extends new (input: never) => object>(Command: T, name: string) =>
      class extends (Command as unknown as new (input: object) => object) {
        constructor(input: object) {
          super(input);
          built.push(name);
        }
      };
    const store = new DynamoDBStore({
      tableName: 'idempotency',
      client: testClient({ endpoint: endpoint.endpoint }),
      commands: {
        GetItemCommand: counted(GetItemCommand, 'GetItem'),
        PutItemCommand: counted(PutItemCommand, 'PutItem'),
        UpdateItemCommand: counted(UpdateItemCommand, 'UpdateItem'),
        DeleteItemCommand: counted(DeleteItemCommand, 'DeleteItem'),
      },
    });
    expect(await claimOn(store)).toEqual({ claimed: true });
    expect(await store.get(ID)).toBeUndefined();
    expect(built).toEqual(['PutItem', 'GetItem']);
    expect(endpoint.received.map((request) => request.operation)).toEqual(['PutItem', 'GetItem']);
  });
});
