/**
 * CI, after `cdk synth`: runs each function bundle esbuild wrote to cdk.out (what Lambda would
 * run, not the TypeScript sources) on its first sample event, against the embedded DynamoDB.
 * Proves the bundles resolve the library, load as ESM and reach their tables from the environment.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { type SampleFunctionName, sampleFunctionDefinitions } from '../infra/sample-functions.js';
import { localLambdaContext } from './lambda-context.js';
import { prepareLocalEnvironment } from './local-environment.js';

const cdkOut = new URL('../cdk.out/', import.meta.url);
const expectations: Record<SampleFunctionName, { event: string; accepts: (result: unknown) => boolean }> = {
  payments: { event: 'payments-first.json', accepts: (result) => (result as { statusCode?: number }).statusCode === 201 },
  orders: {
    event: 'orders-first.json',
    accepts: (result) => JSON.stringify(result) === JSON.stringify({ batchItemFailures: [] }),
  },
  refunds: { event: 'refunds-first.json', accepts: (result) => (result as { customerId?: string }).customerId === 'customer-42' },
};

interface TemplateResource {
  readonly Type: string;
  readonly Metadata?: Record<string, string>;
}

async function bundleDirectories(): Promise<Map<string, string>> {
  const templates = (await readdir(cdkOut)).filter((file) => file.endsWith('.template.json'));
  const directories = new Map<string, string>();
  for (const file of templates) {
    const template = JSON.parse(await readFile(new URL(file, cdkOut), 'utf8')) as { Resources: Record<string, TemplateResource> };
    for (const resource of Object.values(template.Resources)) {
      const path = resource.Metadata?.['aws:cdk:path'];
      const asset = resource.Metadata?.['aws:asset:path'];
      if (resource.Type === 'AWS::Lambda::Function' && path && asset) directories.set(path.split('/').at(-2) ?? path, asset);
    }
  }
  return directories;
}

const directories = await bundleDirectories();
const environment = await prepareLocalEnvironment({ tablePrefix: 'bundle-check', honourTableVariables: false });
let failures = 0;
try {
  for (const [name, definition] of Object.entries(sampleFunctionDefinitions) as [
    SampleFunctionName,
    (typeof sampleFunctionDefinitions)[SampleFunctionName],
  ][]) {
    const directory = directories.get(definition.id);
    if (!directory) {
      console.log(`FAIL ${definition.id}: no bundle in cdk.out (run npm run synth first)`);
      failures++;
      continue;
    }
    const bundle = new URL(`${directory}/index.mjs`, cdkOut);
    const { size } = await stat(bundle);
    const { handler } = (await import(pathToFileURL(bundle.pathname).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const { event, accepts } = expectations[name];
    const input = JSON.parse(await readFile(new URL(`../events/samples/${event}`, import.meta.url), 'utf8')) as unknown;
    const result = await handler(input, localLambdaContext(name, definition.timeoutSeconds * 1000));
    const ok = accepts(result);
    if (!ok) failures++;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${definition.id}: bundle of ${(size / 1024).toFixed(1)} KB on ${event} -> ${JSON.stringify(result).slice(0, 120)}`,
    );
  }
} finally {
  await environment.close();
}
process.exit(failures === 0 ? 0 : 1);
