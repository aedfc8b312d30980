import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

// Runs in its own process, so the server's CPU never shows up in the client's timings.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
