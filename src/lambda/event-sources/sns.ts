import type { SNSEventRecord } from 'aws-lambda';
import type { EventSource } from './event-source.js';

/** An SNS notification: SNS gives each published message an id unique within its topic. */
export const sns: EventSource = {
  kind: 'sns',
  itemIdentifier: (record) => (record as SNSEventRecord).Sns?.MessageId ?? '',
  defaultKey: (record) => {
    const message = (record as SNSEventRecord).Sns;
    return message?.MessageId ? [message.TopicArn ?? '', message.MessageId] : undefined;
  },
  defaultGroup: () => undefined,
  encodedPaths: [],
  reportsByDefault: false,
};
