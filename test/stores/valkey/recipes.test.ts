import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * docs/valkey.md shows the client recipes the suite runs (recipes/*.ts), verbatim: the
 * contract, the cluster tests and the unreachable-server tests connect through these files.
 */
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const page = read('../../../docs/valkey.md');

describe('docs/valkey.md client recipes', () => {
  it.each(['valkey-glide.ts', 'ioredis.ts', 'node-redis.ts'])('shows recipes/%s verbatim', (file) => {
    expect(page).toContain(`\`\`\`ts\n${read(`./recipes/${file}`)}\`\`\``);
  });

  it('runs iovalkey with the ioredis recipe, imported from iovalkey (as the page says)', () => {
    expect(read('./recipes/iovalkey.ts')).toBe(read('./recipes/ioredis.ts').replace("from 'ioredis'", "from 'iovalkey'"));
    expect(page).toMatch(/iovalkey.*same recipe.*from 'iovalkey'/);
  });
});
