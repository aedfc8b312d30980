import { readFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { IdempotencyError, UnsupportedEventError } from '../../src/index.js';
import { headersOf, withCaller, withHeader, withKey } from '../http/http-events.js';
import { useStoreFixture } from '../support/fixtures.js';
import {
  CASES,
  CASES_HEADER,
  caseRow,
  expectedExecutions,
  runCase,
  runValidKey,
  VALID_KEYS,
  VALID_KEYS_HEADER,
  validKeyRow,
} from './bad-input-cases.js';
import {
  BATCH_CASES,
  BATCH_CASES_HEADER,
  batchCaseRow,
  runBatchCase,
  runUnsupportedBatch,
  unsupportedBatchRow,
} from './batch-bad-input-cases.js';
import { RELIABILITY_PAGE, sectionOf } from './docs-sections.js';
import { markdownTable } from './harness.js';
import { HTTP_CASES, HTTP_CASES_HEADER, httpApi, httpCaseRow, httpEndpoint, runHttpCase } from './http-bad-input-cases.js';

// Bad input of every kind, one test per case (the cases, and the tables scripts/docs-tables.ts
// renders from them into docs/reliability.md, are in the *-cases.ts modules beside this file). Each
// group ends with a check that the page's table is the one its passing cases render: it reads the
// page, never writes it (`npm run docs:tables -- <section>` does).

const fixture = useStoreFixture();
const page = readFileSync(RELIABILITY_PAGE, 'utf8');

/** Checks section `name` of docs/reliability.md against the rows the group's passing cases rendered. */
function expectPageShows(
  context: TestContext,
  name: string,
  header: readonly string[],
  rows: readonly string[][],
  cases: number,
) {
  const rendered = rows.filter(Boolean).length;
  if (rendered < cases) context.skip(`${cases - rendered} of the ${cases} cases did not run or failed: no table to compare`);
  expect(
    sectionOf(page, name),
    `docs/reliability.md's "${name}" table is not what the cases give: run npm run docs:tables -- ${name}`,
  ).toBe(markdownTable(header, rows));
}

describe(`bad input: ${CASES.length} cases, each a typed error naming the problem, nothing written wrongly`, () => {
  const rows: string[][] = [];
  for (const [index, testCase] of CASES.entries()) {
    it(`#${index + 1} ${testCase.category}: ${testCase.input}`, async () => {
      const outcome = await runCase(fixture, testCase, index + 1);

      expect(outcome.error, `got ${outcome.name}: ${outcome.message}`).toBeInstanceOf(IdempotencyError);
      expect(outcome.error).toBeInstanceOf(testCase.error);
      expect(outcome.name).toBe(testCase.error.name);
      expect(outcome.message).toMatch(testCase.message);
      expect(outcome.table).toBe(testCase.after);
      // Unstorable results ran once; the payload case ran once for its first, valid call.
      expect(outcome.executions).toBe(expectedExecutions(testCase));
      rows[index] = caseRow(testCase, index + 1, outcome);
    });
  }

  it('docs/reliability.md shows these results', (context) => {
    expectPageShows(context, 'bad-input', CASES_HEADER, rows, CASES.length);
  });

  it('covers at least 25 kinds of bad input', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });
});

describe('keys that are huge, unicode or binary are valid: each maps to its own short record id and replays', () => {
  const rows: string[][] = [];
  for (const [index, key] of VALID_KEYS.entries()) {
    it(key.input, async () => {
      const outcome = await runValidKey(fixture, key, index + 1);

      expect(outcome.replay).toEqual(outcome.first);
      expect(outcome.other).not.toEqual(outcome.first);
      expect(outcome.executions).toBe(2);
      expect(outcome.records).toBe(2);
      expect(outcome.idLength).toBeLessThan(64);
      rows[index] = validKeyRow(key, outcome);
    });
  }

  it('docs/reliability.md shows these results', (context) => {
    expectPageShows(context, 'valid-keys', VALID_KEYS_HEADER, rows, VALID_KEYS.length);
  });
});

describe(`HTTP: ${HTTP_CASES.length} bad headers and header tricks, each a clear problem response or typed error`, () => {
  const rows: string[][] = [];
  for (const [index, testCase] of HTTP_CASES.entries()) {
    it(`#${index + 1} ${testCase.input}`, async () => {
      const outcome = await runHttpCase(fixture, testCase, index + 1);

      expect(outcome.typed, `a thrown ${outcome.answer} is an IdempotencyError`).toBe(true);
      expect(outcome.answer).toBe(testCase.answer);
      expect(outcome.detail).toMatch(testCase.detail);
      expect(outcome.headers).toMatchObject(testCase.headers ?? {});
      expect(outcome.table).toBe(testCase.after);
      expect(outcome.records).toBe(testCase.records);
      rows[index] = httpCaseRow(testCase, index + 1, outcome);
    });
  }

  it('docs/reliability.md shows these results', (context) => {
    expectPageShows(context, 'http-bad-input', HTTP_CASES_HEADER, rows, HTTP_CASES.length);
  });

  it('header spellings that are the same key, and callers that are not', async () => {
    const endpoint = httpEndpoint(fixture.store, 'http-same-key');
    const first = await endpoint.invoke(withKey(httpApi(), 'k-1'));
    const upper = await endpoint.invoke(withHeader(httpApi(), 'IDEMPOTENCY-KEY', 'k-1'));
    const quoted = await endpoint.invoke(withKey(httpApi(), '"k-1"'));
    expect(endpoint.executions()).toBe(1);
    expect(headersOf(upper)['idempotent-replayed']).toBe('true');
    expect(JSON.parse((quoted as { body: string }).body)).toEqual(JSON.parse((first as { body: string }).body));
    const otherCaller = await endpoint.invoke(withCaller(withKey(httpApi(), 'k-1'), 'another-user'));
    expect(endpoint.executions()).toBe(2);
    expect(headersOf(otherCaller)['idempotent-replayed']).toBeUndefined();
  });
});

describe(`SQS batch: ${BATCH_CASES.length} bad records, each reported alone with a typed error; the rest run`, () => {
  const rows: string[][] = [];
  for (const [index, testCase] of BATCH_CASES.entries()) {
    it(`#${index + 1} ${testCase.input}`, async () => {
      const outcome = await runBatchCase(fixture, testCase, index + 1);

      expect(outcome.reported).toEqual(['m-0']);
      expect(outcome.ran).toEqual(['m-1']);
      expect(outcome.name).toBe(testCase.error);
      expect(outcome.message).toMatch(testCase.message);
      if (testCase.error !== 'Error') expect(outcome.error).toBeInstanceOf(IdempotencyError);
      // Only the good record is stored; a failed handler's claim was released.
      expect(outcome.statuses).toEqual(['COMPLETED']);
      rows[index] = batchCaseRow(testCase, index + 1, outcome);
    });
  }

  it(`#${BATCH_CASES.length + 1} an event that is not a batch fails the whole invocation with UnsupportedEventError`, async () => {
    const error = await runUnsupportedBatch(fixture);
    expect(error).toBeInstanceOf(UnsupportedEventError);
    rows[BATCH_CASES.length] = unsupportedBatchRow(BATCH_CASES.length + 1, error);
  });

  it('docs/reliability.md shows these results', (context) => {
    expectPageShows(context, 'batch-bad-input', BATCH_CASES_HEADER, rows, BATCH_CASES.length + 1);
  });
});
