/**
 * Writes the measured sections of docs/reliability.md (each between `<!-- name:start -->` and
 * `<!-- name:end -->`) from the same scenarios the reliability tests check: the tests only assert,
 * this script renders. Run it after changing a scenario, or to refresh the figures:
 *
 *   npm run docs:tables                      # every section (about 2 minutes on 2 cores)
 *   npm run docs:tables -- bad-input load    # only these sections
 *
 * It starts dynalite in a process of its own, as the test suite does (or uses
 * AWS_ENDPOINT_URL_DYNAMODB), runs the sections one after another, and writes nothing if a scenario
 * broke a guarantee: that is a failing test to fix first, not a table to publish. Throughput figures
 * depend on the machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RELIABILITY_PAGE as DOCS, replaceSection } from '../test/reliability/docs-sections.js';

// What test/vitest.config.ts gives the tests: a Region, and credentials a local endpoint accepts.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
}
// The documented figures are the default run's, never a soak's.
delete process.env.IDEMPOTENCY_SOAK;

/** A section's markdown, or the guarantees it found broken. */
type Rendered = { readonly markdown: string; readonly broken: readonly string[] };

// Imported after the environment is set: the scenarios read it when they load.
const { startEndpoint } = await import('../bench/dynalite-process.js');
const { storeFixture } = await import('../test/support/fixtures.js');
const { markdownTable, startHarness } = await import('../test/reliability/harness.js');
const badInput = await import('../test/reliability/bad-input-cases.js');
const httpBadInput = await import('../test/reliability/http-bad-input-cases.js');
const batchBadInput = await import('../test/reliability/batch-bad-input-cases.js');
const faultMatrix = await import('../test/reliability/fault-matrix.js');
const { unsoundCells } = await import('../test/reliability/fault-story.js');
const property = await import('../test/reliability/model-property.js');
const load = await import('../test/reliability/load.js');
const adapters = await import('../test/reliability/adapters-faults.js');

/** The sections in the order they run: the quick, deterministic ones first. */
const SECTIONS: Record<string, () => Promise<Rendered>> = {
  async 'bad-input'() {
    return withFixture(async (fixture) => {
      const rows: string[][] = [];
      const broken: string[] = [];
      for (const [index, testCase] of badInput.CASES.entries()) {
        const outcome = await badInput.runCase(fixture, testCase, index + 1);
        rows.push(badInput.caseRow(testCase, index + 1, outcome));
        if (!badInput.caseHolds(testCase, outcome)) broken.push(`bad input #${index + 1} ${testCase.input}: ${outcome.name}`);
      }
      return { markdown: markdownTable(badInput.CASES_HEADER, rows), broken };
    });
  },
  async 'valid-keys'() {
    return withFixture(async (fixture) => {
      const rows: string[][] = [];
      const broken: string[] = [];
      for (const [index, key] of badInput.VALID_KEYS.entries()) {
        const outcome = await badInput.runValidKey(fixture, key, index + 1);
        rows.push(badInput.validKeyRow(key, outcome));
        if (!badInput.validKeyHolds(outcome)) broken.push(`valid key ${key.input}`);
      }
      return { markdown: markdownTable(badInput.VALID_KEYS_HEADER, rows), broken };
    });
  },
  async 'http-bad-input'() {
    return withFixture(async (fixture) => {
      const rows: string[][] = [];
      const broken: string[] = [];
      for (const [index, testCase] of httpBadInput.HTTP_CASES.entries()) {
        const outcome = await httpBadInput.runHttpCase(fixture, testCase, index + 1);
        rows.push(httpBadInput.httpCaseRow(testCase, index + 1, outcome));
        if (!httpBadInput.httpCaseHolds(testCase, outcome))
          broken.push(`HTTP #${index + 1} ${testCase.input}: ${outcome.answer}`);
      }
      return { markdown: markdownTable(httpBadInput.HTTP_CASES_HEADER, rows), broken };
    });
  },
  async 'batch-bad-input'() {
    return withFixture(async (fixture) => {
      const rows: string[][] = [];
      const broken: string[] = [];
      for (const [index, testCase] of batchBadInput.BATCH_CASES.entries()) {
        const outcome = await batchBadInput.runBatchCase(fixture, testCase, index + 1);
        rows.push(batchBadInput.batchCaseRow(testCase, index + 1, outcome));
        if (!batchBadInput.batchCaseHolds(testCase, outcome))
          broken.push(`batch #${index + 1} ${testCase.input}: ${outcome.name}`);
      }
      const unsupported = await batchBadInput.runUnsupportedBatch(fixture);
      rows.push(batchBadInput.unsupportedBatchRow(rows.length + 1, unsupported));
      if ((unsupported as Error | undefined)?.name !== 'UnsupportedEventError')
        broken.push('batch: an event that is not a batch');
      return { markdown: markdownTable(batchBadInput.BATCH_CASES_HEADER, rows), broken };
    });
  },
  async 'fault-matrix'() {
    // The default transport's run, as fault-matrix.test.ts runs it.
    const harness = await startHarness({ ...faultMatrix.HARNESS, transport: 'lean' });
    try {
      const { results, table, summary } = await faultMatrix.runMatrix(harness, faultMatrix.TARGETS, 1);
      return { markdown: `${table}\n\n${summary}`, broken: unsoundCells(results) };
    } finally {
      await harness.stop();
    }
  },
  async property() {
    const harness = await startHarness({ ...property.PROPERTY_HARNESS, transport: 'lean' });
    try {
      const { run, summary } = await property.runProperty(harness, 'lean');
      return { markdown: summary, broken: run.violations.map((violation) => `property: ${violation.kind} ${violation.detail}`) };
    } finally {
      await harness.stop();
    }
  },
  async load() {
    const on = await load.startLoadTable();
    try {
      const outcomes = [await load.loadDirect(on), await load.loadThroughFaults(on)];
      const broken = outcomes.flatMap((outcome) =>
        outcome.executions === outcome.keys && outcome.lost === 0 && outcome.completed === outcome.keys
          ? []
          : [`load ${outcome.row[0]}: ${outcome.executions} executions of ${outcome.keys} keys, ${outcome.lost} lost`],
      );
      return { markdown: load.loadTable(outcomes), broken };
    } finally {
      await on.stop();
    }
  },
  async adapters() {
    const on = await adapters.startFaultyTable();
    try {
      const http = await adapters.httpUnderFaults(on);
      const sqs = await adapters.sqsUnderFaults(on);
      const broken = [
        ...http.paymentIds
          .filter((id) => http.charges.get(id) !== 1)
          .map((id) => `HTTP payment ${id} charged ${http.charges.get(id)}`),
        ...sqs.messageIds
          .filter((id) => sqs.applied.get(id) !== 1)
          .map((id) => `SQS message ${id} applied ${sqs.applied.get(id)}`),
      ];
      return { markdown: adapters.adaptersSection([http.summary, sqs.summary]), broken };
    } finally {
      await on.stop();
    }
  },
};

async function withFixture(render: (fixture: Awaited<ReturnType<typeof storeFixture>>) => Promise<Rendered>): Promise<Rendered> {
  const fixture = await storeFixture();
  try {
    return await render(fixture);
  } finally {
    await fixture.close();
  }
}

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(`Unknown section ${unknown.join(', ')}; the sections are: ${Object.keys(SECTIONS).join(', ')}.`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : Object.keys(SECTIONS);

const dynamodb = await startEndpoint();
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url;

let text = readFileSync(DOCS, 'utf8');
const broken: string[] = [];
let exitCode = 0;
try {
  for (const name of names) {
    const started = performance.now();
    const rendered = await SECTIONS[name]!();
    console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s${rendered.broken.length > 0 ? ', BROKEN' : ''}`);
    broken.push(...rendered.broken);
    text = replaceSection(text, name, rendered.markdown);
  }
  if (broken.length > 0) {
    console.error(`Nothing written: ${broken.length} guarantees broken (run the reliability tests):\n- ${broken.join('\n- ')}`);
    exitCode = 1;
  } else {
    writeFileSync(DOCS, text);
    console.log(`docs/reliability.md: ${names.join(', ')} written.`);
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await dynamodb.stop();
}
// Sockets a scenario's clients keep alive must not keep the process up.
process.exit(exitCode);
