import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every link in the repository's markdown that points into the repository must resolve: the file or
// directory exists, and an anchor names a heading of the page it points to. Renaming a page, a heading
// or a source file then fails here instead of leaving a dead link for a reader to find.

const root = fileURLToPath(new URL('../../', import.meta.url));
const repository = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } }
).repository.url
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');
/** Absolute links into the repository (the README uses them, so they work on the npm page), by prefix. */
const repositoryPrefixes = [`${repository}/blob/main/`, `${repository}/tree/main/`];

/** Directories that hold no documentation of ours: dependencies, build output, generated reference. */
const skippedDirectories = new Set(['node_modules', 'dist', 'cdk.out', 'coverage', 'test-results', 'docs/api']);

function markdownFiles(directory = ''): string[] {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = directory ? `${directory}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      return entry.name.startsWith('.') || skippedDirectories.has(entry.name) || skippedDirectories.has(path)
        ? []
        : markdownFiles(path);
    }
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The page's lines with fenced code blocks and inline code blanked, so nothing in code counts as a link. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker?.startsWith(fence)) fence = undefined;
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, 'code');
  });
}

interface Link {
  readonly line: number;
  readonly target: string;
}

/** Inline links and images, `[text](target "title")`, and reference definitions, `[label]: target`. */
function linksIn(markdown: string): Link[] {
  return proseLines(markdown).flatMap((text, index) => {
    const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((match) => match[1] ?? '');
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)/.exec(text)?.[1];
    return [...inline, ...(definition ? [definition] : [])].map((target) => ({ line: index + 1, target }));
  });
}

/**
 * The anchors GitHub gives a page's headings: the heading's text, lower case, punctuation other than
 * `-` and `_` dropped, spaces as hyphens; a repeated heading gets `-1`, `-2`...
 */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    const heading = fence === undefined ? /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1] : undefined;
    if (heading === undefined) continue;
    const slug = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Why a link from `page` (a path from the repository root) does not resolve, or undefined when it does. */
function problemWith(page: string, target: string, read = (path: string) => readFileSync(join(root, path), 'utf8')) {
  let local: string;
  const prefix = repositoryPrefixes.find((candidate) => target.startsWith(candidate));
  if (prefix) local = target.slice(prefix.length);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//'))
    return undefined; // elsewhere on the web
  else local = target.startsWith('#') ? `${posix.basename(page)}${target}` : target;

  const [pathPart = '', anchor] = local.split('#', 2) as [string, string | undefined];
  const path = prefix ? posix.normalize(pathPart) : posix.join(posix.dirname(page), decodeURIComponent(pathPart));
  if (path.startsWith('../') || path === '..') return `${target} leaves the repository`;
  if (path !== page && !existsSync(join(root, path))) return `${target}: ${path} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (path !== page && statSync(join(root, path)).isDirectory()) return `${target}: a directory has no anchors`;
  if (path.endsWith('.md')) {
    return anchorsOf(read(path)).has(decodeURIComponent(anchor)) ? undefined : `${target}: ${path} has no heading #${anchor}`;
  }
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
  if (!lines) return `${target}: #${anchor} is neither a heading nor a line`;
  const last = Number(lines[2] ?? lines[1]);
  return last <= read(path).split('\n').length ? undefined : `${target}: ${path} has fewer than ${last} lines`;
}

function brokenLinks(page: string, markdown: string, read?: (path: string) => string): string[] {
  return linksIn(markdown).flatMap(({ line, target }) => {
    const problem = problemWith(page, target, read);
    return problem ? [`${page}:${line}: ${problem}`] : [];
  });
}

const pages = markdownFiles();

describe('links in the markdown', () => {
  it('finds the README and the docs', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/usage.md', 'docs/http.md', 'docs/testing.md']));
  });

  it.each(pages)('%s: every link into the repository resolves, anchors included', (page) => {
    expect(brokenLinks(page, readFileSync(join(root, page), 'utf8'))).toEqual([]);
  });
});

describe('the link checker', () => {
  const page = 'docs/example.md';
  const markdown = [
    '# Example',
    '## Options: `key` and `payload`',
    '## Example',
    '[usage](usage.md#options) [self](#options-key-and-payload) [again](#example-1) [web](https://example.com/x.md)',
    '[readme](https://github.com/lambda-idempotency/lambda-idempotency/blob/main/README.md#install)',
    '[samples](../samples) [line](../package.json#L2)',
    '```md',
    '[inside a fence](nowhere.md)',
    '```',
    'Inline code is not a link: `[x](nowhere.md)`.',
  ].join('\n');
  const read = (path: string) => (path === page ? markdown : readFileSync(join(root, path), 'utf8'));

  it('accepts files, directories, headings (repeated ones too), lines and absolute links into the repository', () => {
    expect(brokenLinks(page, markdown, read)).toEqual([]);
  });

  it('reports a missing file, a missing heading, a line past the end and a link out of the repository', () => {
    const broken = [
      '[a](gone.md)',
      '[b](usage.md#no-such-heading)',
      '[c](#example-2)',
      '[d](../package.json#L100000)',
      '[e](../../elsewhere.md)',
      '[f](https://github.com/lambda-idempotency/lambda-idempotency/blob/main/docs/gone.md)',
      '[g]: ./also-gone.md',
    ].join('\n');
    expect(brokenLinks(page, broken, read)).toEqual([
      'docs/example.md:1: gone.md: docs/gone.md does not exist',
      'docs/example.md:2: usage.md#no-such-heading: docs/usage.md has no heading #no-such-heading',
      'docs/example.md:3: #example-2: docs/example.md has no heading #example-2',
      'docs/example.md:4: ../package.json#L100000: package.json has fewer than 100000 lines',
      'docs/example.md:5: ../../elsewhere.md leaves the repository',
      'docs/example.md:6: https://github.com/lambda-idempotency/lambda-idempotency/blob/main/docs/gone.md: docs/gone.md does not exist',
      'docs/example.md:7: ./also-gone.md: docs/also-gone.md does not exist',
    ]);
  });
});
