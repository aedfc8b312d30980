import { describe, expect, it } from 'vitest';
import { QUICK_CONFIG } from '../../bench/config.js';
import { evaluateCondition } from '../../bench/double/expressions.js';
import { itemSize, numberSize, strongReadUnits, writeUnits } from '../../bench/item-size.js';
import { evaluateTargets, renderMarkdown } from '../../bench/report/markdown.js';
import { renderLatencySvg } from '../../bench/report/svg.js';
import { runBenchmark } from '../../bench/run.js';
import { endpoint } from '../support/dynamodb.js';

describe('bench: DynamoDB item size and capacity rules', () => {
  it('counts attribute names, UTF-8 bytes, significant digits and container overhead', () => {
    expect(itemSize({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ name: { S: 'Malmö' } })).toBe(4 + 6);
    expect(numberSize('1700000000')).toBe(1 + 1); // one significant digit
    expect(numberSize('1732871234567')).toBe(7 + 1);
    expect(numberSize('-0.00120')).toBe(1 + 1);
    expect(itemSize({ m: { M: { a: { N: '12' }, b: { BOOL: true } } } })).toBe(1 + 3 + (1 + 1 + 2) + (1 + 1 + 1));
    expect(itemSize({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect([writeUnits(0), writeUnits(1024), writeUnits(1025), strongReadUnits(4096), strongReadUnits(4097)]).toEqual([
      1, 1, 2, 1, 2,
    ]);
  });

  it('evaluates both libraries’ claim conditions like DynamoDB', () => {
    const context = {
      names: { '#id': 'id', '#exp': 'expiration', '#status': 'status', '#ipe': 'in_progress_expiration' },
      values: { ':now': { N: '100' }, ':nowMs': { N: '100000' }, ':inProgress': { S: 'INPROGRESS' } },
    };
    const claim = 'attribute_not_exists(#id) OR #exp < :now OR (#status = :inProgress AND #ipe < :nowMs)';
    expect(evaluateCondition(claim, undefined, context)).toBe(true);
    const live = {
      id: { S: 'k' },
      expiration: { N: '200' },
      status: { S: 'INPROGRESS' },
      in_progress_expiration: { N: '150000' },
    };
    expect(evaluateCondition(claim, live, context)).toBe(false);
    expect(evaluateCondition(claim, { ...live, in_progress_expiration: { N: '99999' } }, context)).toBe(true);
    expect(evaluateCondition(claim, { ...live, status: { S: 'COMPLETED' }, in_progress_expiration: { N: '1' } }, context)).toBe(
      false,
    );
    expect(() => evaluateCondition('begins_with(#id, :now)', live, context)).toThrow();
  });
});

describe('bench: a tiny run of every scenario', () => {
  it('measures both libraries on every row and renders the report', { timeout: 60_000 }, async () => {
    const results = await runBenchmark(QUICK_CONFIG, endpoint());

    // On DynamoDB semantics both libraries make the floor's requests; a replay from the local cache makes none.
    for (const library of ['ours', 'powertools'] as const) {
      expect(results.requests.dynamodb.first[library].byOperation).toEqual({ PutItem: 1, UpdateItem: 1 });
      expect(results.requests.dynamodb.duplicate[library].byOperation).toEqual({ PutItem: 1 });
      expect(results.requests.dynamodb.duplicate[library].failedConditions).toBe(1);
      expect(results.requests.dynamodb.cacheHit[library].requests).toBe(0);
      expect(results.requests.dynamodb.failed[library].byOperation).toEqual({ PutItem: 1, DeleteItem: 1 });
    }
    // A 20 KB result: ours is compressed below the JSON size, Powertools keeps it as a map; both replay it.
    const [oursTwenty, oursHuge] = results.storage.ours;
    const [theirsTwenty] = results.storage.powertools;
    expect(oursTwenty!.storedBytes).toBeLessThan(oursTwenty!.resultBytes / 2);
    expect(theirsTwenty!.storedBytes).toBeGreaterThan(oursTwenty!.storedBytes!);
    expect([oursTwenty!.duplicate, theirsTwenty!.duplicate]).toEqual(['replayed', 'replayed']);
    // 600 KB exceeds an item: ours stores it compressed and replays it.
    expect(oursHuge).toMatchObject({ status: 'COMPLETED', firstCall: 'returned', duplicate: 'replayed' });

    expect(results.bundles.ours.bytes).toBeGreaterThan(results.bundles.baseline.bytes);
    expect(results.bundles.powertools.bytes).toBeGreaterThan(results.bundles.baseline.bytes);
    for (const concurrency of QUICK_CONFIG.throughput.concurrencies) {
      expect(results.throughput[concurrency]!.ours.perSecond).toBeGreaterThan(0);
      expect(results.throughput[concurrency]!.powertools.perSecond).toBeGreaterThan(0);
    }

    // The lower threshold compresses the ~1 KB result, so its record is smaller than the default's.
    const [defaultThreshold, lowerThreshold] = results.diagnostics.thresholds;
    expect(lowerThreshold!.recordBytes).toBeLessThan(defaultThreshold!.recordBytes);
    expect(results.diagnostics.codec).toHaveLength(6);

    const markdown = renderMarkdown(results, 'latency.svg');
    for (const heading of ['## Targets', '## 1.', '## 2.', '## 3.', '## 4.', '## 5.', '## 6.'])
      expect(markdown).toContain(heading);
    expect(markdown).not.toMatch(/NaN/);
    expect(evaluateTargets(results)).toHaveLength(4);
    const svg = renderLatencySvg(results.latency, 'test');
    expect(svg.match(/<circle /g)).toHaveLength(12);
  });
});
