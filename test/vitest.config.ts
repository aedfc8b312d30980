import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Local endpoints accept any credentials; a real AWS run keeps the caller's own.
const localCredentials =
  process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE ? {} : { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/** Each package specifier (package.json "exports") and the source file it stands for in tests. */
const packageEntries: Record<string, string> = {
  'lambda-idempotency': 'index.ts',
  'lambda-idempotency/engine': 'engine/index.ts',
  'lambda-idempotency/cdk': 'cdk/index.ts',
  'lambda-idempotency/valkey': 'stores/valkey/index.ts',
  'lambda-idempotency/observability': 'observability/index.ts',
};

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    // The README's examples and the infra import the package by name and subpath; run them against the source.
    // Exact matches: a prefix alias would turn `lambda-idempotency/cdk` into `src/index.ts/cdk`.
    alias: Object.entries(packageEntries).map(([specifier, file]) => ({
      find: new RegExp(`^${specifier}$`),
      replacement: fileURLToPath(new URL(`../src/${file}`, import.meta.url)),
    })),
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      // The SDK's notice that releases after January 2027 need Node 22: known, and noise in every test.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...localCredentials,
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of the suite waits (on servers, lapsing claims, failovers) rather than computes: three
    // files at a time keep 2 cores busy where vitest's default (cores - 1) would run one file at a time.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
