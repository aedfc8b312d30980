import { readdirSync, readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshContext, sampleEvent } from '../batch/support.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { lambdaContext, uniqueKey } from '../support/fixtures.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const readme = read('README.md');
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  repository: { url: string };
};

// Each runnable example is a file under test/readme/, shown verbatim on the page that explains it:
// the type check compiles it, and the tests below (and test/readme/handler.test.ts itself) run it.
const examples = [
  ['README.md', 'test/readme/handler.ts'],
  ['README.md', 'test/readme/wrapper-handler.ts'],
  ['docs/testing.md', 'test/readme/local-dynamodb.ts'],
  ['docs/testing.md', 'test/readme/handler.test.ts'],
  ['docs/http.md', 'test/readme/http-example.ts'],
  ['docs/batches.md', 'test/readme/batch-example.ts'],
] as const;
/** Pages whose every TypeScript block must be one of the examples: nothing shown there goes unchecked. */
const checkedPages = ['README.md', 'docs/testing.md'];

function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1] ?? '');
}

function linkTargets(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

describe('README and docs/', () => {
  it.each(examples)('%s shows %s verbatim', (page, example) => {
    expect(read(page)).toContain(`\`\`\`ts\n${read(example)}\`\`\``);
  });

  it.each(checkedPages)('%s shows no TypeScript but the examples', (page) => {
    const shown = examples.filter(([on]) => on === page).map(([, example]) => read(example));
    expect(codeBlocks(read(page), 'ts')).toEqual(shown);
  });

  it('installs every required peer dependency, and @middy/core for the Middy adapter', () => {
    const install = codeBlocks(readme, 'sh').find((block) => block.startsWith('npm install lambda-idempotency'));
    const required = Object.keys(packageJson.peerDependencies).filter(
      (name) => !packageJson.peerDependenciesMeta?.[name]?.optional,
    );
    expect(install).toBeDefined();
    for (const name of [...required, '@middy/core']) expect(install).toContain(name);
  });

  const npmCommands = (markdown: string) =>
    codeBlocks(markdown, 'sh').flatMap((block) => [...block.matchAll(/npm (?:run ([\w:-]+)|(start|test))\b/g)]);

  it('shows how to start, test, serve, benchmark and document the repository', () => {
    expect(npmCommands(readme).map((command) => command[0])).toEqual(
      expect.arrayContaining(['npm start', 'npm test', 'npm run bench', 'npm run dev', 'npm run docs:api']),
    );
  });

  const pages = [
    'README.md',
    ...readdirSync(new URL('docs/', root))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  it.each(pages)('%s names only npm scripts that exist in its commands', (page) => {
    const missing = npmCommands(read(page))
      .map((command) => command[1] ?? command[2] ?? '')
      .filter((script) => !(script in packageJson.scripts));
    expect(missing).toEqual([]);
  });

  // Whether each link resolves (file and heading) is test/docs/links.test.ts's job.
  it('links with absolute URLs only, so every link works on the npm page', () => {
    const relative = linkTargets(readme).filter((target) => !/^https:\/\//.test(target));
    expect(relative).toEqual([]);
    expect(packageJson.repository.url).toContain('github.com/lambda-idempotency/lambda-idempotency');
  });
});

describe('the examples, run as written', () => {
  let table: TestTable;
  const saved = { table: process.env.IDEMPOTENCY_TABLE, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB };
  beforeAll(async () => {
    table = await createTable(testClient());
    // The examples build their own client, as a deployed function would: the SDK's variable picks the endpoint.
    process.env.IDEMPOTENCY_TABLE = table.name;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
  });
  afterAll(async () => {
    await table.drop();
    restore('IDEMPOTENCY_TABLE', saved.table);
    restore('AWS_ENDPOINT_URL_DYNAMODB', saved.endpoint);
  });

  it('the Middy handler: a retry replays the first result', async () => {
    const { handler } = await import('./handler.js');
    const event = { orderId: uniqueKey(), amount: 2500 };

    const first = await handler(event, lambdaContext());
    const retry = await handler(event, lambdaContext());
    expect(first).toMatchObject({ orderId: event.orderId, amount: 2500 });
    expect(retry).toEqual(first);
  });

  it('the anonymous wrapped handler: a retry replays the first result', async (test) => {
    const loaded = await import('./wrapper-handler.js').catch((error: unknown) => error);
    if (loaded instanceof Error && loaded.message.includes('makeIdempotent needs a named function or the "keyPrefix" option')) {
      // Anonymous handlers come with the engine branch of issue 11; until it is merged, the wrapper refuses them.
      test.skip('anonymous handlers need the engine change of issue 11');
    }
    if (loaded instanceof Error) throw loaded;
    const { handler } = loaded as typeof import('./wrapper-handler.js');
    const event = { orderId: uniqueKey(), amount: 2500 };

    const first = await handler(event, lambdaContext());
    const retry = await handler(event, lambdaContext());
    expect(first).toMatchObject({ orderId: event.orderId, amount: 2500 });
    expect(retry).toEqual(first);
  });

  it('the HTTP example: a retry gets the same payment, marked as replayed', async () => {
    const { handler } = await import('./http-example.js');
    const event = JSON.parse(read('events/http/http-api.json')) as APIGatewayProxyEventV2;
    event.headers['idempotency-key'] = uniqueKey();

    const first = await handler(event, lambdaContext());
    const retry = await handler(structuredClone(event), lambdaContext());

    expect(first).toMatchObject({ statusCode: 201 });
    expect(JSON.parse(first.body ?? '')).toMatchObject({ amount: 4200, currency: 'EUR', status: 'succeeded' });
    expect(retry.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
    expect(retry.body).toBe(first.body);
  });

  it('the SQS example: a redelivered batch and a duplicate message post nothing twice', async () => {
    const { handler, ledger } = await import('./batch-example.js');
    const event = sampleEvent<SQSEvent>('sqs');
    event.Records.push(structuredClone(event.Records[0] as SQSRecord));
    const context = freshContext();

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await handler(sampleEvent('sqs'), context)).toEqual({ batchItemFailures: [] });
    expect(ledger.map((entry) => entry.orderId).sort()).toEqual(['order-1001', 'order-1002', 'order-1003']);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
