import { Metrics } from '@aws-lambda-powertools/metrics';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { makeIdempotent } from '../../src/index.js';
import { openTelemetrySpans, powertoolsMetrics } from '../../src/observability/index.js';
import { uniqueKey, useStoreFixture } from '../support/fixtures.js';
import { MemoryStore } from '../support/memory-store.js';
import { expectValidEmf } from './emf-spec.js';

const fixture = useStoreFixture();

const charge = async (order: { orderId: string; amount: number }) => ({ charged: order.amount });

describe('a real Powertools Metrics instance', () => {
  it('receives a count per outcome, our overhead and the store requests, and serializes valid EMF', async () => {
    const metrics = new Metrics({ namespace: 'Orders', serviceName: 'payments' });
    const once = makeIdempotent(charge, { store: fixture.store, key: 'orderId', onOutcome: powertoolsMetrics(metrics) });
    const order = { orderId: uniqueKey(), amount: 3 };
    await once(order);
    await once(order);
    await once(order);
    const emf = metrics.serializeMetrics();
    const document = expectValidEmf(JSON.stringify(emf));
    expect(document.Executed).toBe(1);
    expect(document.Replayed).toEqual([1, 1]);
    expect(document.StoreRequests).toEqual([2, 1, 1]);
    expect((document.IdempotencyOverhead as number[]).every((value) => value > 0)).toBe(true);
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Orders');
    expect(directive?.Metrics.find((metric) => metric.Name === 'IdempotencyOverhead')?.Unit).toBe('Milliseconds');
  });
});

describe('OpenTelemetry', () => {
  it('an in-memory exporter receives a claim span and a complete span with the outcome and record id', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    const spans = openTelemetrySpans();
    await expect(spans.ready).resolves.toBe(true);
    const outcomes: string[] = [];
    const once = makeIdempotent(charge, {
      store: fixture.store,
      key: 'orderId',
      onOutcome: [spans, (outcome) => void outcomes.push(outcome.recordId ?? '')],
    });
    const order = { orderId: uniqueKey(), amount: 4 };
    await once(order);
    await once(order);
    const finished = exporter.getFinishedSpans();
    expect(finished.map((span) => [span.name, span.attributes['idempotency.outcome']])).toEqual([
      ['idempotency.claim', 'executed'],
      ['idempotency.complete', 'executed'],
      ['idempotency.claim', 'replayed'],
    ]);
    for (const span of finished) expect(span.attributes['idempotency.record_id']).toBe(outcomes[0]);
    const [claim, complete] = finished;
    const toMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;
    expect(toMs(complete?.startTime ?? [0, 0])).toBeGreaterThanOrEqual(toMs(claim?.endTime ?? [0, 0]) - 1);
    expect(JSON.stringify(finished.map((span) => span.attributes))).not.toContain(order.orderId);
    await provider.shutdown();
    trace.disable();
  });

  it('a run without idempotency while the store was unavailable (fail open): a claim span, outcome store-unavailable, status error', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    const spans = openTelemetrySpans();
    await expect(spans.ready).resolves.toBe(true);
    const store = new MemoryStore();
    store.fail('claim', 'outage');
    const once = makeIdempotent(charge, {
      store,
      key: 'orderId',
      whenStoreUnavailable: 'fail-open',
      logger: { warn: () => undefined },
      onOutcome: spans,
    });
    expect(await once({ orderId: uniqueKey(), amount: 4 })).toEqual({ charged: 4 });
    const finished = exporter.getFinishedSpans();
    expect(finished.map((span) => [span.name, span.attributes['idempotency.outcome'], span.status.code])).toEqual([
      ['idempotency.claim', 'store-unavailable', SpanStatusCode.ERROR],
    ]);
    expect(finished[0]?.attributes['idempotency.record_id']).toMatch(/#/);
    expect(finished[0]?.attributes['idempotency.store_requests']).toBe(1);
    await provider.shutdown();
    trace.disable();
  });
});
