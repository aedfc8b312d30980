import { readFileSync } from 'node:fs';
import type { HttpEvent, HttpRequestView } from '../../src/index.js';

/** A sample event under events/http and how to rewrite it, for tests that run on every shape. */
export interface HttpShape {
  readonly name: string;
  readonly shape: HttpRequestView['shape'];
  readonly file: string;
  /** Whether a repeated header reaches the function whole (ALB in single-value mode keeps only the last). */
  readonly deliversRepeatedHeaders: boolean;
  /** A fresh copy of the sample event. */
  event(): HttpEvent;
}

type Mutable = Record<string, unknown> & {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  requestContext: Record<string, unknown>;
};

function load(file: string): HttpEvent {
  return JSON.parse(readFileSync(new URL(`../../events/http/${file}`, import.meta.url), 'utf8')) as HttpEvent;
}

export const httpShapes: readonly HttpShape[] = [
  { name: 'API Gateway REST API (v1)', shape: 'rest', file: 'rest-api.json' },
  { name: 'API Gateway HTTP API (v2)', shape: 'http', file: 'http-api.json' },
  { name: 'Lambda Function URL', shape: 'http', file: 'function-url.json' },
  { name: 'ALB', shape: 'alb', file: 'alb.json' },
  { name: 'ALB, multi-value headers', shape: 'alb', file: 'alb-multi-value.json' },
].map((shape) => {
  const sample = load(shape.file);
  return { ...shape, deliversRepeatedHeaders: shape.file !== 'alb.json', event: () => structuredClone(sample) } as HttpShape;
});

function asMutable(event: HttpEvent): Mutable {
  return event as unknown as Mutable;
}

/** Removes every spelling of a header, then sets the given values under `name` (none: leaves it absent). */
export function withHeader(event: HttpEvent, name: string, ...values: string[]): HttpEvent {
  const target = asMutable(event);
  const lower = name.toLowerCase();
  for (const bag of [target.headers, target.multiValueHeaders]) {
    for (const existing of Object.keys(bag ?? {})) if (existing.toLowerCase() === lower) delete bag![existing];
  }
  if (values.length === 0) return event;
  if (target.multiValueHeaders) target.multiValueHeaders[name] = values;
  if (target.headers)
    target.headers[name] = (target as { version?: string }).version === '2.0' ? values.join(',') : values.at(-1)!;
  return event;
}

export function withKey(event: HttpEvent, key: string): HttpEvent {
  return withHeader(event, 'Idempotency-Key', key);
}

export function withMethod(event: HttpEvent, method: string): HttpEvent {
  const target = asMutable(event);
  if ((target as { version?: string }).version === '2.0') {
    (target.requestContext.http as Record<string, unknown>).method = method;
    if (typeof target.routeKey === 'string' && target.routeKey !== '$default') target.routeKey = `${method} ${target.rawPath}`;
  } else {
    target.httpMethod = method;
    if (target.requestContext.httpMethod !== undefined) target.requestContext.httpMethod = method;
  }
  return event;
}

export function withBody(event: HttpEvent, body: string | Buffer, base64 = false): HttpEvent {
  const target = asMutable(event);
  target.body = base64 ? Buffer.from(body).toString('base64') : body.toString();
  target.isBase64Encoded = base64;
  return event;
}

/** Makes the request come from `caller`, the way each source vouches for a caller. */
export function withCaller(event: HttpEvent, caller: string): HttpEvent {
  const target = asMutable(event);
  const authorizer = target.requestContext.authorizer as
    | { claims?: Record<string, unknown>; jwt?: { claims: Record<string, unknown> }; iam?: Record<string, unknown> }
    | undefined;
  if (authorizer?.claims) authorizer.claims.sub = caller;
  else if (authorizer?.jwt) authorizer.jwt.claims.sub = caller;
  else if (authorizer?.iam) authorizer.iam.userArn = `arn:aws:iam::123456789012:user/${caller}`;
  else withHeader(event, 'x-amzn-oidc-identity', caller);
  return event;
}

/** A response in the layout the shape's source expects. */
export function responseFor(
  shape: HttpShape,
  statusCode: number,
  headers: Record<string, string>,
  body: string,
  isBase64Encoded = false,
): Record<string, unknown> {
  const response: Record<string, unknown> = { statusCode, body, isBase64Encoded };
  if (shape.shape === 'alb') response.statusDescription = `${statusCode} Status`;
  if (shape.file === 'alb-multi-value.json') {
    response.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  } else {
    response.headers = headers;
  }
  return response;
}

/** The response's headers as one lower-case map, whatever the layout. */
export function headersOf(response: unknown): Record<string, string> {
  const { headers, multiValueHeaders } = response as {
    headers?: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
  };
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) merged[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) merged[name.toLowerCase()] = values.join(',');
  return merged;
}
