import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CodeBlock, codeBlocksOf } from './markdown-blocks.js';
import {
  type BlockDiagnostic,
  type Excerpt,
  javascript,
  readRepositoryFile,
  typeCheckBlocks,
  typescript,
} from './type-check-blocks.js';

/**
 * Every code block of README.md and docs/ that a reader would copy compiles as it stands in a fresh
 * app: the package, its peers, @types/aws-lambda and @types/node, strict TypeScript (the options
 * are `freshAppOptions` in type-check-blocks.ts). A block is either complete, or a repository file
 * shown verbatim (listed below), which is then checked as that file. Blocks that import Middy are
 * checked against Middy 6 and Middy 7. JSON blocks must parse; every block names its language, so
 * no TypeScript hides in an unlabelled one.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const blocks = pages.flatMap((page) => codeBlocksOf(page, read(page)));

/** Repository files a page shows whole, verbatim: each runs or is deployed by a test of its own. */
const shownFiles = [
  ['README.md', 'test/readme/handler.ts'],
  ['README.md', 'test/readme/wrapper-handler.ts'],
  ['docs/testing.md', 'test/readme/local-dynamodb.ts'],
  ['docs/testing.md', 'test/readme/handler.test.ts'],
  ['docs/http.md', 'test/readme/http-example.ts'],
  ['docs/batches.md', 'test/readme/batch-example.ts'],
  ['docs/valkey.md', 'samples/valkey/valkey-glide.ts'],
  ['docs/valkey.md', 'test/stores/valkey/recipes/valkey-glide.ts'],
  ['docs/valkey.md', 'test/stores/valkey/recipes/ioredis.ts'],
  ['docs/valkey.md', 'test/stores/valkey/recipes/node-redis.ts'],
  ['docs/valkey.md', 'infra/valkey-bundling.ts'],
] as const;

const typescriptBlocks = blocks.filter((block) => typescript.has(block.language) || javascript.has(block.language));
const excerpts: Excerpt[] = typescriptBlocks.flatMap((block) => {
  const shown = shownFiles.find(([page, file]) => page === block.page && readRepositoryFile(file) === block.text);
  return shown ? [{ block, file: shown[1] }] : [];
});

const at = (block: CodeBlock) => `${block.page}:${block.line}`;

describe('code blocks in README.md and docs/', () => {
  let diagnostics: BlockDiagnostic[] = [];
  beforeAll(() => {
    diagnostics = typeCheckBlocks(typescriptBlocks, excerpts);
  }, 120_000);

  it.each(pages)('%s: every TypeScript block compiles in a fresh strict app', (page) => {
    const errors = diagnostics.filter((diagnostic) => diagnostic.page === page);
    expect(errors.map(({ where, message }) => `${where} ${message}`)).toEqual([]);
  });

  it('the package itself compiles with the options of a fresh app', () => {
    const errors = diagnostics.filter((diagnostic) => diagnostic.page === undefined);
    expect(errors.map(({ where, message }) => `${where} ${message}`)).toEqual([]);
  });

  it.each(shownFiles)('%s shows %s verbatim', (page, file) => {
    expect(excerpts.some((excerpt) => excerpt.block.page === page && excerpt.file === file)).toBe(true);
  });

  it('every block names its language', () => {
    expect(blocks.filter((block) => block.language === '').map(at)).toEqual([]);
  });

  it('every JSON block parses', () => {
    const json = blocks.filter((block) => block.language === 'json');
    const unparsable = json.flatMap((block) => {
      try {
        JSON.parse(block.text);
        return [];
      } catch (error) {
        return [`${at(block)} ${(error as Error).message}`];
      }
    });
    expect(json.length).toBeGreaterThan(0);
    expect(unparsable).toEqual([]);
  });
});
