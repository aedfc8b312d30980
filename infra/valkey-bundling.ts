import { fileURLToPath } from 'node:url';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The client libraries ValkeyStore supports, each with a sample handler in samples/valkey/. */
export const valkeyClientLibraries = ['valkey-glide', 'ioredis', 'iovalkey', 'node-redis'] as const;
export type ValkeyClientLibrary = (typeof valkeyClientLibraries)[number];

/** The sample handler that connects with `library` (its `handler` export). */
export function valkeySampleEntry(library: ValkeyClientLibrary): string {
  return fileURLToPath(new URL(`../samples/valkey/${library}.ts`, import.meta.url));
}

/**
 * NodejsFunction bundling whose asset Lambda can load, for a handler that connects to Valkey with
 * `library` at cold start. Local bundling (esbuild and npm on the machine that synthesizes); no
 * Docker needed.
 */
export function valkeyBundling(library: ValkeyClientLibrary, architecture: Architecture): BundlingOptions {
  const esm: BundlingOptions = {
    // Top-level await (connect once, at cold start) exists only in ES modules; NodejsFunction's
    // default output is CommonJS, where esbuild refuses it. ESM is written as index.mjs.
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    // ioredis, iovalkey and node-redis are CommonJS and require Node's built-ins; an ES module
    // bundle has no `require` unless it makes one.
    banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  };
  if (library !== 'valkey-glide') return esm;
  return {
    ...esm,
    // Glide's core is a native library, shipped as one optional dependency per platform
    // (@valkey/valkey-glide-linux-arm64-gnu, ...-linux-x64-gnu, ...): esbuild cannot bundle it.
    // nodeModules leaves the package out of the bundle and has CDK install it into the asset with
    // `npm ci` (the project's lock file). npm picks the platform package by these settings (npm
    // 10.3 or later) instead of by the machine that synthesizes: Lambda is Linux with glibc.
    nodeModules: ['@valkey/valkey-glide'],
    environment: {
      npm_config_os: 'linux',
      npm_config_cpu: architecture === Architecture.ARM_64 ? 'arm64' : 'x64',
      npm_config_libc: 'glibc',
    },
  };
}
