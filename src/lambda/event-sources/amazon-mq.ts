import { MissingIdempotencyKeyError } from '../../errors.js';
import { type EventSource, field, stringField } from './event-source.js';

/** A message from an Amazon MQ for ActiveMQ broker, as Lambda delivers it. */
export interface ActiveMQMessage {
  /** The JMS message id the broker assigned: the same on every redelivery. */
  messageID: string;
  /** `jms/text-message` or `jms/bytes-message`. */
  messageType: string;
  /** JMS delivery mode: 1 non-persistent, 2 persistent. */
  deliveryMode?: number;
  /** The JMS reply-to destination, if any. */
  replyTo?: string | null;
  /** The JMS message type the producer set, if any. */
  type?: string | null;
  /** When the message expires, as the broker reports it. */
  expiration?: string | number;
  /** JMS priority, 0 to 9. */
  priority?: number;
  /** The JMS correlation id the producer set, if any. */
  correlationId?: string | null;
  /** True when the broker delivers the message again (after a failed invocation, say). */
  redelivered: boolean;
  /** The queue (or virtual topic consumer queue) the message was read from. */
  destination: {
    /** The destination's name. */
    physicalName: string;
  };
  /** The message body, base64-encoded. */
  data: string;
  /** When the producer sent the message, in epoch milliseconds. */
  timestamp: number;
  /** When the broker received it, in epoch milliseconds. */
  brokerInTime: number;
  /** When the broker handed it to Lambda, in epoch milliseconds. */
  brokerOutTime: number;
  /** The JMS properties the producer set. */
  properties?: Record<string, string>;
}

/** An Amazon MQ for ActiveMQ event (`eventSource` `aws:mq`). */
export interface ActiveMQEvent {
  /** Always `aws:mq`. */
  eventSource: 'aws:mq';
  /** The broker's ARN. */
  eventSourceArn: string;
  /** The batch, in the order the broker delivered it. */
  messages: ActiveMQMessage[];
}

/** A message from an Amazon MQ for RabbitMQ broker, as Lambda delivers it. */
export interface RabbitMQMessage {
  /** The AMQP basic properties the publisher set; each is null when it did not. */
  basicProperties: {
    /** MIME type of the body. */
    contentType: string | null;
    /** Encoding of the body. */
    contentEncoding: string | null;
    /** Message headers; byte values arrive as `{ bytes: number[] }`. */
    headers: Record<string, unknown> | null;
    /** 1 non-persistent, 2 persistent. */
    deliveryMode: number | null;
    /** Message priority. */
    priority: number | null;
    /** The correlation id the publisher set. */
    correlationId: string | null;
    /** The queue to reply to. */
    replyTo: string | null;
    /** Per-message time to live, in milliseconds, as text. */
    expiration: string | null;
    /** The AMQP `message-id` the publisher set, or null: RabbitMQ assigns none. */
    messageId: string | null;
    /** When the message was published, as Lambda formats it. */
    timestamp: string | null;
    /** The message type name the publisher set. */
    type: string | null;
    /** The user that published the message. */
    userId: string | null;
    /** The publishing application's id. */
    appId: string | null;
    /** Deprecated AMQP cluster id. */
    clusterId: string | null;
    /** The body's size in bytes. */
    bodySize: number;
  };
  /** True when RabbitMQ delivers the message again. */
  redelivered: boolean;
  /** The message body, base64-encoded. */
  data: string;
}

/** An Amazon MQ for RabbitMQ event (`eventSource` `aws:rmq`): messages listed under `"<queue>::<virtual host>"`. */
export interface RabbitMQEvent {
  /** Always `aws:rmq`. */
  eventSource: 'aws:rmq';
  /** The broker's ARN. */
  eventSourceArn: string;
  /** The batch, by `"<queue>::<virtual host>"`. */
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
