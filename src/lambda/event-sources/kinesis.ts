import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventSource } from './event-source.js';
import { itemIdentifierResponse } from './partial-response.js';

/**
 * A Kinesis record as a pipe delivers it: the fields the event source mapping nests under
 * `kinesis` sit beside `eventID`, and `data` is base64.
 */
export interface PipesKinesisRecord {
  /** The Kinesis schema version, `1.0`. */
  kinesisSchemaVersion: string;
  /** The producer's partition key: the records of one key keep their order. */
  partitionKey: string;
  /** The record's sequence number within its shard. */
  sequenceNumber: string;
  /** The record's data, base64-encoded. */
  data: string;
  /** When the stream received the record, in epoch seconds. */
  approximateArrivalTimestamp: number;
  /** Always `aws:kinesis`. */
  eventSource: 'aws:kinesis';
  /** The event format's version. */
  eventVersion: string;
  /** `shardId-…:<sequence number>`: what a pipe expects in `batchItemFailures`. */
  eventID: string;
  /** Always `aws:kinesis:record`. */
  eventName: 'aws:kinesis:record';
  /** The role the pipe reads the stream with. */
  invokeIdentityArn: string;
  /** The stream's region. */
  awsRegion: string;
  /** The stream's ARN. */
  eventSourceARN: string;
}

/** Sequence numbers are unique per stream only: the stream ARN is part of the key. */
function streamKey(record: unknown) {
  const { eventID, eventSourceARN } = record as KinesisStreamRecord;
  return eventID ? [eventSourceARN ?? '', eventID] : undefined;
}

const sequenceNumberOf = (record: unknown) => (record as KinesisStreamRecord).kinesis?.sequenceNumber ?? '';

/**
 * Kinesis orders records per partition key (a key's records share a shard, in order), and Lambda
 * retries a stream from the lowest reported sequence number, so a group is a partition key.
 */
export const kinesis: EventSource = {
  kind: 'kinesis',
  itemIdentifier: sequenceNumberOf,
  defaultKey: streamKey,
  defaultGroup: (record) => (record as KinesisStreamRecord).kinesis?.partitionKey,
  encodedPaths: ['kinesis.data'],
  partialResponse: itemIdentifierResponse(sequenceNumberOf),
  reportsByDefault: true,
};

const eventIdOf = (record: unknown) => (record as PipesKinesisRecord).eventID ?? '';

/** The same stream through a pipe: the pipe names failures by `eventID`, not by sequence number. */
export const pipesKinesis: EventSource = {
  kind: 'kinesis',
  itemIdentifier: eventIdOf,
  defaultKey: streamKey,
  defaultGroup: (record) => (record as PipesKinesisRecord).partitionKey,
  encodedPaths: ['data'],
  partialResponse: itemIdentifierResponse(eventIdOf),
  reportsByDefault: true,
};
