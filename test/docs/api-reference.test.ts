import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * No API reference is published: the TSDoc ships in the package's declarations, where an editor
 * shows it, and `npm run docs:api` renders it as HTML in a clone (CI builds it to validate the
 * TSDoc, and publishes nothing). Shipping the HTML in the tarball would add 2.1 MB unpacked
 * (152 files, about 180 kB packed) to a 2.3 MB package that no reader of node_modules opens. So no
 * page may offer a link to "the API reference": it would lead to a note saying to build it.
 */
const root = new URL('../../', import.meta.url);
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('the API reference', () => {
  it.each(pages)('%s links to no API reference', (page) => {
    const markdown = readFileSync(new URL(page, root), 'utf8').replace(/```[\s\S]*?```/g, '');
    const links = [...markdown.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)]
      .filter(([, text]) => /api reference/i.test(text ?? ''))
      .map(([link]) => link);
    expect(links).toEqual([]);
  });

  it('README says where the reference is: the TSDoc in the declarations, and the script that renders it', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const section = readme.slice(
      readme.indexOf('\n## API reference\n'),
      readme.indexOf('\n## ', readme.indexOf('\n## API reference\n') + 1),
    );
    expect(section).toMatch(/TSDoc/);
    expect(section).toMatch(/type\s+declarations/);
    expect(section).toContain('npm run docs:api');
    const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      files: string[];
      scripts: Record<string, string>;
    };
    expect(packageJson.scripts['docs:api']).toBeDefined();
    expect(packageJson.files).not.toContain('docs');
  });
});
