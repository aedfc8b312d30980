import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * CHANGELOG.md describes the version package.json declares, and what it says about public names
 * holds: a renamed or removed name is exported by no entry point any more, a new or moved name is
 * exported where it says.
 */
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { version: string };
const lock = JSON.parse(read('package-lock.json')) as { version: string; packages: Record<string, { version?: string }> };
const changelog = read('CHANGELOG.md');

/** The package specifier of each entry point and its source file. */
const entries: Record<string, string> = {
  'lambda-idempotency': 'src/index.ts',
  'lambda-idempotency/engine': 'src/engine/index.ts',
  'lambda-idempotency/cdk': 'src/cdk/index.ts',
  'lambda-idempotency/valkey': 'src/stores/valkey/index.ts',
  'lambda-idempotency/observability': 'src/observability/index.ts',
};

function exportsByEntry(): Map<string, string[]> {
  const files = Object.values(entries).map((file) => new URL(file, root).pathname);
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return new Map(
    Object.entries(entries).map(([entry, file]) => {
      const source = program.getSourceFile(new URL(file, root).pathname);
      const module = source && checker.getSymbolAtLocation(source);
      if (module === undefined) throw new Error(`${file} is not a module`);
      return [entry, checker.getExportsOfModule(module).map((symbol) => symbol.getName())];
    }),
  );
}

/** The newest version's section: from its `## ` heading to the next. */
function newestSection(): { heading: string; text: string } {
  const start = changelog.indexOf('\n## ');
  const end = changelog.indexOf('\n## ', start + 1);
  const text = changelog.slice(start + 1, end === -1 ? undefined : end);
  return { heading: text.slice(0, text.indexOf('\n')), text };
}

function subsection(text: string, title: string): string {
  const start = text.indexOf(`\n### ${title}\n`);
  expect(start, `the newest version has a "### ${title}" section`).toBeGreaterThan(-1);
  const end = text.indexOf('\n### ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

/** The body rows of the section's table, each as its cells (escaped pipes kept inside a cell). */
function tableRows(section: string): string[][] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The names of a cell that holds nothing but backticked identifiers (`A`, `B`); none otherwise. */
function plainNames(cell: string): string[] {
  return /^`\w+`(?:,\s*`\w+`)*$/.test(cell) ? [...cell.matchAll(/`(\w+)`/g)].map((match) => match[1] ?? '') : [];
}

describe('CHANGELOG.md', () => {
  const { heading, text } = newestSection();

  it('opens with the version package.json and package-lock.json declare', () => {
    expect(heading).toBe(`## ${packageJson.version}`);
    expect(lock.version).toBe(packageJson.version);
    expect(lock.packages['']?.version).toBe(packageJson.version);
  });

  it('says what changed since the version before it', () => {
    const previous = changelog.slice(changelog.indexOf(text) + text.length).match(/^## (\S+)/m)?.[1];
    expect(previous).toBeDefined();
    expect(text).toContain(`since ${previous}`);
  });

  describe("the newest version's names, against the entry points' exports", () => {
    const exported = exportsByEntry();
    const entriesExporting = (name: string) => [...exported].filter(([, names]) => names.includes(name)).map(([entry]) => entry);

    it('a renamed name is exported by no entry, its new name by one', () => {
      const rows = tableRows(subsection(text, 'Renamed'));
      expect(rows.length).toBeGreaterThan(0);
      const wrong = rows.flatMap(([old = '', renamed = '']) => [
        ...plainNames(old).flatMap((name) => (entriesExporting(name).length === 0 ? [] : [`${name} is still exported`])),
        ...plainNames(renamed).flatMap((name) => (entriesExporting(name).length === 1 ? [] : [`${name} is not exported once`])),
      ]);
      expect(wrong).toEqual([]);
    });

    it('a moved name is exported by the entry it moved to, and by no other', () => {
      const rows = tableRows(subsection(text, 'Moved'));
      expect(rows.length).toBeGreaterThan(0);
      const wrong = rows.flatMap(([names = '', , to = '']) => {
        const entry = /`(lambda-idempotency[\w/]*)`/.exec(to)?.[1] ?? '';
        expect(Object.keys(entries)).toContain(entry);
        return plainNames(names).flatMap((name) => {
          const where = entriesExporting(name);
          return where.length === 1 && where[0] === entry ? [] : [`${name}: exported by ${where.join(', ') || 'none'}`];
        });
      });
      expect(wrong).toEqual([]);
    });

    it('a removed name (a bullet that starts with names) is exported by no entry', () => {
      const removed = subsection(text, 'Removed')
        .split('\n')
        .flatMap((line) => /^- ((?:`\w+`(?:, | and )?)+)/.exec(line)?.[1] ?? [])
        .flatMap((names) => [...names.matchAll(/`(\w+)`/g)].map((match) => match[1] ?? ''));
      expect(removed.length).toBeGreaterThan(0);
      expect(removed.filter((name) => entriesExporting(name).length > 0)).toEqual([]);
    });
  });
});
