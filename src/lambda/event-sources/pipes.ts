import { UnsupportedEventError } from '../../errors.js';
import { pipesDynamodb } from './dynamodb.js';
import type { EventSource } from './event-source.js';
import { pipesKinesis } from './kinesis.js';
import { sqsSourceOf } from './sqs.js';

/**
 * An EventBridge pipe with a Lambda target delivers its source's records as a bare JSON array.
 * SQS records look as the event source mapping delivers them; Kinesis records carry the stream
 * fields beside `eventID` instead of under `kinesis`; a pipe names failed Kinesis and DynamoDB
 * records by `eventID`, failed SQS messages by `messageId`.
 * @throws {UnsupportedEventError} for records of another source, or records of two sources.
 */
export function pipesSourceOf(records: readonly unknown[]): EventSource {
  let name: string | undefined;
  for (const [index, record] of records.entries()) {
    const found = (record as { eventSource?: unknown } | null)?.eventSource;
    if (found !== 'aws:sqs' && found !== 'aws:kinesis' && found !== 'aws:dynamodb') {
      throw new UnsupportedEventError(
        `The event is an array, as an EventBridge pipe delivers a batch, but element ${index} has eventSource ${JSON.stringify(found)}; ` +
          'supported pipe sources are "aws:sqs", "aws:kinesis" and "aws:dynamodb".',
      );
    }
    if (name !== undefined && found !== name) {
      throw new UnsupportedEventError(`Element ${index} of the pipe batch comes from "${found}", unlike the records before it.`);
    }
    name = found;
  }
  if (name === 'aws:kinesis') return pipesKinesis;
  if (name === 'aws:dynamodb') return pipesDynamodb;
  return sqsSourceOf(records);
}
