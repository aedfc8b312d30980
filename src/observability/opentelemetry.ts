import type { Attributes, Tracer } from '@opentelemetry/api';
import type { IdempotencyOutcome, OutcomePhase, OutcomeSink } from '../engine/outcomes/outcome.js';

/** A sink that also says whether `@opentelemetry/api` could be loaded. */
export interface TracingSink extends OutcomeSink {
  /** Resolves true once spans are recorded, false when `@opentelemetry/api` is not installed. */
  readonly ready: Promise<boolean>;
}

/** Options of {@link openTelemetrySpans}. */
export interface OpenTelemetryOptions {
  /** The tracer's instrumentation name. Default `lambda-idempotency`. */
  readonly tracerName?: string;
}

type OpenTelemetryApi = typeof import('@opentelemetry/api');

// A specifier held in a variable: bundlers leave the import alone, so an absent optional peer
// costs nothing at build time and the core entry never loads it.
const API_MODULE = '@opentelemetry/api';
/** Outcomes kept while the API loads at cold start; more than a burst's worth is dropped. */
const MAX_PENDING = 64;
const FAILURES = new Set<IdempotencyOutcome['kind']>([
  'payload-mismatch',
  'lease-lost',
  'result-not-persisted',
  'store-error',
  'store-unavailable',
  'abandoned',
]);

function attributesOf(outcome: IdempotencyOutcome): Attributes {
  return {
    'idempotency.outcome': outcome.kind,
    'idempotency.scope': outcome.scope,
    'idempotency.store_requests': outcome.requests.total,
    ...(outcome.recordId !== undefined && { 'idempotency.record_id': outcome.recordId }),
    ...(outcome.statusCode !== undefined && { 'http.response.status_code': outcome.statusCode }),
    ...(outcome.waited !== undefined && { 'idempotency.waited': outcome.waited }),
  };
}

function record(api: OpenTelemetryApi, tracer: Tracer, name: string, phase: OutcomePhase, outcome: IdempotencyOutcome): void {
  const span = tracer.startSpan(name, { startTime: phase.startedAt, attributes: attributesOf(outcome) });
  if (FAILURES.has(outcome.kind)) {
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.error?.message ?? outcome.kind });
  }
  span.end(phase.startedAt + phase.durationMs);
}

/**
 * A sink recording spans for the library's own work when `@opentelemetry/api` is installed
 * (an optional peer, loaded on first use): `idempotency.claim` for the cache lookup, claim and
 * any wait, then `idempotency.complete` or `idempotency.release`, each with the outcome and the
 * record id. Spans carry their measured times and the active context as parent; nothing is
 * recorded when the API is absent.
 *
 * @example
 * idempotency({ store, key: 'orderId', onOutcome: openTelemetrySpans() })
 */
export function openTelemetrySpans(options: OpenTelemetryOptions = {}): TracingSink {
  let loaded: { api: OpenTelemetryApi; tracer: Tracer } | undefined;
  let pending: IdempotencyOutcome[] | undefined = [];

  function emit(outcome: IdempotencyOutcome): void {
    if (loaded === undefined) {
      if (pending !== undefined && pending.length < MAX_PENDING) pending.push(outcome);
      return;
    }
    record(loaded.api, loaded.tracer, 'idempotency.claim', outcome.phases.begin, outcome);
    const finish = outcome.phases.finish;
    if (finish !== undefined) record(loaded.api, loaded.tracer, `idempotency.${finish.operation ?? 'complete'}`, finish, outcome);
  }

  const ready = (import(API_MODULE) as Promise<OpenTelemetryApi>).then(
    (api) => {
      loaded = { api, tracer: api.trace.getTracer(options.tracerName ?? 'lambda-idempotency') };
      const waiting = pending ?? [];
      pending = undefined;
      for (const outcome of waiting) emit(outcome);
      return true;
    },
    () => {
      pending = undefined;
      return false;
    },
  );
  return Object.assign((outcome: IdempotencyOutcome) => emit(outcome), { ready });
}
