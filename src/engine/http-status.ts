/**
 * HTTP status codes as Lambda's HTTP sources read them from a handler's response. API Gateway and
 * ALB accept the status as a number or as its three decimal digits (`'500'`).
 */
const STATUS_DIGITS = /^\d{3}$/;

/** The status code a `statusCode` field spells, or undefined when it is neither an integer nor three digits. */
export function parseStatusCode(field: unknown): number | undefined {
  if (typeof field === 'number') return Number.isInteger(field) ? field : undefined;
  if (typeof field === 'string' && STATUS_DIGITS.test(field)) return Number(field);
  return undefined;
}

/** The status code of an HTTP-shaped result (API Gateway, Function URL, ALB), else undefined. */
export function statusCodeOf(value: unknown): number | undefined {
  return typeof value === 'object' && value !== null
    ? parseStatusCode((value as { statusCode?: unknown }).statusCode)
    : undefined;
}
