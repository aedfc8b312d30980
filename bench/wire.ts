/**
 * The JSON text of a request body as the SDK hands it to its HTTP handler: a string, or bytes
 * (newer SDKs pass a Uint8Array subclass whose string methods warn when used).
 */
export function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return undefined;
}

/** The DynamoDB operation named by the `x-amz-target` header (`DynamoDB_20120810.PutItem` → `PutItem`). */
export function operationOf(headers: Record<string, string> | undefined): string | undefined {
  const target = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
  return target === undefined ? undefined : target.slice(target.indexOf('.') + 1);
}
