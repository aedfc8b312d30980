/**
 * The generated sections of docs/reliability.md, each between `<!-- name:start -->` and
 * `<!-- name:end -->`: scripts/docs-tables.ts writes them, bad-input.test.ts reads its tables back to
 * check the page shows what the cases do today.
 */

/** The page holding the sections. */
export const RELIABILITY_PAGE = new URL('../../docs/reliability.md', import.meta.url);

function bounds(text: string, name: string): { readonly from: number; readonly to: number } {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const at = text.indexOf(start);
  const to = text.indexOf(end);
  if (at < 0 || to < at) throw new Error(`docs/reliability.md has no ${start} ... ${end} section`);
  return { from: at + start.length, to };
}

/** The markdown of section `name` of `text`, without the newlines around it. */
export function sectionOf(text: string, name: string): string {
  const { from, to } = bounds(text, name);
  return text.slice(from, to).trim();
}

/** `text` with section `name` replaced by `markdown`. */
export function replaceSection(text: string, name: string, markdown: string): string {
  const { from, to } = bounds(text, name);
  return `${text.slice(0, from)}\n${markdown}\n${text.slice(to)}`;
}
