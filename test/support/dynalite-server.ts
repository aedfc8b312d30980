import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface RunningDynamoDB {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** An in-memory dynalite on 127.0.0.1 and a port the OS picks, so parallel runs never collide. */
export async function startDynalite(): Promise<RunningDynamoDB> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
