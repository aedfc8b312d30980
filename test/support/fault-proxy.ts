import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from './seeded-random.js';

/**
 * What the proxy does to a request a rule matches:
 * - `throttle`: DynamoDB never sees it; 400 ProvisionedThroughputExceededException.
 * - `server-error`: DynamoDB never sees it; 500 InternalServerError.
 * - `slow-response`: DynamoDB applies it; the response is held past the client's timeout.
 * - `late-request`: the request reaches DynamoDB only after the client's timeout (it may still apply).
 * - `lost-response`: DynamoDB applies it; the connection is destroyed instead of answering.
 * - `reset`: DynamoDB never sees it; the connection is reset.
 */
export type FaultKind = 'throttle' | 'server-error' | 'slow-response' | 'late-request' | 'lost-response' | 'reset';

export const ALL_FAULTS: readonly FaultKind[] = [
  'throttle',
  'server-error',
  'slow-response',
  'late-request',
  'lost-response',
  'reset',
];

export type DynamoDBOperation = 'PutItem' | 'GetItem' | 'UpdateItem' | 'DeleteItem';

export interface FaultRule {
  readonly fault: FaultKind;
  /** The DynamoDB operation (the `X-Amz-Target` suffix); every operation when omitted. */
  readonly operation?: DynamoDBOperation;
  /** 1-based occurrences of that operation, counted since the rule was added; every one when omitted. */
  readonly nth?: number | readonly number[];
  /** Chance of applying to a matching request, drawn from the proxy's seeded generator. Default 1. */
  readonly probability?: number;
  /** Only requests whose body contains this text (a table name, a record id). */
  readonly bodyIncludes?: string;
}

export interface ProxiedRequest {
  readonly seq: number;
  readonly operation: string;
  readonly fault: FaultKind | undefined;
}

export interface FaultProxyOptions {
  /** The real endpoint (dynalite). */
  readonly upstream: string;
  /** Seeds the generator behind `probability`: the same seed and traffic give the same faults. */
  readonly seed?: number;
  /** How long `slow-response` and `late-request` hold a request. Default 600 ms. */
  readonly delayMs?: number;
  /**
   * Answer as DynamoDB does where dynalite does not: a PutItem whose condition fails with
   * `ReturnValuesOnConditionCheckFailure: ALL_OLD` carries the existing item in its error body,
   * read upstream by a consistent GetItem on this key attribute. For any client, at the wire.
   */
  readonly returnOldItemKey?: string;
  /** The loopback port to listen on; default a free one. A proxy stopped and started again on its port is an endpoint that went away and came back. */
  readonly port?: number;
}

interface ActiveRule {
  readonly rule: FaultRule;
  seen: number;
  hits: number;
}

/** A rule in force: how often it fired, and how to lift it. */
export interface InjectedRule {
  readonly rule: FaultRule;
  hits(): number;
  remove(): void;
}

/**
 * A loopback HTTP proxy in front of DynamoDB that injects network-level faults by rule. The SDK
 * client under test points at `endpoint`; everything a rule does not match is forwarded untouched.
 */
export class FaultProxy {
  readonly #upstream: URL;
  readonly #delayMs: number;
  readonly #returnOldItemKey: string | undefined;
  readonly #port: number;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** Requests in flight, with their body, so a test can wait for its own. */
  readonly #pending = new Map<Promise<void>, string>();
  readonly #sockets = new Set<Socket>();
  #random: () => number;
  #rules: ActiveRule[] = [];
  #seq = 0;
  #server: Server | undefined;
  /** Every request seen, in arrival order. */
  readonly log: ProxiedRequest[] = [];
  endpoint = '';

  constructor(options: FaultProxyOptions) {
    this.#upstream = new URL(options.upstream);
    this.#delayMs = options.delayMs ?? 600;
    this.#returnOldItemKey = options.returnOldItemKey;
    this.#port = options.port ?? 0;
    this.#random = seededRandom(options.seed ?? 1);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const body = readBody(req);
      const done = this.#handle(req, res, body).catch(() => {
        if (!res.headersSent) res.socket?.destroy();
      });
      // Tracked from arrival; its body is known once read.
      this.#pending.set(done, '');
      void body.then(
        (text) => this.#pending.has(done) && this.#pending.set(done, text.toString('utf8')),
        () => undefined,
      );
      void done.finally(() => this.#pending.delete(done));
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    // A test that forgets to stop it does not keep its worker alive.
    server.unref();
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Adds a rule; it counts its own occurrences from now on. The first matching rule wins. */
  inject(rule: FaultRule): InjectedRule {
    const active: ActiveRule = { rule, seen: 0, hits: 0 };
    this.#rules.push(active);
    return {
      rule,
      hits: () => active.hits,
      remove: () => {
        this.#rules = this.#rules.filter((candidate) => candidate !== active);
      },
    };
  }

  /** Removes every rule and reseeds, so a scenario starts from a known state. */
  clear(seed?: number): void {
    this.#rules = [];
    if (seed !== undefined) this.#random = seededRandom(seed);
  }

  /** How many requests got each fault (or none) since the log began. */
  faultsInjected(): number {
    return this.log.filter((entry) => entry.fault !== undefined).length;
  }

  /**
   * Resolves once every request in flight (held back or forwarded) has reached DynamoDB and
   * finished; with `bodyIncludes`, only those whose body contains it.
   */
  async drain(bodyIncludes?: string): Promise<void> {
    for (;;) {
      const waiting = [...this.#pending].filter(([, body]) => bodyIncludes === undefined || body.includes(bodyIncludes));
      if (waiting.length === 0) return;
      await Promise.allSettled(waiting.map(([promise]) => promise));
    }
  }

  async stop(): Promise<void> {
    await this.drain();
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #match(operation: string, body: string): FaultKind | undefined {
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.operation !== undefined && rule.operation !== operation) continue;
      if (rule.bodyIncludes !== undefined && !body.includes(rule.bodyIncludes)) continue;
      active.seen++;
      const wanted =
        rule.nth === undefined || (typeof rule.nth === 'number' ? rule.nth === active.seen : rule.nth.includes(active.seen));
      if (!wanted) continue;
      // Drawn only for requests the rule otherwise matches: the same traffic draws the same sequence.
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      active.hits++;
      return rule.fault;
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse, bodyRead: Promise<Buffer>): Promise<void> {
    const body = await bodyRead;
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    const fault = this.#match(operation, body.toString('utf8'));
    this.log.push({ seq: ++this.#seq, operation, fault });

    switch (fault) {
      case 'throttle':
        return answerError(
          res,
          400,
          'ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded. (injected by the fault proxy)',
        );
      case 'server-error':
        return answerError(res, 500, 'InternalServerError', 'Internal server error (injected by the fault proxy)');
      case 'reset':
        resetSocket(req.socket);
        return;
      case 'late-request': {
        // The client gives up and retries while this copy is still on its way.
        await sleep(this.#delayMs);
        const late = await this.#forward(req, body);
        return relay(res, late);
      }
      case 'slow-response': {
        const slow = await this.#forward(req, body);
        await sleep(this.#delayMs);
        return relay(res, slow);
      }
      case 'lost-response':
        await this.#forward(req, body);
        resetSocket(req.socket);
        return;
      default:
        return relay(res, await this.#forward(req, body));
    }
  }

  async #forward(req: IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
    const response = await this.#send(req.method ?? 'POST', req.url ?? '/', req.headers, body);
    const keyName = this.#returnOldItemKey;
    if (keyName === undefined || response.status !== 400 || !String(req.headers['x-amz-target']).endsWith('.PutItem'))
      return response;
    const input = JSON.parse(body.toString('utf8')) as {
      TableName: string;
      Item: Record<string, unknown>;
      ReturnValuesOnConditionCheckFailure?: string;
    };
    const error = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
    if (
      input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD' ||
      !String(error.__type).endsWith('#ConditionalCheckFailedException')
    ) {
      return response;
    }
    const read = JSON.stringify({ TableName: input.TableName, Key: { [keyName]: input.Item[keyName] }, ConsistentRead: true });
    const headers = {
      ...req.headers,
      'x-amz-target': 'DynamoDB_20120810.GetItem',
      'content-length': String(Buffer.byteLength(read)),
    };
    const found = await this.#send('POST', req.url ?? '/', headers, Buffer.from(read));
    const { Item } = JSON.parse(found.body.toString('utf8')) as { Item?: unknown };
    return { ...response, body: Buffer.from(JSON.stringify(Item === undefined ? error : { ...error, Item })) };
  }

  #send(method: string, path: string, headers: IncomingMessage['headers'], body: Buffer): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          agent: this.#agent,
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method,
          path,
          headers,
        },
        (response) => {
          readBody(response).then(
            (responseBody) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: responseBody }),
            reject,
          );
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function relay(res: ServerResponse, upstream: UpstreamResponse): void {
  // The client may have timed out and closed the connection meanwhile: nothing left to answer.
  if (res.destroyed || res.socket?.destroyed) return;
  const headers = { ...upstream.headers };
  delete headers.connection;
  delete headers['transfer-encoding'];
  headers['content-length'] = String(upstream.body.byteLength);
  res.writeHead(upstream.status, headers);
  res.end(upstream.body);
}

function answerError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': `fault-proxy-${Date.now()}`,
  });
  res.end(body);
}

/** Sends a TCP RST rather than a clean close, as a broken network path would. */
function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
