import type { ClientRequest, Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClockOffset } from './clock-offset.js';
import { createCredentialSource } from './credentials.js';
import { resolveEndpoint } from './endpoint.js';
import {
  CONTENT_TYPE,
  type DynamoDBOperation,
  type DynamoDBOutput,
  decodeError,
  decodeOutput,
  encodeInput,
  targetOf,
} from './json-protocol.js';
import { backoffMs, DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_ATTEMPTS, retryKindOf } from './retry.js';
import { DynamoDBServiceError } from './service-error.js';
import { signRequest } from './signer.js';
import type { DynamoDBTransport, SendOptions } from './transport.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type DynamoDBTransportOptions,
  validateTransportOptions,
} from './transport-options.js';

/** Kept back from the invocation's deadline, for the caller to act on a failure. */
const DEADLINE_RESERVE_MS = 100;
/** The shortest attempt worth starting. */
const MIN_ATTEMPT_MS = 100;
/** As the SDK's handler: enough sockets for concurrent invocations (Lambda Managed Instances). */
const MAX_SOCKETS = 50;

/**
 * DynamoDB over `node:https` with a keep-alive agent, signed with SigV4: the JSON protocol for
 * the four item requests, the AWS SDK's endpoint, credential, retry and clock-skew behaviour, and
 * the connect and per-attempt timeouts the SDK leaves unset.
 */
export function createHttpTransport(
  options: DynamoDBTransportOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): DynamoDBTransport {
  validateTransportOptions(options);
  // Resolved at construction, so a bad endpoint or Region fails at setup.
  const resolved = resolveEndpoint(options, env);
  const credentials = createCredentialSource(options.credentials, env);
  const clock = createClockOffset();
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const baseDelayMs = options.retryBaseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const secure = resolved?.url.protocol === 'https:';
  // The module of the endpoint's scheme alone: an http endpoint (dynalite, DynamoDB Local) never loads TLS.
  const { Agent, request } = process.getBuiltinModule(secure ? 'node:https' : 'node:http');
  const agent: HttpAgent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  const destination = resolved && requestTarget(resolved.url);
  if (destination !== undefined) boundConnects(agent, connectTimeoutMs, secure, destination.host);

  async function attempt(
    target: RequestTarget,
    region: string,
    operation: DynamoDBOperation,
    body: Buffer,
    timeoutMs: number,
  ): Promise<DynamoDBOutput> {
    const signed = signRequest(
      {
        host: target.host,
        path: target.path,
        headers: { 'Content-Type': CONTENT_TYPE, 'X-Amz-Target': targetOf(operation), 'Content-Length': String(body.byteLength) },
        body,
        region,
      },
      await credentials.get(),
      clock.now(),
    );
    const response = await exchange(target, signed, body, { agent, request, timeoutMs });
    const clockCorrected = clock.observe(response.date);
    if (response.statusCode >= 200 && response.statusCode < 300) return decodeOutput(response.body);
    const error = decodeError(response.statusCode, response.errorType, response.requestId, response.body);
    throw Object.assign(error, { clockCorrected });
  }

  return {
    async send(operation: DynamoDBOperation, input: object, sendOptions: SendOptions = {}): Promise<DynamoDBOutput> {
      if (resolved === undefined || destination === undefined) {
        throw new DynamoDBServiceError(
          'ConfigurationError',
          'No AWS Region: set AWS_REGION (Lambda sets it), pass the `region` option, or an `endpoint`.',
        );
      }
      const body = Buffer.from(encodeInput(input));
      const { deadline } = sendOptions;
      for (let retry = 0; ; retry++) {
        const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - DEADLINE_RESERVE_MS - Date.now();
        try {
          const timeoutMs = Math.min(requestTimeoutMs, Math.max(left, MIN_ATTEMPT_MS));
          return await attempt(destination, resolved.signingRegion, operation, body, timeoutMs);
        } catch (error) {
          const kind = retryKindOf(factsOf(error));
          if (kind === undefined || retry + 1 >= maxAttempts) throw error;
          const delay = backoffMs(kind, retry, baseDelayMs);
          if (deadline !== undefined && Date.now() + delay + MIN_ATTEMPT_MS > deadline - DEADLINE_RESERVE_MS) throw error;
          if (delay > 0) await sleep(delay);
        }
      }
    },
  };
}

function factsOf(error: unknown) {
  const { name, statusCode, code, clockCorrected } = error as Partial<DynamoDBServiceError> & { clockCorrected?: boolean };
  return { name: String(name), statusCode, code, clockCorrected };
}

interface RawResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly date: string | undefined;
  readonly errorType: string | undefined;
  readonly requestId: string | undefined;
}

/** Where requests go, in `node:http`'s terms: read from the endpoint's URL once, not per request. */
interface RequestTarget {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string | undefined;
  readonly path: string;
  /** The `Host` header. */
  readonly host: string;
}

function requestTarget(url: URL): RequestTarget {
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.+)\]$/, '$1'),
    port: url.port || undefined,
    path: url.pathname,
    host: url.host,
  };
}

interface ExchangeSettings {
  readonly agent: HttpAgent;
  /** `request` of `node:http` or `node:https`, as the endpoint's scheme says. */
  readonly request: typeof httpRequest;
  readonly timeoutMs: number;
}

/**
 * Bounds opening every new connection by `connectTimeoutMs`, where the agent creates it: a request
 * on a kept-alive socket, already connected, then pays nothing for the bound. The socket's error
 * reaches the request it was opened for.
 */
function boundConnects(agent: HttpAgent, connectTimeoutMs: number, secure: boolean, host: string): void {
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = createConnection(options, callback) as Socket;
    const timer = setTimeout(
      () => socket.destroy(timeoutError(`No connection to ${host} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}

/** One HTTP exchange, bounded by the attempt's time (a new connection is also bounded by {@link boundConnects}). */
function exchange(
  target: RequestTarget,
  headers: Record<string, string>,
  body: Buffer,
  settings: ExchangeSettings,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { protocol, hostname, port, path } = target;
    const request: ClientRequest = settings.request({
      protocol,
      hostname,
      port,
      path,
      method: 'POST',
      headers,
      agent: settings.agent,
    });
    const fail = (error: Error) => {
      clearTimeout(attemptTimer);
      reject(error);
    };
    const attemptTimer = setTimeout(
      () => request.destroy(timeoutError(`DynamoDB did not answer within ${settings.timeoutMs} ms`)),
      settings.timeoutMs,
    );
    // `on`, not `once`: a destroyed request can emit again, and an unheard 'error' would crash the process.
    request.on('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.name === 'TimeoutError'
          ? error
          : new DynamoDBServiceError(error.name, error.message, { code: error.code, cause: error }),
      );
    });
    request.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.once('end', () => {
        clearTimeout(attemptTimer);
        resolve({
          statusCode: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          date: header(response, 'date'),
          errorType: header(response, 'x-amzn-errortype'),
          requestId: header(response, 'x-amzn-requestid'),
        });
      });
    });
    request.end(body);
  });
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function timeoutError(message: string): DynamoDBServiceError {
  return new DynamoDBServiceError('TimeoutError', message);
}
