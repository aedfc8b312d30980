/**
 * `node scripts/check-tarball.mjs`: packs the package as a clean clone would publish it and checks
 * what the tarball holds. Prints the tarball's path on stdout (for `attw` and `publint`), the
 * findings on stderr, and exits 1 when the tarball is not fit to publish.
 *
 * - dist/ is removed first, as a fresh clone has none: the tarball holds only what `prepack` built.
 * - Every file package.json names (`main`, `types`, `bin`, `typesVersions`, each `exports`
 *   condition) must be in the tarball, and so must LICENSE and README.md.
 * - Every source map must carry the text of each source it names (`sourcesContent`), because the
 *   src/ it points at is not shipped; and no declaration map, which can only lead to that src/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every string leaf of a package.json field: a path, or a nested map of conditions or subpaths. */
function pathsIn(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(pathsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(pathsIn);
  return [];
}

/** The files the package's manifest promises, as paths inside the tarball (`package/...`). */
function promisedFiles() {
  const named = [
    ...pathsIn(manifest.main),
    ...pathsIn(manifest.types),
    ...pathsIn(manifest.bin),
    ...pathsIn(manifest.typesVersions),
    ...pathsIn(manifest.exports),
    'LICENSE',
    'README.md',
  ];
  return [...new Set(named.map((path) => `package/${path.replace(/^\.\//, '')}`))].sort();
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
const destination = mkdtempSync(join(tmpdir(), 'lambda-idempotency-tarball-'));
// Not --ignore-scripts: the point is that `npm pack` (and so `npm publish`) builds dist itself.
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }),
);
const tarball = join(destination, packed.filename);
const listed = new Set(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean));
/** What is wrong, by kind, so a systematic fault reads as one line with its count and a few examples. */
const problems = new Map();
function problem(kind, file) {
  problems.set(kind, [...(problems.get(kind) ?? []), file]);
}

for (const file of promisedFiles()) {
  if (!listed.has(file)) problem('named in package.json (or always required) but not in the tarball', file);
}

const unpacked = mkdtempSync(join(tmpdir(), 'lambda-idempotency-unpacked-'));
execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
const maps = [...listed].filter((file) => file.endsWith('.map'));
for (const file of maps) {
  if (file.endsWith('.d.ts.map')) {
    problem('declaration maps, which lead only to the TypeScript sources (not shipped)', file);
    continue;
  }
  const map = JSON.parse(readFileSync(join(unpacked, file), 'utf8'));
  const missing = map.sources.filter((_source, index) => typeof map.sourcesContent?.[index] !== 'string');
  if (missing.length > 0) problem('source maps naming a source without its text (no sourcesContent)', file);
}
rmSync(unpacked, { recursive: true, force: true });

process.stderr.write(
  `${packed.filename}: ${listed.size} files, ${(packed.size / 1024).toFixed(1)} KB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KB unpacked, ${maps.length} source maps\n`,
);
if (problems.size > 0) {
  const lines = [...problems].map(([kind, files]) => {
    const examples = files.slice(0, 5).join(', ');
    return `  - ${files.length} ${kind}: ${examples}${files.length > 5 ? ', ...' : ''}`;
  });
  process.stderr.write(`The tarball is not fit to publish:\n${lines.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${tarball}\n`);
