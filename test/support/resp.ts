/**
 * Just enough RESP2/RESP3 to find where one value ends in a byte stream, and to read a client's
 * command (an array of bulk strings). The fault proxy uses it to fault one command, or the reply
 * to one command, without disturbing the others on the same connection.
 */

/** A command as a client sends it: its arguments as bytes. */
export type RespCommand = readonly Buffer[];

const CRLF = Buffer.from('\r\n');
/** Types whose value is the rest of the line. */
const LINE_TYPES = new Set(['+', '-', ':', '_', '#', ',', '(']);
/** Types with a byte length, then that many bytes. */
const BULK_TYPES = new Set(['$', '!', '=']);
/** Types with a count of nested values (a map counts pairs; an attribute precedes the value it annotates). */
const AGGREGATE_TYPES = new Map([
  ['*', 1],
  ['~', 1],
  ['>', 1],
  ['%', 2],
  ['|', 2],
]);

/** The length in bytes of the first complete value in `buffer` from `offset`, or -1 when it has not all arrived. */
export function valueLength(buffer: Buffer, offset = 0): number {
  const end = endOfValue(buffer, offset);
  return end < 0 ? -1 : end - offset;
}

function endOfValue(buffer: Buffer, offset: number): number {
  if (offset >= buffer.length) return -1;
  const type = String.fromCharCode(buffer[offset]!);
  const lineEnd = buffer.indexOf(CRLF, offset);
  if (lineEnd < 0) return -1;
  const afterLine = lineEnd + 2;
  if (LINE_TYPES.has(type)) return afterLine;
  const size = Number(buffer.subarray(offset + 1, lineEnd).toString('latin1'));
  if (BULK_TYPES.has(type)) {
    if (size < 0) return afterLine;
    const end = afterLine + size + 2;
    return end <= buffer.length ? end : -1;
  }
  const per = AGGREGATE_TYPES.get(type);
  if (per !== undefined) {
    let cursor = afterLine;
    for (let index = 0; index < Math.max(0, size) * per; index++) {
      cursor = endOfValue(buffer, cursor);
      if (cursor < 0) return -1;
    }
    // An attribute annotates the value that follows it: together they are one reply.
    return type === '|' ? endOfValue(buffer, cursor) : cursor;
  }
  // Not RESP (an inline command): one line.
  return afterLine;
}

/** The arguments of a command (`*<n>` of `$<len>` bulk strings); an inline command splits on spaces. */
export function parseCommand(bytes: Buffer): RespCommand {
  if (bytes[0] !== 0x2a) {
    return bytes
      .toString('latin1')
      .trim()
      .split(/\s+/)
      .map((word) => Buffer.from(word, 'latin1'));
  }
  const args: Buffer[] = [];
  let cursor = bytes.indexOf(CRLF) + 2;
  while (cursor < bytes.length) {
    const lineEnd = bytes.indexOf(CRLF, cursor);
    const size = Number(bytes.subarray(cursor + 1, lineEnd).toString('latin1'));
    args.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    cursor = lineEnd + 2 + size + 2;
  }
  return args;
}
