import type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyResultV2,
  LambdaFunctionURLEvent,
  LambdaFunctionURLResult,
} from 'aws-lambda';
import type { CallerIdentity } from './caller.js';

/** The HTTP events the middleware understands: REST API (v1), HTTP API (v2), Function URLs and ALB. */
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | LambdaFunctionURLEvent | ALBEvent;

/** What a handler behind those sources returns (HTTP API v2 and Function URLs also take plain values). */
export type HttpResponse = APIGatewayProxyResult | APIGatewayProxyResultV2 | LambdaFunctionURLResult | ALBResult;

/**
 * One HTTP request, the same whatever the event source, with the caller the source vouches for:
 * what `keyNamespace` receives.
 */
export interface HttpRequestView {
  /**
   * The event family, which decides the response's header layout: REST API (`rest`), HTTP API or
   * Function URL (`http`), or ALB (`alb`).
   */
  readonly shape: 'rest' | 'http' | 'alb';
  /** Upper case, e.g. `POST`. */
  readonly method: string;
  /** The path the client asked for, e.g. `/payments/42`. */
  readonly path: string;
  /** The route template when the source names one (`/payments/{id}`), else the path. */
  readonly route: string;
  /** Every value of every header, under its lower-case name. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Query parameters in the order sent, values kept as the source delivered them. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** The body's bytes, base64-decoded when the source encoded it; undefined when there is none. */
  readonly body: Buffer | undefined;
  /**
   * The body as a body parser registered earlier left it (an object instead of text), else
   * undefined. Set only when `body` is undefined for that reason.
   */
  readonly parsedBody?: unknown;
  /** Whether the event carries multi-value headers, so responses must too (ALB, REST). */
  readonly multiValueHeaders: boolean;
  /** The caller the event source vouches for; undefined for anonymous requests. */
  readonly caller: CallerIdentity | undefined;
}

/** A request as read from its event, before its caller is known. */
export type ParsedHttpRequest = Omit<HttpRequestView, 'caller'>;

/** Which family of event a request came in. */
export type HttpEventShape = HttpRequestView['shape'];

type HeaderRecord = Record<string, string | undefined> | null | undefined;
type MultiHeaderRecord = Record<string, string[] | undefined> | null | undefined;

function isV2(event: HttpEvent): event is APIGatewayProxyEventV2 | LambdaFunctionURLEvent {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

function isAlb(event: HttpEvent): event is ALBEvent {
  return (event as ALBEvent).requestContext?.elb !== undefined;
}

/** Detects the event source and reads the request out of it. Returns undefined for non-HTTP events. */
export function describeHttpRequest(event: unknown): ParsedHttpRequest | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const http = event as HttpEvent;
  if (isV2(http)) {
    const method = http.requestContext?.http?.method;
    if (typeof method !== 'string') return undefined;
    const routeKey = http.routeKey;
    // `POST /payments/{id}` names the route; `$default` (and Function URLs) do not.
    const route =
      typeof routeKey === 'string' && routeKey.includes(' ') ? routeKey.slice(routeKey.indexOf(' ') + 1) : http.rawPath;
    return {
      shape: 'http',
      method: method.toUpperCase(),
      path: http.rawPath ?? http.requestContext.http.path,
      route,
      headers: collectHeaders(http.headers, undefined),
      query: [...new URLSearchParams(http.rawQueryString ?? '')],
      body: bodyBytes(http.body, http.isBase64Encoded),
      ...parsedBodyOf(http.body),
      multiValueHeaders: false,
    };
  }
  const { httpMethod } = http as APIGatewayProxyEvent | ALBEvent;
  if (typeof httpMethod !== 'string') return undefined;
  const v1 = http as APIGatewayProxyEvent | ALBEvent;
  return {
    shape: isAlb(http) ? 'alb' : 'rest',
    method: httpMethod.toUpperCase(),
    path: v1.path,
    route: isAlb(http) ? v1.path : ((http as APIGatewayProxyEvent).resource ?? v1.path),
    headers: collectHeaders(v1.headers, v1.multiValueHeaders),
    query: pairsOf(v1.queryStringParameters, v1.multiValueQueryStringParameters),
    body: bodyBytes(v1.body, v1.isBase64Encoded),
    ...parsedBodyOf(v1.body),
    multiValueHeaders: isAlb(http) ? v1.multiValueHeaders !== undefined : false,
  };
}

/** Every name-value pair: multi-value maps hold every value, single-value maps only the last one of each. */
function pairsOf(single: HeaderRecord, multi: MultiHeaderRecord): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (multi) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push([name, value]);
  } else if (single) {
    for (const [name, value] of Object.entries(single)) if (value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

function collectHeaders(single: HeaderRecord, multi: MultiHeaderRecord): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const [name, value] of pairsOf(single, multi)) {
    const lower = name.toLowerCase();
    const values = headers.get(lower);
    if (values === undefined) headers.set(lower, [value]);
    else values.push(value);
  }
  return headers;
}

/** `@middy/http-json-body-parser` and its kind replace the text with the value it holds. */
function parsedBodyOf(body: unknown): { parsedBody?: unknown } {
  return body !== null && typeof body === 'object' ? { parsedBody: body } : {};
}

function bodyBytes(body: unknown, isBase64Encoded: boolean | undefined): Buffer | undefined {
  if (typeof body !== 'string') return undefined;
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}
