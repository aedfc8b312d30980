/** Lambda's partial batch response: the same shape for SQS, Kinesis, DynamoDB Streams and pipes. */
export interface BatchResponse {
  /** The records Lambda must deliver again, by `itemIdentifier`; an empty list acknowledges the whole batch. */
  batchItemFailures: { itemIdentifier: string }[];
}

/** Lambda's partial batch response for Kafka event source mappings (provisioned pollers). */
export interface KafkaBatchResponse {
  /** The records to deliver again; Lambda resumes each partition from its lowest reported offset. */
  batchItemFailures: {
    /**
     * A failed Kafka record as Lambda's developer guide defines it for `ReportBatchItemFailures` on
     * Amazon MSK and self-managed Kafka: the `"<topic>-<partition>"` key of the event's `records`
     * and the record's offset.
     */
    itemIdentifier: {
      /** The key the event lists the record under, `"<topic>-<partition>"`. */
      partition: string;
      /** The record's offset in that partition. */
      offset: number;
    };
  }[];
}

/** How a Kafka partial response names one failed record. */
export type KafkaItemIdentifier = KafkaBatchResponse['batchItemFailures'][number]['itemIdentifier'];

/** The response naming the failed records, in batch order, each once. */
export function partialBatchResponse(failedIdentifiers: Iterable<string>): BatchResponse {
  return { batchItemFailures: [...new Set(failedIdentifiers)].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** The Kafka response naming the failed records, in batch order, each once. */
export function kafkaBatchResponse(failed: Iterable<KafkaItemIdentifier>): KafkaBatchResponse {
  const seen = new Set<string>();
  const batchItemFailures: KafkaBatchResponse['batchItemFailures'] = [];
  for (const { partition, offset } of failed) {
    const id = `${partition}\u0000${offset}`;
    if (seen.has(id)) continue;
    seen.add(id);
    batchItemFailures.push({ itemIdentifier: { partition, offset } });
  }
  return { batchItemFailures };
}

/** Builds the string-identified response of a source from the failed records' positions. */
export function itemIdentifierResponse(
  itemIdentifier: (record: unknown, index: number) => string,
): (records: readonly unknown[], failed: readonly number[]) => BatchResponse {
  return (records, failed) => partialBatchResponse(failed.map((index) => itemIdentifier(records[index], index)));
}
