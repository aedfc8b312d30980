import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * What the proxy does to traffic now:
 * - `pass`: forwards both ways.
 * - `hold-replies`: commands reach the server (and apply); replies are held back, so the client times out.
 * - `lose-replies`: commands reach the server (and apply); the connection is reset instead of answering.
 */
export type TcpFaultMode = 'pass' | 'hold-replies' | 'lose-replies';

/** A loopback TCP proxy in front of a redis-server, for faults a RESP client meets on the wire. */
export class TcpFaultProxy {
  readonly #upstreamPort: number;
  readonly #pairs = new Set<{ client: Socket; server: Socket }>();
  #server: Server | undefined;
  mode: TcpFaultMode = 'pass';
  url = '';

  constructor(upstreamPort: number) {
    this.#upstreamPort = upstreamPort;
  }

  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.#upstreamPort, '127.0.0.1');
      const pair = { client, server: upstream };
      this.#pairs.add(pair);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (this.mode === 'pass') client.write(chunk);
        else if (this.mode === 'lose-replies') resetSocket(client);
      });
      const close = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close);
      upstream.on('close', close);
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.url = `redis://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    this.#server = server;
    return this;
  }

  /** Resets every open connection (TCP RST), as a broken network path would. */
  resetConnections(): void {
    for (const pair of this.#pairs) resetSocket(pair.client);
  }

  async stop(): Promise<void> {
    this.resetConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}
