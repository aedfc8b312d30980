/**
 * Who sent a request, as the event source vouches for it: an authorizer's principal, a JWT's
 * issuer and subject, an IAM ARN, the entries of a Lambda authorizer's context that name the
 * caller, or an API key id. Only values API Gateway or the load balancer put in the event count,
 * never what a client could choose, except ALB's OIDC identity header, which the load balancer
 * sets when it authenticates.
 */
export type CallerIdentity = Readonly<Record<string, unknown>>;

type Bag = Record<string, unknown>;

function bag(value: unknown): Bag | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Bag) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Adds the entries that hold a value; an identity with none is anonymous. */
function identity(entries: Record<string, unknown>): CallerIdentity | undefined {
  const present = Object.entries(entries).filter(([, value]) => value !== undefined);
  return present.length === 0 ? undefined : Object.fromEntries(present);
}

/**
 * The entries of a Lambda authorizer's context that identify the caller. The context is the
 * authorizer's own map: AWS marks none of its entries as the caller, and an authorizer may put
 * per-request values there (a timestamp, a request id) that would give every retry a new scope.
 */
export const DEFAULT_AUTHORIZER_CONTEXT_KEYS: readonly string[] = ['principalId'];

/** The entries of `context` that `keys` names and that hold a value; undefined when none does. */
function named(context: Bag | undefined, keys: readonly string[]): Bag | undefined {
  if (context === undefined) return undefined;
  const entries = keys.filter((key) => Object.hasOwn(context, key) && context[key] !== undefined && context[key] !== null);
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map((key) => [key, context[key]]));
}

function jwtSubject(claims: Bag | undefined): Bag | undefined {
  const sub = text(claims?.sub);
  return sub === undefined ? undefined : { iss: text(claims?.iss), sub };
}

/** REST API (v1): Cognito user pool claims, Lambda authorizer principal and named context entries, IAM identity, API key. */
function restCaller(requestContext: Bag, contextKeys: readonly string[]): CallerIdentity | undefined {
  const authorizer = bag(requestContext.authorizer);
  const callerIdentity = bag(requestContext.identity);
  return identity({
    jwt: jwtSubject(bag(authorizer?.claims)),
    // A REST Lambda authorizer always names a principal; its context entries sit beside it, with a
    // latency figure that changes per call: only the entries named count.
    principal: text(authorizer?.principalId),
    lambda: named(
      authorizer,
      contextKeys.filter((key) => key !== 'principalId'),
    ),
    iam: text(callerIdentity?.userArn),
    cognitoIdentity: text(callerIdentity?.cognitoIdentityId),
    apiKey: text(callerIdentity?.apiKeyId),
  });
}

/** HTTP API (v2) and Function URLs: JWT authorizer claims, IAM, a Lambda authorizer context's named entries. */
function httpCaller(requestContext: Bag, contextKeys: readonly string[]): CallerIdentity | undefined {
  const authorizer = bag(requestContext.authorizer);
  const jwt = bag(authorizer?.jwt);
  const iam = bag(authorizer?.iam);
  return identity({
    jwt: jwtSubject(bag(jwt?.claims)),
    iam: text(iam?.userArn),
    cognitoIdentity: text(bag(iam?.cognitoIdentity)?.identityId),
    principal: text(authorizer?.principalId),
    lambda: named(bag(authorizer?.lambda), contextKeys),
  });
}

function albCaller(headers: ReadonlyMap<string, readonly string[]>): CallerIdentity | undefined {
  return identity({ oidc: text(headers.get('x-amzn-oidc-identity')?.[0]) });
}

/**
 * The caller's identity, or undefined for an anonymous request. `contextKeys` names the entries of
 * a Lambda authorizer's context that identify the caller (default {@link DEFAULT_AUTHORIZER_CONTEXT_KEYS}).
 */
export function callerOf(
  event: unknown,
  shape: 'rest' | 'http' | 'alb',
  headers: ReadonlyMap<string, readonly string[]>,
  contextKeys: readonly string[] = DEFAULT_AUTHORIZER_CONTEXT_KEYS,
): CallerIdentity | undefined {
  if (shape === 'alb') return albCaller(headers);
  const requestContext = bag(bag(event)?.requestContext) ?? {};
  return shape === 'rest' ? restCaller(requestContext, contextKeys) : httpCaller(requestContext, contextKeys);
}

/**
 * Whether an HTTP API (v2) request carries a Lambda authorizer context with entries, none of which
 * `contextKeys` names: its caller then goes unidentified by that authorizer.
 */
export function hasUnnamedAuthorizerContext(
  event: unknown,
  shape: 'rest' | 'http' | 'alb',
  contextKeys: readonly string[],
): boolean {
  if (shape !== 'http' || contextKeys.length === 0) return false;
  const context = bag(bag(bag(bag(event)?.requestContext)?.authorizer)?.lambda);
  return context !== undefined && Object.keys(context).length > 0 && named(context, contextKeys) === undefined;
}
