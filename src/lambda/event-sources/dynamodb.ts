import type { DynamoDBRecord } from 'aws-lambda';
import { canonicalJson } from '../../engine/canonical-json.js';
import type { EventSource } from './event-source.js';
import { itemIdentifierResponse } from './partial-response.js';

const sequenceNumberOf = (record: unknown) => (record as DynamoDBRecord).dynamodb?.SequenceNumber ?? '';
const eventIdOf = (record: unknown) => (record as DynamoDBRecord).eventID ?? '';

/** DynamoDB Streams orders the changes of one item: a group is the item's primary key. */
export const dynamodb: EventSource = {
  kind: 'dynamodb',
  itemIdentifier: sequenceNumberOf,
  // Two tables' streams can feed one function: the stream ARN keeps their event ids apart.
  defaultKey: (record) => {
    const { eventID, eventSourceARN } = record as DynamoDBRecord;
    return eventID ? [eventSourceARN ?? '', eventID] : undefined;
  },
  defaultGroup: (record) => {
    const keys = (record as DynamoDBRecord).dynamodb?.Keys;
    return keys === undefined ? undefined : canonicalJson(keys);
  },
  encodedPaths: [],
  partialResponse: itemIdentifierResponse(sequenceNumberOf),
  reportsByDefault: true,
};

/** The same stream through a pipe, whose records are alike but whose failures are named by `eventID`. */
export const pipesDynamodb: EventSource = {
  ...dynamodb,
  itemIdentifier: eventIdOf,
  partialResponse: itemIdentifierResponse(eventIdOf),
};
