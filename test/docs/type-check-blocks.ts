import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { CodeBlock } from './markdown-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where the generated app lives: one file per block, and the tsconfig that checks them. */
export const appDirectory = join(root, 'node_modules/.cache/docs-code-blocks');

/**
 * The compiler options of a fresh TypeScript app on Node 20 or later (the settings of
 * `@tsconfig/node20` with `strict`): what a user who copies a block gets. `skipLibCheck` because
 * some peers' own declarations do not compile under every setting (Middy 7's); the package's own
 * code is source here, so it is still checked. `moduleDetection: force` makes every block a module
 * of its own, so two blocks may both declare `store`.
 */
export const freshAppOptions = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  moduleDetection: 'force',
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ['node'],
  allowJs: true,
  checkJs: true,
  noEmit: true,
} as const;

/** Each package specifier (package.json "exports") and the source it stands for, as test/vitest.config.ts maps them. */
const packageEntries: Record<string, string> = {
  'lambda-idempotency': 'src/index.ts',
  'lambda-idempotency/engine': 'src/engine/index.ts',
  'lambda-idempotency/cdk': 'src/cdk/index.ts',
  'lambda-idempotency/valkey': 'src/stores/valkey/index.ts',
  'lambda-idempotency/observability': 'src/observability/index.ts',
};

/**
 * Middy 7 is installed beside Middy 6 under aliases (package.json): a block that imports Middy is
 * checked against both majors the package supports, by a copy importing the aliases.
 */
const middy7Aliases: Record<string, string> = {
  '@middy/core': 'middy-core-7',
  '@middy/http-cors': 'middy-http-cors-7',
  '@middy/http-error-handler': 'middy-http-error-handler-7',
  '@middy/http-json-body-parser': 'middy-http-json-body-parser-7',
  '@middy/validator': 'middy-validator-7',
};
/** Subpaths only Middy 7 has: a block importing one is checked against Middy 7 alone. */
const middy7Only = /from ['"]@middy\/core\/(DurableContext|executionMode\w+|Standard|StreamifyResponse)['"]/;

/** The languages checked, as TypeScript or as JavaScript (with `checkJs`). */
export const typescript = new Set(['ts', 'typescript', 'mts', 'cts']);
export const javascript = new Set(['js', 'javascript', 'mjs', 'cjs']);

/** A block that is a repository file shown verbatim: checked as that file, where its own imports resolve. */
export interface Excerpt {
  readonly block: CodeBlock;
  readonly file: string;
}

export interface BlockDiagnostic {
  /** The page and line of a block's error; for an error outside any block, the file relative to the repository. */
  readonly where: string;
  readonly page: string | undefined;
  readonly message: string;
}

interface Placement {
  readonly block: CodeBlock;
  readonly label: string;
}

/**
 * Type-checks every TypeScript block in one program with a fresh app's options: each block that
 * is not an excerpt is written to a file of its own (and a Middy 7 copy when it imports Middy),
 * each excerpt's repository file is checked in place. The package is imported by name and resolved
 * to its source. Returns the errors, each placed at the line of the page it comes from.
 */
export function typeCheckBlocks(blocks: readonly CodeBlock[], excerpts: readonly Excerpt[]): BlockDiagnostic[] {
  rmSync(appDirectory, { recursive: true, force: true });
  mkdirSync(appDirectory, { recursive: true });
  const placements = new Map<string, Placement>();
  const excerptOf = new Map(excerpts.map((excerpt) => [excerpt.block, excerpt.file]));
  const declarations: string[] = [];

  for (const block of blocks) {
    const file = excerptOf.get(block);
    if (file !== undefined) {
      placements.set(join(root, file), { block, label: `(shown from ${file})` });
      continue;
    }
    const name = `${block.page.replace(/[^\w]+/g, '_')}_L${block.line}`;
    const extension = javascript.has(block.language) ? 'js' : 'ts';
    const middy7 = Object.entries(middy7Aliases).reduce(
      (text, [specifier, alias]) => text.replace(new RegExp(`(['"])${specifier}(['"/])`, 'g'), `$1${alias}$2`),
      block.text,
    );
    if (!middy7Only.test(block.text)) place(`${name}.${extension}`, block.text, { block, label: '' });
    if (middy7 !== block.text) place(`${name}.middy7.${extension}`, middy7, { block, label: '(with Middy 7)' });
  }

  // docs/testing.md has the reader declare dynalite, which ships no types, in a .d.ts of their own.
  place('dynalite.d.ts', "declare module 'dynalite';\n", undefined);
  writeFileSync(join(appDirectory, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  const paths = Object.fromEntries(
    Object.entries(packageEntries).map(([specifier, file]) => [specifier, [relative(appDirectory, join(root, file))]]),
  );
  const tsconfig = {
    compilerOptions: { ...freshAppOptions, paths },
    files: [...declarations, ...placements.keys()].map((file) => relative(appDirectory, file)),
  };
  const configPath = join(appDirectory, 'tsconfig.json');
  writeFileSync(configPath, `${JSON.stringify(tsconfig, null, 2)}\n`);

  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].map((diagnostic) => placeDiagnostic(diagnostic, placements));

  function place(name: string, text: string, placement: Placement | undefined): void {
    const path = join(appDirectory, name);
    writeFileSync(path, text);
    if (placement) placements.set(path, placement);
    else declarations.push(path);
  }
}

function placeDiagnostic(diagnostic: ts.Diagnostic, placements: ReadonlyMap<string, Placement>): BlockDiagnostic {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  const { file, start } = diagnostic;
  if (file === undefined || start === undefined) return { where: '(program)', page: undefined, message };
  const position = file.getLineAndCharacterOfPosition(start);
  const placement = placements.get(ts.sys.resolvePath(file.fileName)) ?? placements.get(file.fileName);
  if (placement === undefined) {
    return { where: `${relative(root, file.fileName)}:${position.line + 1}`, page: undefined, message };
  }
  const { block, label } = placement;
  const where = `${block.page}:${block.line + position.line}:${position.character + 1}${label ? ` ${label}` : ''}`;
  return { where, page: block.page, message };
}

/** The text of a repository file, for comparing an excerpt with it. */
export function readRepositoryFile(file: string): string {
  return readFileSync(join(root, file), 'utf8');
}
