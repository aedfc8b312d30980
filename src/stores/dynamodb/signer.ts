import { createHmac } from 'node:crypto';
import { sha256 } from '../../engine/hash.js';
import type { AwsCredentials } from './credentials.js';

/** A request ready to sign: everything but the date, the session token and the signature. */
export interface UnsignedRequest {
  /** The `Host` header: hostname, and the port when it is not the scheme's default. */
  readonly host: string;
  /** The URL path, percent-encoded as in a URL. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly region: string;
}

const SERVICE = 'dynamodb';
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Signing keys change once a day per secret and Region: derived once, not per request. */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 32;

/**
 * Signs a POST with Signature Version 4 for DynamoDB in `region`, at `date` (the clock-skew
 * corrected time), and returns every header to send: the given ones, `Host`, `X-Amz-Date`,
 * `X-Amz-Security-Token` with temporary credentials, and `Authorization`. Every header given is
 * signed. Written here on `node:crypto` rather than taken from a package: `aws4`, the cheapest
 * signer measured, is CommonJS that `require`s Node built-ins, which an ESM bundle (NodejsFunction
 * with `format: ESM`) cannot load; the AWS SDK's signer brings the SDK's packages with it.
 */
export function signRequest(request: UnsignedRequest, credentials: AwsCredentials, date: Date): Record<string, string> {
  const amzDateTime = amzDate(date);
  const day = amzDateTime.slice(0, 8);
  // Object.assign, not a spread followed by more properties: Node 20's V8 takes a slow path for that.
  const headers: Record<string, string> = Object.assign({}, request.headers);
  headers.Host = request.host;
  headers['X-Amz-Date'] = amzDateTime;
  if (credentials.sessionToken !== undefined) headers['X-Amz-Security-Token'] = credentials.sessionToken;
  const canonical = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([name]) => name).join(';');
  const canonicalHeaders = canonical.map(([name, value]) => `${name}:${value}\n`).join('');
  const canonicalRequest = `POST\n${canonicalPath(request.path)}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(request.body, 'hex')}`;
  const scope = `${day}/${request.region}/${SERVICE}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDateTime}\n${scope}\n${sha256(canonicalRequest, 'hex')}`;
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, request.region))
    .update(stringToSign)
    .digest('hex');
  headers.Authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

let formattedSecond = Number.NaN;
let formattedAmzDate = '';

/** `20261129T120000Z`: SigV4's basic ISO 8601 format, formatted once per second. */
export function amzDate(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== formattedSecond) {
    const iso = date.toISOString(); // 2026-11-29T12:00:00.000Z
    formattedAmzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    formattedSecond = second;
  }
  return formattedAmzDate;
}

function signingKey(secret: string, day: string, region: string): Buffer {
  const cacheKey = `${day}\n${region}\n${secret}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    const hmac = (keyBytes: string | Buffer, data: string) => createHmac('sha256', keyBytes).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), SERVICE), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** Every path segment URI-encoded once more (RFC 3986), as SigV4 asks of every service but S3. */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}
