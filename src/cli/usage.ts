/** What `lambda-idempotency --help` prints. */
export const USAGE = `lambda-idempotency: inspect, list and evict idempotency records in DynamoDB or Valkey/Redis.

Usage:
  lambda-idempotency inspect <store> (--id <record id> | --scope <scope> | --function <name>) [--key <s> | --key-json <json>] [--json]
  lambda-idempotency list    <store> [--stuck] [--older-than <seconds>] [--limit <n>] [--json]
  lambda-idempotency evict   <store> --id <record id> [--expect-lease <lease>] [--force]

  <store> is --table <name> [layout flags] for DynamoDBStore, or --redis-url <url> [--key-prefix <p>]
  for ValkeyStore.

Commands:
  inspect  Print one record: status, estimated age, window end, in-progress expiry, whether its
           lease is held or lapsed, result size and a preview. The id is given, or derived from the
           raw key material and the scope the way the library derives it (the key is hashed; the
           hash is what the store holds). The material is what the key selector returns (for
           key: 'orderId', the order id, not the event): --key <s> when it is a string (the same
           id as --key-json '"<s>"'), --key-json <json> otherwise (--key-json 123 for a number).
           For httpIdempotency, pass --key-json with the material
           {"key":"<Idempotency-Key>","scope":{"method":"POST","route":"/orders","caller":null}}.
  list     Records in progress past their expiry (--stuck, the default) or older than N seconds.
           DynamoDB: a Scan, which reads every item of the table and is billed for all of it (about
           one read unit per 8 KB on an on-demand table); with --sort-key, a Query of the
           idempotency partition. Valkey: SCAN over every key of the database, one GET per
           record. Progress goes to stderr.
  evict    Delete one record only if it is still the record you inspected: the delete is
           conditioned on its status and lease (a conditional DeleteItem, or one Lua script). A
           completed record, or a claim whose lease is still held, needs --force: deleting it lets
           the next duplicate run the handler again.

DynamoDB (DynamoDBStore):
  --table <name>          The idempotency table (or IDEMPOTENCY_TABLE).
  --region <region>       Default AWS_REGION. AWS_ENDPOINT_URL_DYNAMODB points at a local endpoint.
  Layout flags, the same as DynamoDBStore's "attributes" and "sortKey" options (defaults in brackets):
  --partition-key <a>     [id]   --status-attribute <a> [status]   --expiration-attribute <a> [expiration]
  --in-progress-expiration-attribute <a> [in_progress_expiration]  --lease-attribute <a> [lease]
  --fingerprint-attribute <a> [fingerprint]   --result-attribute <a> [result]
  --sort-key <a>          The record id is in this sort key (single-table designs) ...
  --partition-value <v>   ... under this partition key value [idempotency].

Valkey / Redis OSS (ValkeyStore):
  --redis-url <url>       redis://[user:password@]host:port[/db], rediss:// for TLS (or IDEMPOTENCY_REDIS_URL).
                          Needs the "redis" package (node-redis v5). One standalone server or
                          replication group endpoint; cluster mode is not supported.
  --key-prefix <prefix>   ValkeyStore's keyPrefix [idempotency:].

Options:
  --ttl <seconds>         The ttlSeconds the code uses, to estimate ages. Default 3600.
  A value may start with "-" (a lease such as -Xb3...): --expect-lease -Xb3... or --expect-lease=-Xb3...
  --json                  Machine-readable output.
  -h, --help              This text.

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 no such record, 4 evict refused, 5 store setup
(missing table, region or credentials; Redis unreachable, refused credentials, or no "redis" package),
6 list read items but none is a record in the layout given (check the layout flags or --key-prefix).

Local caches: evicting a record does not clear what other containers keep with localCache on;
they replay it until their cache entry expires or the container is recycled.
`;
