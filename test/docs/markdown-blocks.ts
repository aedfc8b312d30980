/** A fenced code block of a markdown page, with the page line its code starts on. */
export interface CodeBlock {
  readonly page: string;
  /** 1-based line of the block's first line of code (the line after the opening fence). */
  readonly line: number;
  /** The info string's first word, lower-cased; `''` when the fence names no language. */
  readonly language: string;
  /** The code, each line ending in a newline, with the fence's indentation removed. */
  readonly text: string;
}

/**
 * The fenced code blocks of a markdown page (CommonMark fences: three or more backticks or
 * tildes, indented up to three spaces, or inside a list item). A fence left open runs to the end
 * of the page, as CommonMark reads it.
 */
export function codeBlocksOf(page: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let open: { indent: number; fence: string; language: string; line: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    if (open === undefined) {
      const opening = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
      if (opening) {
        const [, indent = '', fence = '', info = ''] = opening;
        open = { indent: indent.length, fence, language: info.toLowerCase(), line: index + 2, code: [] };
      }
      return;
    }
    const closing = /^\s*(`{3,}|~{3,})\s*$/.exec(text)?.[1];
    if (closing?.[0] === open.fence[0] && closing.length >= open.fence.length) {
      blocks.push(blockOf(page, open));
      open = undefined;
      return;
    }
    open.code.push(text.slice(Math.min(open.indent, /^\s*/.exec(text)?.[0].length ?? 0)));
  });
  if (open !== undefined) blocks.push(blockOf(page, open));
  return blocks;
}

function blockOf(page: string, open: { language: string; line: number; code: string[] }): CodeBlock {
  return { page, line: open.line, language: open.language, text: open.code.map((line) => `${line}\n`).join('') };
}
