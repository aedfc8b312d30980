import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropToolTables, startTool, toolEnvironment } from './run-tool.js';

let dev: ChildProcess;
let url: string;
let output = '';

beforeAll(async () => {
  dev = startTool('demo/dev.ts', ['--port', '0'], toolEnvironment());
  dev.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  url = await new Promise<string>((resolve, reject) => {
    dev.stdout?.on('data', (chunk) => {
      output += chunk;
      const found = /listening on (http:\/\/[\d.]+:\d+)[\s\S]*Ctrl-C/.exec(output);
      if (found?.[1]) resolve(found[1]);
    });
    dev.once('exit', (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
  });
});

afterAll(async () => {
  if (dev.exitCode === null) {
    dev.kill('SIGTERM');
    await once(dev, 'exit');
  }
  await dropToolTables();
});

const payment = { amount: 2500, currency: 'EUR', customerId: 'customer-17' };

function post(key: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${url}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { 'Idempotency-Key': key }) },
    body: JSON.stringify(body),
  });
}

describe('npm run dev', () => {
  it('prints its URL and a curl command to try', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`curl -i -X POST ${url}/payments -H 'Idempotency-Key:`);
  });

  it('creates a payment, replays it to a retry, and refuses the key for another body', async () => {
    const key = `dev-${Date.now()}`;
    const first = await post(key, payment);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const created = (await first.json()) as { paymentId: string; amount: number };
    expect(created.amount).toBe(2500);
    expect(first.headers.get('location')).toBe(`/payments/${created.paymentId}`);

    const retry = await post(key, payment);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(created);

    const reused = await post(key, { ...payment, amount: 9900 });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 400 without a key, and API Gateway 404 off the route', async () => {
    const missing = await post(undefined, payment);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { type: string }).type).toMatch(/idempotency-key-missing$/);
    const offRoute = await fetch(`${url}/refunds`, { method: 'POST' });
    expect(offRoute.status).toBe(404);
    expect(await offRoute.json()).toEqual({ message: 'Not Found' });
  });

  it('runs the handler once for concurrent requests with one key', async () => {
    const key = `dev-race-${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(key, payment)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const fresh = responses.filter((response) => response.status === 201 && response.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
  });
});
