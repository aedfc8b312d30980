import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** Files of a complete build: the CommonJS implementation, its ESM entry and the bundlers' ESM build. */
const BUILD_MARKERS = ['dist/cjs/index.js', 'dist/cjs/index.mjs', 'dist/esm/index.js'];

/** A fresh app with the packed tarball installed, as a user gets the package. */
export interface PackedApp {
  readonly dir: string;
  /** Runs `command` in the app and returns its stdout; throws with its stderr when it fails. */
  run(command: string, args: readonly string[], env?: Record<string, string>): string;
  /** Writes `name` into the app. */
  write(name: string, content: string): void;
  /**
   * Bundles `entry` into `outfile` as CDK's NodejsFunction does (minified, platform node, the AWS SDK
   * external as the Node.js runtimes ship it), with a metafile beside it, and returns the bundle.
   */
  bundle(entry: string, outfile: string, flags?: readonly string[]): string;
  /** Deletes the app. One holding aws-cdk-lib takes longer than the default hook timeout on a busy machine. */
  remove(): Promise<void>;
}

/** Where the package comes from: this repository by default, built first when dist is incomplete. */
export interface PackedAppOptions {
  /** Another checkout of the package, already built (a benchmark comparing two commits). */
  readonly packageDir?: string;
  readonly type?: 'commonjs' | 'module';
}

/**
 * Packs the package and installs it with `dependencies` into a new app. Test files run in
 * parallel: one builds this repository while the others wait.
 */
export function installPackedApp(dependencies: readonly string[], options: PackedAppOptions = {}): PackedApp {
  const { packageDir = root, type = 'commonjs' } = options;
  if (packageDir === root) buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'lambda-idempotency-consumer-'));
  // --ignore-scripts: `prepack` would rebuild dist, under the other test files reading it; buildOnce built it.
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
    cwd: packageDir,
    stdio: 'ignore',
  });
  const tarball = readdirSync(dir).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${dir}`);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type })}\n`);
  const run = (command: string, args: readonly string[], env: Record<string, string> = {}) =>
    execFileSync(command, args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`, ...dependencies]);
  return {
    dir,
    run,
    write: (name, content) => writeFileSync(join(dir, name), content),
    bundle(entry, outfile, flags = []) {
      run(join(dir, 'node_modules/.bin/esbuild'), [
        entry,
        '--bundle',
        '--minify',
        '--platform=node',
        '--external:@aws-sdk/*',
        `--metafile=${outfile}.meta.json`,
        `--outfile=${outfile}`,
        '--log-level=error',
        ...flags,
      ]);
      return readFileSync(join(dir, outfile), 'utf8');
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Builds dist unless complete, under a lock directory so parallel test files never build over each other. */
function buildOnce(): void {
  const lock = join(root, 'node_modules/.cache/lambda-idempotency-build.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run: no build takes this long.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!BUILD_MARKERS.every((file) => existsSync(join(root, file)))) {
      execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
