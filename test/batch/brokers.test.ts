import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ActiveMQEvent,
  type ActiveMQMessage,
  BatchFailedError,
  type DocumentDBChangeRecord,
  type DocumentDBChangeStreamEvent,
  idempotentBatch,
  MissingIdempotencyKeyError,
  type RabbitMQEvent,
  type RabbitMQMessage,
} from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, middlewareHandler, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

/** The batch as the broker redelivers it after a failed invocation. */
function redelivered<T extends { redelivered: boolean }>(messages: T[]): T[] {
  for (const message of messages) message.redelivered = true;
  return messages;
}

/** A RabbitMQ batch whose publisher set message ids. */
function rabbitWithIds(): RabbitMQEvent {
  const event = sampleEvent<RabbitMQEvent>('rabbitmq');
  const queue = event.rmqMessagesByQueue['pizzaQueue::/'] as RabbitMQMessage[];
  const [first] = queue as [RabbitMQMessage];
  first.basicProperties.messageId = 'order-7001-placed';
  const second = structuredClone(first);
  second.basicProperties.messageId = 'order-7001-paid';
  queue.push(second);
  return event;
}

describe('Amazon MQ for ActiveMQ: broker, destination and JMS message id', () => {
  it('runs each message once; the batch the broker redelivers (redelivered: true) skips what completed', async () => {
    const runs: string[] = [];
    let failSecond = true;
    const handler = idempotentBatch(
      async (message: ActiveMQMessage) => {
        if (message.messageType === 'jms/bytes-message' && failSecond) {
          failSecond = false;
          throw new Error('warehouse unavailable');
        }
        runs.push(message.messageID);
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();
    const event = sampleEvent<ActiveMQEvent>('activemq');
    const [first, second] = event.messages as [ActiveMQMessage, ActiveMQMessage];

    // Amazon MQ takes no partial batch response: the failure fails the invocation.
    const failure = await handler(event, context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BatchFailedError);
    expect((failure as BatchFailedError).failures.map((failed) => failed.itemIdentifier)).toEqual([second.messageID]);
    expect((failure as Error).message).toMatch(/Amazon MQ events take no partial batch response/);

    const retry = sampleEvent<ActiveMQEvent>('activemq');
    retry.messages = redelivered(retry.messages);
    expect(await handler(retry, context)).toBeUndefined();
    expect(runs).toEqual([first.messageID, second.messageID]);
    expectTypeOf(handler).parameter(0).toEqualTypeOf<ActiveMQEvent>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<undefined>();
  });

  it('makes the redelivered batch share one record behind idempotency({ store }), though its messages changed', async () => {
    const { invoke, runs } = middlewareHandler<ActiveMQEvent>(fixture.store);
    const context = freshContext();
    await invoke(sampleEvent('activemq'), context);
    const retry = sampleEvent<ActiveMQEvent>('activemq');
    retry.messages = redelivered(retry.messages);
    for (const message of retry.messages) message.brokerOutTime += 30_000;
    await invoke(retry, context);
    expect(runs()).toBe(1);
  });

  it('counts a copy of one message in another queue (a virtual topic’s consumers) as another delivery', async () => {
    let runs = 0;
    const handler = idempotentBatch(async (_message: ActiveMQMessage) => void runs++, {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    await handler(sampleEvent('activemq'), context);
    const otherQueue = sampleEvent<ActiveMQEvent>('activemq');
    for (const message of otherQueue.messages) message.destination.physicalName = 'Consumer.B.VirtualTopic.orders';
    await handler(otherQueue, context);
    expect(runs).toBe(4);
  });
});

describe('Amazon MQ for RabbitMQ: broker, queue and the publisher’s message id', () => {
  it('runs each message once and skips the redelivered batch', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (message: RabbitMQMessage) => void runs.push(message.basicProperties.messageId ?? ''), {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    expect(await handler(rabbitWithIds(), context)).toBeUndefined();
    const retry = rabbitWithIds();
    retry.rmqMessagesByQueue['pizzaQueue::/'] = redelivered(retry.rmqMessagesByQueue['pizzaQueue::/'] ?? []);
    await handler(retry, context);
    expect(runs).toEqual(['order-7001-placed', 'order-7001-paid']);
    expectTypeOf(handler).parameter(0).toEqualTypeOf<RabbitMQEvent>();
  });

  it('fails a message without a messageId (as in AWS’s example) with a typed error saying what to do', async () => {
    const logger = recordingLogger();
    const handler = idempotentBatch(async (_message: RabbitMQMessage) => 'ran', { store: fixture.store, logger });
    const failure = await handler(sampleEvent('rabbitmq'), freshContext()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BatchFailedError);
    const [only] = (failure as BatchFailedError).failures;
    const error = only?.error as Error;
    expect(error).toBeInstanceOf(MissingIdempotencyKeyError);
    expect(error.message).toMatch(
      /has no basicProperties.messageId: have the publisher set the AMQP message-id, or pass a `key` option/,
    );

    const { invoke } = middlewareHandler<RabbitMQEvent>(fixture.store);
    await expect(invoke(sampleEvent('rabbitmq'), freshContext())).rejects.toThrow(MissingIdempotencyKeyError);
  });

  it('takes a key that reads the decoded body instead', async () => {
    let runs = 0;
    const handler = idempotentBatch(async (_message: RabbitMQMessage) => void runs++, {
      store: fixture.store,
      key: 'data.data',
      logger: recordingLogger(),
    });
    const context = freshContext();
    await handler(sampleEvent('rabbitmq'), context);
    await handler(sampleEvent('rabbitmq'), context);
    expect(runs).toBe(1);
  });
});

describe('Amazon DocumentDB change streams: cluster and resume token', () => {
  /** Three changes of two documents, after AWS's example. */
  function changes(): DocumentDBChangeStreamEvent {
    const event = sampleEvent<DocumentDBChangeStreamEvent>('documentdb');
    const [insert] = event.events as [DocumentDBChangeRecord];
    const update = structuredClone(insert);
    update.event._id._data = '0163eeb6e7000000090100000009000041e2';
    update.event.operationType = 'update';
    const other = structuredClone(insert);
    other.event._id._data = '0163eeb6e7000000090100000009000041e3';
    other.event.documentKey = { _id: { $oid: '63eeb6e7d418cd98afb1c1d8' } };
    event.events.push(update, other);
    return event;
  }
  const tokenOf = (record: DocumentDBChangeRecord) => record.event._id._data;

  it('keeps the order of one document’s changes: after a failure its later changes wait; other documents go on', async () => {
    const applied: string[] = [];
    let failInsert = true;
    const handler = idempotentBatch(
      async (record: DocumentDBChangeRecord) => {
        if (record.event.operationType === 'insert' && tokenOf(record).endsWith('e1') && failInsert) {
          failInsert = false;
          throw new Error('search index unavailable');
        }
        applied.push(tokenOf(record));
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();

    const failure = await handler(changes(), context).catch((error: unknown) => error);
    expect((failure as BatchFailedError).failures.map((failed) => failed.itemIdentifier)).toEqual([
      '0163eeb6e7000000090100000009000041e1',
      '0163eeb6e7000000090100000009000041e2',
    ]);
    expect(applied).toEqual(['0163eeb6e7000000090100000009000041e3']);
    expect(await handler(changes(), context)).toBeUndefined();
    expect(applied.slice(1)).toEqual(['0163eeb6e7000000090100000009000041e1', '0163eeb6e7000000090100000009000041e2']);
  });

  it('makes two deliveries of one change batch share one record behind idempotency({ store })', async () => {
    const { invoke, runs } = middlewareHandler<DocumentDBChangeStreamEvent>(fixture.store);
    const context = freshContext();
    await invoke(sampleEvent('documentdb'), context);
    await invoke(sampleEvent('documentdb'), context);
    const otherCluster = sampleEvent<DocumentDBChangeStreamEvent>('documentdb');
    otherCluster.eventSourceArn = otherCluster.eventSourceArn.replace('canary', 'other');
    await invoke(otherCluster, context);
    expect(runs()).toBe(2);
  });
});
