import type { Context, EventBridgeEvent, S3Event, S3EventRecord, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { BatchFailedError, idempotentBatch, makeIdempotent } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, middlewareHandler, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

const s3Record = (event: S3Event) => event.Records[0] as S3EventRecord;
const snsRecord = (event: SNSEvent) => event.Records[0] as SNSEventRecord;

describe('S3 event notifications: bucket, key, version and sequencer', () => {
  it('makes two deliveries of one notification share one record behind idempotency({ store })', async () => {
    const { invoke, runs } = middlewareHandler<S3Event>(fixture.store);
    const context = freshContext();
    const first = await invoke(sampleEvent('s3'), context);
    // A second delivery of the notification, which S3 may send.
    expect(await invoke(sampleEvent('s3'), context)).toEqual(first);
    expect(runs()).toBe(1);

    // The next write of the same key has a new sequencer: a new event.
    const nextWrite = sampleEvent<S3Event>('s3');
    s3Record(nextWrite).s3.object.sequencer = '0A1B2C3D4E5F678902';
    expect(await invoke(nextWrite, context)).toEqual({ run: 2 });
    // So has another version of a versioned object, and another key of the bucket.
    const otherVersion = sampleEvent<S3Event>('s3');
    s3Record(otherVersion).s3.object.versionId = '096fKKXTRTtl3on89fVO.nfljtsv6qko';
    const otherKey = sampleEvent<S3Event>('s3');
    s3Record(otherKey).s3.object.key = 'test%2Fother';
    await invoke(otherVersion, context);
    await invoke(otherKey, context);
    expect(runs()).toBe(4);
  });

  it('keys the notification, not its delivery: fields S3 could change between two sends do not count', async () => {
    const { invoke, runs } = middlewareHandler<S3Event>(fixture.store);
    const context = freshContext();
    await invoke(sampleEvent('s3'), context);
    const resent = sampleEvent<S3Event>('s3');
    s3Record(resent).s3.configurationId = 'another-rule';
    s3Record(resent).userIdentity.principalId = 'AWS:OTHER';
    await invoke(resent, context);
    expect(runs()).toBe(1);
  });

  it('processes each record with idempotentBatch, resolving to nothing, and fails the invocation for a failed record', async () => {
    const keys: string[] = [];
    let fail = true;
    const handler = idempotentBatch(
      async (record: S3EventRecord) => {
        if (fail) {
          fail = false;
          throw new Error('thumbnailer unavailable');
        }
        keys.push(record.s3.object.key);
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();
    await expect(handler(sampleEvent('s3'), context)).rejects.toThrow(BatchFailedError);
    // Lambda's asynchronous retry: the record runs now, and a later duplicate does not.
    expect(await handler(sampleEvent('s3'), context)).toBeUndefined();
    expect(await handler(sampleEvent('s3'), context)).toBeUndefined();
    expect(keys).toEqual(['test%2Fkey']);
    expectTypeOf(handler).parameter(0).toEqualTypeOf<{ Records: S3EventRecord[] }>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<undefined>();
  });
});

describe('SNS notifications: topic ARN and message id', () => {
  it('makes two deliveries of one message share one record behind makeIdempotent, without a key option', async () => {
    let runs = 0;
    const handler = makeIdempotent(
      async (event: SNSEvent, _context: Context) => ({ run: ++runs, message: snsRecord(event).Sns.Message }),
      {
        store: fixture.store,
      },
    );
    const context = freshContext();
    const first = await handler(sampleEvent('sns'), context);
    // SNS retries a delivery with the same message; the subscription and signature do not make it another.
    const redelivered = sampleEvent<SNSEvent>('sns');
    snsRecord(redelivered).Sns.Signature = 'another-signature';
    snsRecord(redelivered).EventSubscriptionArn = `${snsRecord(redelivered).EventSubscriptionArn}-2`;
    expect(await handler(redelivered, context)).toEqual(first);
    expect(runs).toBe(1);

    const another = sampleEvent<SNSEvent>('sns');
    snsRecord(another).Sns.MessageId = '4a4f5e3c-7f0c-5d8e-b6a3-2c1d0e9f8a7b';
    const otherTopic = sampleEvent<SNSEvent>('sns');
    snsRecord(otherTopic).Sns.TopicArn = 'arn:aws:sns:us-east-1:123456789012:other-topic';
    await handler(another, context);
    await handler(otherTopic, context);
    expect(runs).toBe(3);
  });

  it('keys a notification of several records by all of them', async () => {
    const { invoke, runs } = middlewareHandler<SNSEvent>(fixture.store);
    const context = freshContext();
    const two = sampleEvent<SNSEvent>('sns');
    const second = structuredClone(snsRecord(two));
    second.Sns.MessageId = '4a4f5e3c-7f0c-5d8e-b6a3-2c1d0e9f8a7b';
    two.Records.push(second);
    await invoke(two, context);
    await invoke(structuredClone(two), context);
    expect(runs()).toBe(1);
    await invoke(sampleEvent('sns'), context);
    expect(runs()).toBe(2);
  });
});

describe('EventBridge events behind the middleware', () => {
  it('keys an event by its id, as idempotentBatch does', async () => {
    type OrderPlaced = EventBridgeEvent<'OrderPlaced', { orderId: string }>;
    const { invoke, runs } = middlewareHandler<OrderPlaced>(fixture.store);
    const context = freshContext();
    await invoke(sampleEvent('eventbridge'), context);
    // The delivery's retry is the same event: same id, whatever else a replay archive changed.
    const replayed = sampleEvent<OrderPlaced & { 'replay-name'?: string }>('eventbridge');
    replayed['replay-name'] = 'orders-replay';
    await invoke(replayed, context);
    expect(runs()).toBe(1);
  });
});

describe('inputs that are no notification keep the whole input as their default key', () => {
  it('hashes an arbitrary first argument as before', async () => {
    let runs = 0;
    const charge = makeIdempotent(async (_request: { paymentId: string; amount: number }) => ++runs, {
      store: fixture.store,
      name: 'charge',
    });
    await charge({ paymentId: 'p-1', amount: 100 });
    await charge({ paymentId: 'p-1', amount: 100 });
    await charge({ paymentId: 'p-1', amount: 200 });
    expect(runs).toBe(2);
  });
});
