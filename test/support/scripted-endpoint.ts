import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the endpoint received it. */
export interface ReceivedRequest {
  readonly operation: string;
  readonly headers: IncomingHttpHeaders;
  readonly path: string;
  readonly body: string;
}

/** What the endpoint does with one request. */
export type Scripted =
  | { readonly status: number; readonly body?: object | string; readonly headers?: Record<string, string> }
  | 'hang'
  | 'reset';

/** A DynamoDB error answer in the JSON protocol's shape. */
export function dynamoError(
  status: number,
  type: string,
  message: string,
  extra: object = {},
): { readonly status: number; readonly body: object } {
  return { status, body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra } };
}

/**
 * A loopback HTTP server that answers each request as `answer` says: a canned response, no answer
 * at all (`hang`), or a reset connection. It records every request it receives.
 */
export class ScriptedEndpoint {
  readonly received: ReceivedRequest[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  endpoint = '';

  constructor(private readonly answer: (request: ReceivedRequest, index: number) => Scripted) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const request = {
          operation: target.slice(target.indexOf('.') + 1),
          headers: req.headers,
          path: req.url ?? '/',
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(request);
        const scripted = this.answer(request, this.received.length - 1);
        if (scripted === 'hang') return;
        if (scripted === 'reset') {
          req.socket.resetAndDestroy();
          return;
        }
        const body = typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body ?? {});
        res.writeHead(scripted.status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `scripted-${this.received.length}`,
          ...scripted.headers,
        });
        res.end(body);
      });
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    server.unref();
    this.#server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
