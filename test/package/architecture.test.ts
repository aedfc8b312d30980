import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';

// The rule of CONTRIBUTING.md ("Layers"): a file imports only from lower layers, or from its own folder.
/** The top-level folders (and errors.ts) of src/, layer by layer from the bottom. */
const LAYERS = ['errors.ts', 'engine', 'lambda', 'middleware http batch wrapper stores observability', 'cli cdk'];
const layerOfFolder = new Map(LAYERS.flatMap((folders, layer) => folders.split(' ').map((folder) => [folder, layer] as const)));
/** Sibling folders of one layer that may build on another (and so never the other way round). */
const SIDEWAYS = new Set(['http -> middleware']);
const ENTRIES = new Set(['index.ts', 'engine/index.ts', 'stores/valkey/index.ts', 'observability/index.ts', 'cdk/index.ts']);
const LEAVES = new Set(['cli', 'cdk']);
/** Constants and parsers that anything may load: they import nothing of src/. */
const LEAF_MODULES = ['observability/metric-names.ts', 'engine/http-status.ts'];

const src = new URL('../../src/', import.meta.url).pathname;
const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter(
  (file) => file.endsWith('.ts') && !file.endsWith('.d.ts'),
);
const SPECIFIER = /(?:\bimport|\bexport)\s(?:[^'";]*?\sfrom\s)?\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
const imports = new Map(
  files.map((file) => [
    file,
    [...readFileSync(join(src, file), 'utf8').matchAll(SPECIFIER)].map((match) =>
      normalize(join(dirname(file), match[1] ?? match[2] ?? '')).replace(/\.js$/, '.ts'),
    ),
  ]),
);
const folderOf = (file: string) => file.split('/')[0] ?? file;
const layerOf = (file: string) => (ENTRIES.has(file) ? LAYERS.length : (layerOfFolder.get(folderOf(file)) ?? Number.NaN));

function breach(from: string, to: string): string | undefined {
  const [a, b] = [folderOf(from), folderOf(to)];
  if (!imports.has(to)) return 'a file that is not in src/';
  if (ENTRIES.has(to)) return 'an entry point: entries are on top, nothing imports them';
  if (LEAVES.has(b) && a !== b) return `${b}/, a leaf that nothing imports`;
  if (a === b || layerOf(to) < layerOf(from) || SIDEWAYS.has(`${a} -> ${b}`)) return undefined;
  return `a layer ${layerOf(to) === layerOf(from) ? 'beside' : 'above'} its own (${a} ${layerOf(from)}, ${b} ${layerOf(to)})`;
}

it('keeps every import of src/ pointing down the layers, type imports included', () => {
  expect(files.filter((file) => Number.isNaN(layerOf(file))).map((file) => `${file} is in no layer`)).toEqual([]);
  const breaches = [...imports].flatMap(([from, targets]) =>
    targets.flatMap((to) => (breach(from, to) ? [`${from} imports ${to}: ${breach(from, to)}`] : [])),
  );
  expect(breaches).toEqual([]);
  expect(LEAF_MODULES.filter((file) => imports.get(file)?.length !== 0)).toEqual([]);
});

it('has no import cycle, file by file', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'open') cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
    if (state.has(file)) return;
    state.set(file, 'open');
    for (const target of imports.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  expect(cycles).toEqual([]);
});
