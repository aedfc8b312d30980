/**
 * What a client or server says when the server cannot be reached or cannot answer now: a refused,
 * reset or closed connection (ioredis, iovalkey, node-redis, valkey-glide wording), a command that
 * timed out, and the replies of a server that is busy (a long script), loading its data, or in the
 * middle of a cluster change. Everything else (WRONGTYPE, READONLY, NOAUTH, NOPERM, OOM, an unknown
 * command) is a refusal that waiting does not heal.
 */
const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|connection is closed|client is closed|client is offline|socket closed|stream isn't writeable|max retries per request|ClosingError|ConnectionError|not connected|isn't ready|startup nodes|refresh slots|ClusterAllFailed|timeout|timed out|\bBUSY\b|\bLOADING\b|\bTRYAGAIN\b|\bCLUSTERDOWN\b|\bMASTERDOWN\b|throttl/i;

/**
 * Whether a failed command met an outage (the engine may fail open on it, and its circuit counts
 * it) rather than a refusal. `detail` is the error's name and message; the socket's code is read
 * from the error and its cause.
 */
export function isUnavailability(detail: string, error: unknown): boolean {
  return UNAVAILABLE.test(detail) || UNAVAILABLE.test(codeOf(error) ?? '') || UNAVAILABLE.test(codeOf(causeOf(error)) ?? '');
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}
