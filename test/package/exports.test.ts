import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { expect, it } from 'vitest';

/** Each entry point of package.json "exports" and the source file behind it. */
const ENTRIES: Record<string, string> = {
  '.': 'index.ts',
  './engine': 'engine/index.ts',
  './cdk': 'cdk/index.ts',
  './valkey': 'stores/valkey/index.ts',
  './observability': 'observability/index.ts',
};
/** The root holds what a handler author uses; extension points live in lambda-idempotency/engine. */
const MAX_ROOT_NAMES = 60;

const src = new URL('../../src/', import.meta.url).pathname;
const program = ts.createProgram(
  Object.values(ENTRIES).map((file) => `${src}${file}`),
  {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
);
const checker = program.getTypeChecker();
/** Every name an entry exports, values and types alike. */
function namesOf(file: string): string[] {
  const source = program.getSourceFile(`${src}${file}`);
  const module = source && checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`src/${file} is not a module`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.getName());
}
const exported = Object.fromEntries(Object.entries(ENTRIES).map(([entry, file]) => [entry, namesOf(file)]));

it('covers every entry point of package.json', () => {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: object };
  expect(Object.keys(packageJson.exports).filter((entry) => entry !== './package.json')).toEqual(Object.keys(ENTRIES));
});

it(`keeps the root to at most ${MAX_ROOT_NAMES} names`, () => {
  expect(exported['.']?.length).toBeLessThanOrEqual(MAX_ROOT_NAMES);
});

it('exports each name from one entry point only', () => {
  const entriesOf = new Map<string, string[]>();
  for (const [entry, names] of Object.entries(exported)) {
    for (const name of names) entriesOf.set(name, [...(entriesOf.get(name) ?? []), entry]);
  }
  expect(
    [...entriesOf].filter(([, entries]) => entries.length > 1).map(([name, entries]) => `${name}: ${entries.join(', ')}`),
  ).toEqual([]);
});
