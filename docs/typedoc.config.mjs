// API reference from the TSDoc of every export: `npm run docs:api` writes docs/api/ (not committed).
// The validation is the point: CI fails on an export without TSDoc, a {@link} that does not resolve,
// or a public type that refers to one the package does not export.

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: 'lambda-idempotency',
  // One entry per subpath in package.json "exports". Add each subpath as it ships:
  entryPoints: [
    '../src/index.ts',
    '../src/engine/index.ts', // lambda-idempotency/engine
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
  // each name with its module (e.g. 'engine.InvocationDecision.__type.kind').
  intentionallyNotDocumented: [
    'index.BatchEventOf.__type.Records',
    'engine.InvocationDecision.__type.claim',
    'engine.InvocationDecision.__type.kind',
    'engine.InvocationDecision.__type.value',
    'engine.ClaimResult.__type.claimed',
    'engine.ClaimResult.__type.existing',
    'engine.StoredResult.__type.bytes',
    'engine.StoredResult.__type.kind',
    'engine.StoredResult.__type.message',
    'engine.StoredResult.__type.name',
    'engine.StoredResult.__type.text',
  ],
};

export default config;
