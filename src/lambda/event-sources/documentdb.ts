import { canonicalJson } from '../../engine/canonical-json.js';
import { type EventSource, field, stringField } from './event-source.js';

/** One change from an Amazon DocumentDB change stream (a MongoDB change event). */
export interface DocumentDBChangeEvent {
  /** The change's resume token: unique within the cluster's change stream. */
  _id: {
    /** The token itself, the default key's part. */
    _data: string;
  };
  /** `insert`, `update`, `replace`, `delete`... */
  operationType: string;
  /** When the change happened in the cluster, as a BSON timestamp in extended JSON. */
  clusterTime?: unknown;
  /** The changed document's `_id`. */
  documentKey?: Record<string, unknown>;
  /** The document after the change, when the stream includes it. */
  fullDocument?: Record<string, unknown>;
  /** Where the document lives. */
  ns?: {
    /** The database. */
    db: string;
    /** The collection. */
    coll?: string;
  };
  /** Any other field of the change event. */
  [field: string]: unknown;
}

/** An entry of a DocumentDB event's `events` array. */
export interface DocumentDBChangeRecord {
  /** The change. */
  event: DocumentDBChangeEvent;
}

/** An Amazon DocumentDB change stream event (`eventSource` `aws:docdb`). */
export interface DocumentDBChangeStreamEvent {
  /** Always `aws:docdb`. */
  eventSource: 'aws:docdb';
  /** The cluster's ARN. */
  eventSourceArn: string;
  /** The batch of changes, in stream order. */
  events: DocumentDBChangeRecord[];
}

export function isDocumentDBEvent(event: object): boolean {
  return field(event, 'eventSource') === 'aws:docdb' && Array.isArray(field(event, 'events'));
}

const resumeTokenOf = (record: unknown) => stringField(field(field(record, 'event'), '_id'), '_data');

/**
 * The changes of one cluster, keyed by their resume token (`_id._data`), which the change stream
 * assigns once and keeps on every redelivery. The changes of one document keep their order.
 * DocumentDB takes no partial batch response: a failure fails the invocation.
 */
export function documentDBBatch(event: object): { source: EventSource; records: unknown[] } {
  const cluster = stringField(event, 'eventSourceArn') ?? '';
  const source: EventSource = {
    kind: 'documentdb',
    itemIdentifier: (record) => resumeTokenOf(record) ?? '',
    defaultKey: (record) => {
      const token = resumeTokenOf(record);
      return token ? [cluster, token] : undefined;
    },
    defaultGroup: (record) => {
      const change = field(record, 'event');
      const documentKey = field(change, 'documentKey');
      return documentKey === undefined ? undefined : canonicalJson([field(change, 'ns') ?? null, documentKey]);
    },
    encodedPaths: [],
    reportsByDefault: false,
  };
  return { source, records: [...(field(event, 'events') as unknown[])] };
}
