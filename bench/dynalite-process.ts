import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchEndpoint {
  readonly url: string;
  /** What serves it, for the report. */
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * The DynamoDB endpoint both libraries talk to: `AWS_ENDPOINT_URL_DYNAMODB` when set, otherwise
 * an in-memory dynalite in a child process of its own.
 */
export async function startEndpoint(): Promise<BenchEndpoint> {
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (external) return { url: external, description: `external endpoint ${external}`, stop: async () => {} };
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./dynalite-child.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await readPort(child);
  return {
    url: `http://127.0.0.1:${port}`,
    description: 'dynalite (in memory) in a child process',
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`dynalite did not start within 20 s: ${output}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code}: ${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
  });
}
