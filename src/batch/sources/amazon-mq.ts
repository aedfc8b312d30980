import { MissingIdempotencyKeyError } from '../../errors.js';
import { type EventSource, field, stringField } from '../event-source.js';

/** A message from an Amazon MQ for ActiveMQ broker, as Lambda delivers it. */
export interface ActiveMQMessage {
  /** The JMS message id the broker assigned: the same on every redelivery. */
  messageID: string;
  messageType: string;
  deliveryMode?: number;
  replyTo?: string | null;
  type?: string | null;
  expiration?: string | number;
  priority?: number;
  correlationId?: string | null;
  redelivered: boolean;
  destination: { physicalName: string };
  /** The message body, base64-encoded. */
  data: string;
  timestamp: number;
  brokerInTime: number;
  brokerOutTime: number;
  properties?: Record<string, string>;
}

/** An Amazon MQ for ActiveMQ event (`eventSource` `aws:mq`). */
export interface ActiveMQEvent {
  eventSource: 'aws:mq';
  eventSourceArn: string;
  messages: ActiveMQMessage[];
}

/** A message from an Amazon MQ for RabbitMQ broker, as Lambda delivers it. */
export interface RabbitMQMessage {
  basicProperties: {
    contentType: string | null;
    contentEncoding: string | null;
    headers: Record<string, unknown> | null;
    deliveryMode: number | null;
    priority: number | null;
    correlationId: string | null;
    replyTo: string | null;
    expiration: string | null;
    /** The AMQP `message-id` the publisher set, or null: RabbitMQ assigns none. */
    messageId: string | null;
    timestamp: string | null;
    type: string | null;
    userId: string | null;
    appId: string | null;
    clusterId: string | null;
    bodySize: number;
  };
  redelivered: boolean;
  /** The message body, base64-encoded. */
  data: string;
}

/** An Amazon MQ for RabbitMQ event (`eventSource` `aws:rmq`): messages listed under `"<queue>::<virtual host>"`. */
export interface RabbitMQEvent {
  eventSource: 'aws:rmq';
  eventSourceArn: string;
  rmqMessagesByQueue: Record<string, RabbitMQMessage[]>;
}

export function isActiveMQEvent(event: object): boolean {
  return field(event, 'eventSource') === 'aws:mq' && Array.isArray(field(event, 'messages'));
}

export function isRabbitMQEvent(event: object): boolean {
  const queues = field(event, 'rmqMessagesByQueue');
  return field(event, 'eventSource') === 'aws:rmq' && queues !== null && typeof queues === 'object';
}

/**
 * An ActiveMQ batch. The broker ARN and the destination scope the JMS message id: a virtual topic
 * copies one message, id and all, into each consumer queue, and each copy is its own delivery.
 * Amazon MQ takes no partial batch response: a failure fails the invocation.
 */
export function activeMQBatch(event: object): { source: EventSource; records: unknown[] } {
  const broker = stringField(event, 'eventSourceArn') ?? '';
  const source: EventSource = {
    kind: 'activemq',
    itemIdentifier: (message) => stringField(message, 'messageID') ?? '',
    defaultKey: (message) => {
      const messageId = stringField(message, 'messageID');
      if (!messageId) return undefined;
      return [broker, stringField(field(message, 'destination'), 'physicalName') ?? '', messageId];
    },
    defaultGroup: () => undefined,
    encodedPaths: ['data'],
    reportsByDefault: false,
  };
  return { source, records: [...(field(event, 'messages') as unknown[])] };
}

/**
 * A RabbitMQ batch, flattened queue by queue. RabbitMQ has no message id of its own (delivery tags
 * are per channel): the default key is the `messageId` the publisher set, scoped by broker and
 * queue; a message without one has no default key.
 */
export function rabbitMQBatch(event: object): { source: EventSource; records: unknown[] } {
  const broker = stringField(event, 'eventSourceArn') ?? '';
  const records: unknown[] = [];
  const queues: string[] = [];
  for (const [queue, list] of Object.entries(field(event, 'rmqMessagesByQueue') as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const message of list) {
      records.push(message);
      queues.push(queue);
    }
  }
  const messageIdOf = (message: unknown) => stringField(field(message, 'basicProperties'), 'messageId');
  const source: EventSource = {
    kind: 'rabbitmq',
    itemIdentifier: (message, index) => messageIdOf(message) ?? `${queues[index]}[${index}]`,
    defaultKey: (message, index) => {
      const messageId = messageIdOf(message);
      if (messageId) return [broker, queues[index], messageId];
      throw new MissingIdempotencyKeyError(
        `The RabbitMQ message at position ${index} (queue "${queues[index]}") has no basicProperties.messageId: ` +
          'have the publisher set the AMQP message-id, or pass a `key` option that reads an id from the message.',
      );
    },
    defaultGroup: () => undefined,
    encodedPaths: ['data'],
    reportsByDefault: false,
  };
  return { source, records };
}
