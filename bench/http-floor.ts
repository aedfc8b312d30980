import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createHttpTransport } from '../src/stores/dynamodb/http-transport.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';

/**
 * What one DynamoDB request costs this process's CPU, from the floor up, against dynalite in a
 * child process: `npx tsx bench/http-floor.ts`. "node:http" is a bare keep-alive POST of a fixed,
 * pre-signed GetItem (nothing built per request); "lean transport" is the store's transport sending
 * the same GetItem (encode, sign, send, decode). The difference is the transport's own work.
 */
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
const BLOCK = 200;
const ROUNDS = Number(process.argv[2] ?? 10);

const endpoint = await startEndpoint();
const admin = benchClient(endpoint.url);
const tableName = await createTable(admin, 'floor');
try {
  const url = new URL(endpoint.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  const transport = createHttpTransport({ endpoint: endpoint.url });
  const input = { TableName: tableName, Key: { id: { S: `floor-${randomUUID()}` } }, ConsistentRead: true };
  const body = Buffer.from(JSON.stringify(input));
  const headers = {
    'Content-Type': 'application/x-amz-json-1.0',
    'X-Amz-Target': 'DynamoDB_20120810.GetItem',
    'Content-Length': String(body.byteLength),
    Host: url.host,
    'X-Amz-Date': '20261203T120000Z',
    Authorization: `AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
  };
  const bare = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ hostname: url.hostname, port: url.port, path: '/', method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          Buffer.concat(chunks).toString('utf8');
          resolve();
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const lean = async () => {
    await transport.send('GetItem', input);
  };
  const results: Record<string, number[]> = { 'node:http': [], 'lean transport': [] };
  const runs: [string, () => Promise<void>][] = [
    ['node:http', bare],
    ['lean transport', lean],
  ];
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, run] of round % 2 === 0 ? runs : [...runs].reverse()) {
      const before = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) await run();
      const used = process.cpuUsage(before);
      if (round >= 0) results[name]!.push((used.user + used.system) / 1000 / BLOCK);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const [name, values] of Object.entries(results))
    process.stdout.write(`${name}: ${median(values).toFixed(3)} ms CPU per GetItem (median of ${ROUNDS} blocks of ${BLOCK})\n`);
} finally {
  await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  admin.destroy();
  await endpoint.stop();
}
