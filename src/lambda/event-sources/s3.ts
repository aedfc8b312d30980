import type { S3EventRecord } from 'aws-lambda';
import type { EventSource } from './event-source.js';

/**
 * An S3 event notification. Its identity is the object's event: bucket, key, version and the
 * sequencer S3 stamps on every event of one key (increasing with each), with the event's name.
 * A notification delivered twice carries the same values; two writes of one key differ in
 * sequencer (and version). A record without a sequencer falls back on the request id S3 gives it.
 */
export const s3: EventSource = {
  kind: 's3',
  itemIdentifier: (record) => {
    const { s3: notification } = record as S3EventRecord;
    return `${notification?.bucket?.name}/${notification?.object?.key}@${notification?.object?.sequencer}`;
  },
  defaultKey: (record) => {
    const { s3: notification, eventName, responseElements } = record as S3EventRecord;
    const bucket = notification?.bucket?.name;
    const object = notification?.object;
    const sequence = object?.sequencer ?? responseElements?.['x-amz-request-id'];
    if (!bucket || object?.key === undefined || !sequence) return undefined;
    return [bucket, object.key, object.versionId ?? null, sequence, eventName ?? null];
  },
  defaultGroup: () => undefined,
  encodedPaths: [],
  reportsByDefault: false,
};
