import { spawn } from 'node:child_process';

/** One cold start: the process's wall time, `require` of the bundle, and its first invocation. */
export interface ColdRun {
  readonly wallMs: number;
  readonly initMs: number;
  readonly firstMs: number;
}

const COLD_PROBE = `
const started = performance.now();
const { handler } = require(process.env.BENCH_BUNDLE);
const loaded = performance.now();
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: 'cold', getRemainingTimeInMillis: () => 30000 };
handler({ orderId: 'cold-' + process.pid + '-' + Date.now() }, context).then(() => {
  process.stdout.write(JSON.stringify({ initMs: loaded - started, firstMs: performance.now() - loaded }));
  process.exit(0);
}, (error) => { console.error(error); process.exit(1); });`;

/**
 * Cold-starts the CommonJS bundle `file` in a fresh `node` process and invokes its `handler` once
 * with an order event, as Lambda would on a new instance; `env` adds to this process's environment.
 */
export function coldRun(node: string, file: string, env: Record<string, string>): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, ['-e', COLD_PROBE], {
      env: { ...process.env, ...env, BENCH_BUNDLE: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`cold run of ${file} failed: ${stderr}`));
      resolve({ wallMs, ...(JSON.parse(stdout) as { initMs: number; firstMs: number }) });
    });
  });
}
