// API reference from the TSDoc of every export: `npm run docs:api` writes docs/api/ (not committed).
// The validation is the point: CI fails on an export without TSDoc, a {@link} that does not resolve,
// or a public type that refers to one the package does not export.

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: 'lambda-idempotency',
  // One entry per subpath in package.json "exports". Add each subpath as it ships:
  entryPoints: [
    '../src/index.ts',
    '../src/cdk/index.ts', // lambda-idempotency/cdk
    '../src/stores/valkey/index.ts', // lambda-idempotency/valkey
    '../src/observability/index.ts', // outcome hooks and EMF metrics
  ],
  tsconfig: '../src/tsconfig.json',
  out: 'api',
  readme: 'none',
  includeVersion: true,
  sourceLinkTemplate: 'https://github.com/lambda-idempotency/lambda-idempotency/blob/main/{path}#L{line}',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  // Type-level helpers of BatchEventOf and BatchResponseOf, not something a caller names.
  intentionallyNotExported: ['IsEventBridge', 'NoPartialResponseRecord'],
  // Members of discriminated unions: each union member is documented as a whole, and its
  // discriminant and payload need no sentence of their own. With several entry points, prefix
  // each name with its module (e.g. 'index.Begin.__type.kind').
  intentionallyNotDocumented: [
    'index.BatchEventOf.__type.Records',
    'index.BatchResponse.batchItemFailures.__type.itemIdentifier',
    'index.KafkaBatchResponse.batchItemFailures.__type.itemIdentifier',
    'index.Begin.__type.attempt',
    'index.Begin.__type.kind',
    'index.Begin.__type.value',
    'index.ClaimResult.__type.claimed',
    'index.ClaimResult.__type.existing',
    'index.StoredResult.__type.bytes',
    'index.StoredResult.__type.kind',
    'index.StoredResult.__type.message',
    'index.StoredResult.__type.name',
    'index.StoredResult.__type.text',
  ],
};

export default config;
