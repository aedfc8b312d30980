import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type ColdRun, coldRun } from './cold-start.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';
import { median } from './stats.js';

/**
 * `npx tsx bench/cold-ab.ts <tree> <tree> ...`: the cold start of bench/fixtures/ours-handler.ts
 * built from each source tree (a checkout or `git worktree` of another commit), as transport.ts
 * builds it, N fresh processes each (env N, default 30), alternating. For a change to the cold
 * path, measured against the commit before it on one machine in one run. NODE_BIN picks the Node.
 */
const trees = process.argv.slice(2);
if (trees.length === 0) throw new Error('usage: tsx bench/cold-ab.ts <source tree> [<source tree> ...]');
const RUNS = Number(process.env.N ?? 30);
const node = process.env.NODE_BIN ?? process.execPath;
const endpoint = await startEndpoint();
try {
  const table = await createTable(benchClient(endpoint.url), 'cold-ab');
  const scratch = mkdtempSync(join(tmpdir(), 'cold-ab-'));
  const bundles: string[] = [];
  for (const [index, tree] of trees.entries()) {
    const outfile = join(scratch, `tree-${index}.cjs`);
    await build({
      entryPoints: [join(tree, 'bench/fixtures/ours-handler.ts')],
      tsconfig: join(tree, 'tsconfig.json'),
      bundle: true,
      minify: true,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      outfile,
      logLevel: 'silent',
    });
    bundles.push(outfile);
  }
  const runs = bundles.map(() => [] as ColdRun[]);
  for (let round = -1; round < RUNS; round++) {
    const order = bundles.map((_, index) => index);
    if (round % 2 === 0) order.reverse();
    for (const index of order) {
      const run = await coldRun(node, bundles[index]!, {
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'cold-ab',
        AWS_ENDPOINT_URL_DYNAMODB: endpoint.url,
        IDEMPOTENCY_TABLE: table,
      });
      // The first round warms the file cache.
      if (round >= 0) runs[index]!.push(run);
    }
  }
  const [base] = runs.map((rows) => median(rows.map((row) => row.wallMs)));
  process.stdout.write(
    `Node ${spawnSync(node, ['-p', 'process.versions.node']).stdout.toString().trim()}, ${RUNS} runs each, medians\n`,
  );
  for (const [index, rows] of runs.entries()) {
    const wall = median(rows.map((row) => row.wallMs));
    const init = median(rows.map((row) => row.initMs));
    const first = median(rows.map((row) => row.firstMs));
    process.stdout.write(
      `${trees[index]}: wall ${wall.toFixed(1)} ms (${(wall / base!).toFixed(3)}x), init ${init.toFixed(1)} ms, first invocation ${first.toFixed(1)} ms\n`,
    );
  }
} finally {
  await endpoint.stop();
}
