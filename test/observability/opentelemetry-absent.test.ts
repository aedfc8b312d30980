import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('without @opentelemetry/api the tracing sink records nothing and never throws', () => {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('./hide-opentelemetry.mjs', import.meta.url)),
      '--import',
      'tsx',
      fileURLToPath(new URL('./absent-opentelemetry-probe.ts', import.meta.url)),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  expect(JSON.parse(output)).toEqual({ ready: false });
});
