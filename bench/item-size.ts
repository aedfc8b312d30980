import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size rules (Developer Guide, "Item sizes and formats"): every attribute costs
 * the UTF-8 length of its name plus the size of its value; strings count their UTF-8 bytes,
 * binaries their raw bytes, numbers 1 byte per two significant digits plus 1, booleans and nulls
 * 1 byte, maps and lists 3 bytes plus 1 byte and the size of each element (names included).
 */
export type WireItem = Record<string, AttributeValue>;

export function itemSize(item: WireItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binaryLength(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + numberSize(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + binaryLength(bytes), 0);
  if (value.L !== undefined) return value.L.reduce((sum, element) => sum + 1 + valueSize(element), 3);
  if (value.M !== undefined) {
    let size = 3;
    for (const [name, element] of Object.entries(value.M)) size += 1 + Buffer.byteLength(name) + valueSize(element);
    return size;
  }
  throw new Error(`Unknown DynamoDB attribute value: ${JSON.stringify(value).slice(0, 80)}`);
}

/** Binary values arrive as bytes from the SDK, or base64 text when read straight off the wire. */
function binaryLength(bytes: Uint8Array | string): number {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'base64').byteLength : bytes.byteLength;
}

/** 1 byte per two significant digits, plus 1; leading and trailing zeros do not count. */
export function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** Writes are billed per started KB of the larger of the item before and after; at least 1. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** A strongly consistent read is billed per started 4 KB of the item; a miss still costs 1. */
export function strongReadUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}
