import type { EventBridgeEvent } from 'aws-lambda';
import type { EventSource } from './event-source.js';

/** One event per invocation, whose `id` EventBridge keeps on every retry of its delivery. */
export const eventbridge: EventSource = {
  kind: 'eventbridge',
  itemIdentifier: (event) => (event as EventBridgeEvent<string, unknown>).id,
  defaultKey: (event) => (event as EventBridgeEvent<string, unknown>).id,
  defaultGroup: () => undefined,
  encodedPaths: [],
  reportsByDefault: false,
};

export function isEventBridgeEvent(event: object): boolean {
  const candidate = event as Partial<EventBridgeEvent<string, unknown>>;
  return typeof candidate.id === 'string' && typeof candidate.source === 'string' && typeof candidate['detail-type'] === 'string';
}
