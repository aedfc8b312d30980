import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';
import { MissingIdempotencyKeyError } from '../../errors.js';
import { type EventSource, field, stringField } from './event-source.js';
import { type KafkaItemIdentifier, kafkaBatchResponse } from './partial-response.js';

/** An Amazon MSK or self-managed Apache Kafka event: records listed under `"<topic>-<partition>"`. */
export type KafkaEvent = MSKEvent | SelfManagedKafkaEvent;

/** True for the two Kafka event sources Lambda delivers: Amazon MSK and self-managed Apache Kafka. */
export function isKafkaEvent(event: object): boolean {
  const source = field(event, 'eventSource');
  const records = field(event, 'records');
  return (
    (source === 'aws:kafka' || source === 'SelfManagedKafka') &&
    records !== null &&
    typeof records === 'object' &&
    !Array.isArray(records)
  );
}

/**
 * Flattens the partitions of a Kafka event into one batch, in the order the event lists them,
 * and describes its records. Kafka's identity is the cluster's: a topic, partition and offset
 * name one record only within a cluster, so the key starts with the cluster (the MSK cluster ARN,
 * or the self-managed cluster's bootstrap servers) and the same offset on two clusters is two records.
 */
export function kafkaBatch(event: object): { source: EventSource; records: unknown[] } {
  const selfManaged = field(event, 'eventSource') === 'SelfManagedKafka';
  const cluster = selfManaged ? bootstrapServersOf(event) : stringField(event, 'eventSourceArn');
  const records: unknown[] = [];
  const partitions: string[] = [];
  for (const [partition, list] of Object.entries(field(event, 'records') as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const record of list) {
      records.push(record);
      partitions.push(partition);
    }
  }
  const offsetOf = (record: unknown) => field(record, 'offset');
  const identifierOf = (record: unknown, index: number): KafkaItemIdentifier => ({
    partition: partitions[index] ?? '',
    offset: offsetOf(record) as number,
  });
  const source: EventSource = {
    kind: selfManaged ? 'self-managed-kafka' : 'msk',
    itemIdentifier: (record, index) => `${partitions[index]}@${String(offsetOf(record))}`,
    defaultKey: (record) => {
      const { topic, partition, offset } = record as MSKRecord;
      if (cluster === undefined) {
        throw new MissingIdempotencyKeyError(
          selfManaged
            ? 'The self-managed Kafka event has no "bootstrapServers" to tell its cluster by; pass a `key` option.'
            : 'The MSK event has no "eventSourceArn" to tell its cluster by; pass a `key` option.',
        );
      }
      if (typeof topic !== 'string' || typeof partition !== 'number' || typeof offset !== 'number') {
        throw new MissingIdempotencyKeyError('The Kafka record lacks its "topic", "partition" or "offset".');
      }
      return [cluster, topic, partition, offset];
    },
    // The order Kafka keeps, and the unit Lambda resumes: one partition of one topic.
    defaultGroup: (_record, index) => partitions[index],
    encodedPaths: ['key', 'value'],
    partialResponse: (all, failed) => kafkaBatchResponse(failed.map((index) => identifierOf(all[index], index))),
    // Only provisioned pollers with ReportBatchItemFailures read a partial response; on-demand
    // pollers (the default) would commit the offsets of the records it names as failed.
    reportsByDefault: false,
  };
  return { source, records };
}

/** One cluster listed in another order is the same cluster. */
function bootstrapServersOf(event: object): string | undefined {
  const servers = stringField(event, 'bootstrapServers');
  if (servers === undefined || servers.trim() === '') return undefined;
  return servers
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '')
    .sort()
    .join(',');
}
