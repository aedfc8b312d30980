/**
 * `npm run build`: the ESM build (dist/esm) and the CommonJS build (dist/cjs) of src, both with
 * declarations. dist/cjs gets a package.json saying `"type": "commonjs"`, so Node and TypeScript read
 * its .js and .d.ts files as CommonJS although the package itself is `"type": "module"`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
for (const project of ['src/tsconfig.json', 'src/tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
