/**
 * Who sent a request, as the event source vouches for it: an authorizer's principal, a JWT's
 * issuer and subject, an IAM ARN, a Lambda authorizer's context or an API key id. Only values
 * API Gateway or the load balancer put in the event count, never what a client could choose,
 * except ALB's OIDC identity header, which the load balancer sets when it authenticates.
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

function jwtSubject(claims: Bag | undefined): Bag | undefined {
  const sub = text(claims?.sub);
  return sub === undefined ? undefined : { iss: text(claims?.iss), sub };
}

/** REST API (v1): Cognito user pool claims, Lambda authorizer principal, IAM identity, API key. */
function restCaller(requestContext: Bag): CallerIdentity | undefined {
  const authorizer = bag(requestContext.authorizer);
  const callerIdentity = bag(requestContext.identity);
  return identity({
    jwt: jwtSubject(bag(authorizer?.claims)),
    // A REST Lambda authorizer always names a principal; its context also carries a latency figure that changes per call.
    principal: text(authorizer?.principalId),
    iam: text(callerIdentity?.userArn),
    cognitoIdentity: text(callerIdentity?.cognitoIdentityId),
    apiKey: text(callerIdentity?.apiKeyId),
  });
}

/** HTTP API (v2) and Function URLs: JWT authorizer claims, IAM, Lambda authorizer context. */
function httpCaller(requestContext: Bag): CallerIdentity | undefined {
  const authorizer = bag(requestContext.authorizer);
  const jwt = bag(authorizer?.jwt);
  const iam = bag(authorizer?.iam);
  return identity({
    jwt: jwtSubject(bag(jwt?.claims)),
    iam: text(iam?.userArn),
    cognitoIdentity: text(bag(iam?.cognitoIdentity)?.identityId),
    principal: text(authorizer?.principalId),
    lambda: bag(authorizer?.lambda),
  });
}

function albCaller(headers: ReadonlyMap<string, readonly string[]>): CallerIdentity | undefined {
  return identity({ oidc: text(headers.get('x-amzn-oidc-identity')?.[0]) });
}

/** The caller's identity, or undefined for an anonymous request. */
export function callerOf(
  event: unknown,
  shape: 'rest' | 'http' | 'alb',
  headers: ReadonlyMap<string, readonly string[]>,
): CallerIdentity | undefined {
  if (shape === 'alb') return albCaller(headers);
  const requestContext = bag(bag(event)?.requestContext) ?? {};
  return shape === 'rest' ? restCaller(requestContext) : httpCaller(requestContext);
}
