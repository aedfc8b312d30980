import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClient } from '../support/dynamodb.js';
import { redisAvailability, titled } from '../support/redis-server.js';
import { observeValkey } from '../support/valkey-record.js';
import { dropToolTables, startTool, toolEnvironment } from './run-tool.js';

const availability = redisAvailability();
const environment = toolEnvironment();

describe.skipIf(!availability.available)(titled('npm run dev:valkey', availability), () => {
  let dev: ChildProcess;
  let url: string;
  let valkeyUrl: string;
  let output = '';

  beforeAll(async () => {
    dev = startTool('demo/dev.ts', ['--store', 'valkey', '--port', '0'], environment);
    dev.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    [url, valkeyUrl] = await new Promise<[string, string]>((resolve, reject) => {
      dev.stdout?.on('data', (chunk) => {
        output += chunk;
        const found = /listening on (http:\/\/[\d.]+:\d+) \(idempotency records in .*?(redis:\/\/[\d.]+:\d+)[\s\S]*Ctrl-C/.exec(
          output,
        );
        if (found?.[1] && found[2]) resolve([found[1], found[2]]);
      });
      dev.once('exit', (code) => reject(new Error(`npm run dev:valkey exited with ${code}:\n${output}`)));
    });
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGTERM');
      await once(dev, 'exit');
    }
    await dropToolTables();
  });

  const post = (key: string, body: unknown) =>
    fetch(`${url}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify(body),
    });

  it('creates a payment once, replays it to a retry, and keeps the record in Valkey, not in DynamoDB', async () => {
    const valkey = new Redis(valkeyUrl);
    // A REDIS_URL server may hold records of earlier runs: only the new one counts.
    const before = new Set(await valkey.keys('lambda-idempotency-dev:*'));
    const key = `dev-valkey-${Date.now()}`;
    const payment = { amount: 2500, currency: 'EUR', customerId: 'customer-17' };
    const first = await post(key, payment);
    expect(first.status).toBe(201);
    const created = await first.json();
    const retry = await post(key, payment);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(created);
    expect((await post(key, { ...payment, amount: 9900 })).status).toBe(422);

    try {
      const keys = (await valkey.keys('lambda-idempotency-dev:*')).filter((name) => !before.has(name));
      expect(keys).toHaveLength(1);
      expect((await observeValkey(valkey, keys[0]!)).status).toBe('COMPLETED');
    } finally {
      valkey.disconnect();
    }
    const dynamodb = testClient();
    try {
      const scan = await dynamodb.send(new ScanCommand({ TableName: environment.IDEMPOTENCY_TABLE }));
      expect(scan.Items).toEqual([]);
    } finally {
      dynamodb.destroy();
    }
  });

  it('exits cleanly on SIGTERM, stopping the redis-server it started', async () => {
    dev.kill('SIGTERM');
    expect((await once(dev, 'exit'))[0]).toBe(0);
    if (availability.available && availability.external) return;
    const { hostname, port } = new URL(valkeyUrl);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
