import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Local endpoints accept any credentials; a real AWS run keeps the caller's own.
const localCredentials =
  process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE ? {} : { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    // The README's examples import the package by name; run them against the source.
    alias: { 'lambda-idempotency': fileURLToPath(new URL('../src/index.ts', import.meta.url)) },
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
  },
});
