import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheAddress } from '../../samples/valkey/cache-address.js';

/**
 * docs/valkey.md shows what is deployed and tested, verbatim: the Setup is the sample handler the
 * stack deploys (test/infra/valkey-asset.test.ts runs its asset), and the deploy section's bundling
 * is the file the stack bundles with. The CACHE_URL forms it shows are read as the handler reads them.
 */
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const page = read('../../docs/valkey.md');
const section = (heading: string) => {
  const start = page.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/valkey.md has a section "${heading}"`).toBeGreaterThan(-1);
  const end = page.indexOf('\n## ', start + 1);
  return page.slice(start, end === -1 ? undefined : end);
};

describe('docs/valkey.md, where it shows how to deploy', () => {
  it('Setup shows samples/valkey/valkey-glide.ts verbatim', () => {
    expect(section('Setup')).toContain(`\`\`\`ts\n${read('../../samples/valkey/valkey-glide.ts')}\`\`\``);
  });

  it('Setup shows CACHE_URL for ElastiCache Serverless (TLS, port 6379) and for a local server (no TLS), as the handler reads them', () => {
    const forms = [...section('Setup').matchAll(/^CACHE_URL=(\S+)$/gm)].map((match) => cacheAddress(match[1]));
    expect(forms).toEqual([
      { host: expect.stringMatching(/\.serverless\.[a-z0-9-]+\.cache\.amazonaws\.com$/), port: 6379, tls: true },
      { host: '127.0.0.1', port: expect.any(Number), tls: false },
    ]);
  });

  it('the deploy section shows infra/valkey-bundling.ts verbatim, and the command that deploys each client', () => {
    const deploy = section('Deploying with NodejsFunction');
    expect(deploy).toContain(`\`\`\`ts\n${read('../../infra/valkey-bundling.ts')}\`\`\``);
    expect(deploy).toContain(
      'npx cdk deploy -c valkey=valkey-glide LambdaIdempotencyValkey    # or ioredis, iovalkey, node-redis',
    );
  });
});
