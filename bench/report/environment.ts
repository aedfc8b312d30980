import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

export interface Environment {
  readonly date: string;
  readonly os: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly commit: string;
  readonly versions: Readonly<Record<string, string>>;
}

const PACKAGES: Record<string, string> = {
  'lambda-idempotency': '../../package.json',
  '@aws-lambda-powertools/idempotency': '../../node_modules/@aws-lambda-powertools/idempotency/package.json',
  'Middy (@middy/core 7)': '../../node_modules/middy-core-7/package.json',
  '@aws-sdk/client-dynamodb': '../../node_modules/@aws-sdk/client-dynamodb/package.json',
  '@aws-sdk/lib-dynamodb': '../../node_modules/@aws-sdk/lib-dynamodb/package.json',
  dynalite: '../../node_modules/dynalite/package.json',
  esbuild: '../../node_modules/esbuild/package.json',
};

/** Where and with what the figures were produced, read from the machine and the installed packages. */
export function describeEnvironment(): Environment {
  const versions: Record<string, string> = {};
  for (const [name, path] of Object.entries(PACKAGES)) {
    versions[name] = (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
  }
  return {
    date: new Date().toISOString(),
    os: `${type()} ${release()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit: gitCommit(),
    versions,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src/ modified)` : head;
  } catch {
    return 'unknown';
  }
}
