import { openTelemetrySpans } from '../../src/observability/index.js';

// Run by opentelemetry-absent.test.ts in a process where @opentelemetry/api cannot be resolved.
const sink = openTelemetrySpans();
const outcome = {
  kind: 'executed',
  scope: 'probe',
  recordId: 'probe#abc',
  durationMs: 1,
  phases: { begin: { startedAt: Date.now(), durationMs: 1 } },
  requests: { claim: 1, get: 0, complete: 1, release: 0, total: 2 },
} as const;
sink(outcome);
const ready = await sink.ready;
sink(outcome);
process.stdout.write(JSON.stringify({ ready }));
