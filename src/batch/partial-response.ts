/** Lambda's partial batch response: the same shape for SQS, Kinesis and DynamoDB Streams. */
export interface BatchResponse {
  /** The records Lambda must deliver again, by `itemIdentifier`; an empty list acknowledges the whole batch. */
  batchItemFailures: { itemIdentifier: string }[];
}

/** The response naming the failed records, in batch order, each once. */
export function partialBatchResponse(failedIdentifiers: Iterable<string>): BatchResponse {
  return { batchItemFailures: [...new Set(failedIdentifiers)].map((itemIdentifier) => ({ itemIdentifier })) };
}
