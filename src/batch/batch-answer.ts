import type { EventSource, EventSourceKind } from '../lambda/event-sources/event-source.js';
import type { BatchResponse, KafkaBatchResponse } from '../lambda/event-sources/partial-response.js';
import { BatchFailedError } from './errors.js';
import type { RecordOutcome } from './record-processor.js';

const LABELS: Partial<Record<EventSourceKind, string>> = {
  activemq: 'Amazon MQ',
  rabbitmq: 'Amazon MQ',
  documentdb: 'DocumentDB',
  s3: 'S3',
  sns: 'SNS',
};

/**
 * What the Lambda handler answers once every record has an outcome. A source that takes partial
 * responses, and is allowed to (`reportBatchItemFailures`), gets one naming the failed records.
 * Otherwise a failure fails the invocation with {@link BatchFailedError}, so the whole batch comes
 * back and the records that completed are skipped as duplicates; without failures the answer is
 * an empty partial response (or nothing, for a source that takes none).
 * @throws {BatchFailedError} when records failed and cannot be reported one by one.
 */
export function answerBatch(
  source: EventSource,
  records: readonly unknown[],
  outcomes: readonly (RecordOutcome | undefined)[],
  reportBatchItemFailures: boolean | undefined,
): BatchResponse | KafkaBatchResponse | undefined {
  // A record without an outcome never ran: reporting it is the safe side.
  const failed = outcomes.flatMap((outcome, index) => ((outcome?.kind ?? 'failed') === 'failed' ? [index] : []));
  const { partialResponse } = source;
  if (partialResponse !== undefined && reportsPartially(source, reportBatchItemFailures)) {
    return partialResponse(records, failed);
  }
  if (failed.length > 0) {
    const failures = failed.map((index) => {
      const outcome = outcomes[index];
      return {
        itemIdentifier: source.itemIdentifier(records[index], index),
        error: outcome?.kind === 'failed' ? outcome.error : new Error('The record did not run.'),
      };
    });
    throw new BatchFailedError(reasonOf(source, reportBatchItemFailures), failures);
  }
  return partialResponse?.(records, []);
}

/** Whether this batch's failures go into a partial response rather than fail the invocation. */
export function reportsPartially(source: EventSource, reportBatchItemFailures: boolean | undefined): boolean {
  return source.partialResponse !== undefined && (reportBatchItemFailures ?? source.reportsByDefault);
}

function reasonOf(source: EventSource, reportBatchItemFailures: boolean | undefined): string {
  if (source.partialResponse === undefined) return `${LABELS[source.kind] ?? source.kind} events take no partial batch response`;
  if (reportBatchItemFailures === false) return 'reportBatchItemFailures is false';
  return 'Kafka partial batch responses are off unless reportBatchItemFailures is true (they need provisioned pollers)';
}
