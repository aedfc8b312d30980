// API reference from the TSDoc of every export: `npm run docs:api` writes docs/api/ (not committed).
// The validation is the point: CI fails on an export without TSDoc, a {@link} that does not resolve,
// or a public type that refers to one the package does not export.

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: 'lambda-idempotency',
  // One entry per subpath in package.json "exports". Add each subpath as it ships:
  entryPoints: [
    '../src/index.ts',
    // '../src/cdk/index.ts', // lambda-idempotency/cdk
    // '../src/valkey/index.ts', // lambda-idempotency/valkey
    // '../src/observability/index.ts', // outcome hooks and EMF metrics
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
  // A type-level helper of BatchEventOf, not something a caller names.
  intentionallyNotExported: ['IsEventBridge'],
  // Members of discriminated unions: each union member is documented as a whole, and its
  // discriminant and payload need no sentence of their own. With several entry points, prefix
  // each name with its module (e.g. 'index.Begin.__type.kind').
  intentionallyNotDocumented: [
    'BatchEventOf.__type.Records',
    'BatchResponse.batchItemFailures.__type.itemIdentifier',
    'Begin.__type.attempt',
    'Begin.__type.kind',
    'Begin.__type.value',
    'ClaimResult.__type.claimed',
    'ClaimResult.__type.existing',
    'StoredResult.__type.bytes',
    'StoredResult.__type.kind',
    'StoredResult.__type.message',
    'StoredResult.__type.name',
    'StoredResult.__type.text',
  ],
};

export default config;
