import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import type { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { ValkeyClientLibrary } from '../../infra/valkey-bundling.js';
import { ValkeyIdempotencyStack } from '../../infra/valkey-cache.js';

/** A synthesized function: its asset directory (what Lambda unpacks into /var/task) and how it is started. */
export interface SynthesizedFunction {
  readonly assetDirectory: string;
  /** The Handler property, such as `index.handler`. */
  readonly handler: string;
  /** The function's environment variables as the template sets them (tokens left as they are). */
  readonly environment: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number;
}

interface TemplateFunction {
  readonly Type: string;
  readonly Properties: {
    readonly Handler: string;
    readonly Timeout?: number;
    readonly Code: { readonly S3Key: string };
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

interface AssetManifest {
  readonly files: Record<
    string,
    { readonly source: { readonly path: string }; readonly destinations: Record<string, { readonly objectKey: string }> }
  >;
}

/**
 * A new directory for a cloud assembly, where no ancestor holds a node_modules: the asset must
 * resolve its imports from its own directory, as in /var/task, not from this repository's packages.
 */
export function assemblyDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'idempotency-valkey-asset-'));
  for (let folder = dirname(directory); ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'node_modules')))
      throw new Error(`${folder}/node_modules would let the asset in ${directory} resolve packages it does not contain.`);
    if (dirname(folder) === folder) return directory;
  }
}

/**
 * Synthesizes the sample Valkey stack with real bundling (esbuild, and npm for the packages left
 * out of the bundle) into `outdir`, and finds its function's asset the way the CLI would upload
 * it: through the asset manifest entry whose object key is the function's `Code.S3Key`.
 */
export function synthesizeValkeySample(
  outdir: string,
  client: ValkeyClientLibrary,
  architecture: Architecture,
): SynthesizedFunction {
  const app = new App({ outdir });
  const stack = new ValkeyIdempotencyStack(app, 'ValkeySample', { client, architecture });
  const artifact = app.synth().getStackByName(stack.stackName);
  const functions = Object.values(artifact.template.Resources as Record<string, TemplateFunction>).filter(
    (resource) => resource.Type === 'AWS::Lambda::Function',
  );
  if (functions.length !== 1) throw new Error(`expected one function in the stack, found ${functions.length}`);
  const properties = functions[0]!.Properties;
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.stackName}.assets.json`), 'utf8')) as AssetManifest;
  const asset = Object.values(manifest.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === properties.Code.S3Key),
  );
  if (!asset) throw new Error(`no asset in the manifest is uploaded as ${properties.Code.S3Key}`);
  return {
    assetDirectory: join(outdir, asset.source.path),
    handler: properties.Handler,
    environment: properties.Environment?.Variables ?? {},
    timeoutSeconds: properties.Timeout ?? 3,
  };
}

/** What the fresh process reported: the load failed, or each invocation's result or error. */
export type LambdaRun =
  | { readonly loaded: false; readonly error: { readonly code?: string; readonly message: string } }
  | {
      readonly loaded: true;
      readonly file: string;
      readonly how: 'import' | 'require';
      readonly invocations: readonly ({ readonly result: unknown } | { readonly error: { readonly message: string } })[];
    };

export interface Invocation {
  readonly event: unknown;
  /** Waits this long before the invocation. */
  readonly pauseMs?: number;
}

const runtime = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

/**
 * Starts a fresh `node` in the asset directory with the function's environment only (no NODE_PATH,
 * NODE_OPTIONS or loaders of this process), loads the handler as the Lambda runtime would
 * (lambda-runtime.mjs), and invokes it with each event in turn. `overrides` stand in for the
 * variables whose value CloudFormation resolves at deploy time.
 */
export function runAsLambda(
  fn: SynthesizedFunction,
  overrides: Readonly<Record<string, string>>,
  invocations: readonly Invocation[],
): LambdaRun {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...fn.environment, ...overrides })) {
    if (typeof value !== 'string')
      throw new Error(`${name} is resolved at deploy time (${JSON.stringify(value)}): give it a value`);
    variables[name] = value;
  }
  const child = spawnSync(process.execPath, [runtime, JSON.stringify(invocations)], {
    cwd: fn.assetDirectory,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LAMBDA_TASK_ROOT: fn.assetDirectory,
      _HANDLER: fn.handler,
      AWS_LAMBDA_FUNCTION_NAME: 'CreateOrder',
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
      AWS_REGION: 'us-east-1',
      ...variables,
    },
  });
  const report = child.stdout.trim().split('\n').at(-1);
  if (!report?.startsWith('{')) throw new Error(`the runtime printed no report (status ${child.status}): ${child.stderr}`);
  return JSON.parse(report) as LambdaRun;
}

/** The machine type an ELF file (a native addon) was built for: 62 x86-64, 183 AArch64. */
export function elfMachine(file: string): number {
  const header = readFileSync(file).subarray(0, 20);
  if (header.toString('latin1', 0, 4) !== '\x7fELF') throw new Error(`${file} is not an ELF file`);
  return header.readUInt16LE(18);
}
