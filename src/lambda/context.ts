import type { Context } from 'aws-lambda';

/** The parts of a Lambda context the library reads; tests and local runs may pass less. */
export type LambdaContextLike = Partial<Pick<Context, 'functionName' | 'getRemainingTimeInMillis'>>;

export function isLambdaContext(value: unknown): value is LambdaContextLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as LambdaContextLike).getRemainingTimeInMillis === 'function' &&
    typeof (value as LambdaContextLike).functionName === 'string'
  );
}

/** Milliseconds the invocation has left, or undefined when there is no Lambda context to ask. */
export function remainingTimeOf(context: LambdaContextLike | undefined): number | undefined {
  return typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
}

/**
 * The record scope: the Lambda function's name, then the wrapped function's name, so two
 * idempotent functions in one Lambda never share a record.
 */
export function scopeOf(context: LambdaContextLike | undefined, wrappedName?: string): string {
  const functionName = context?.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME || '';
  return [functionName, wrappedName].filter(Boolean).join('.') || 'default';
}
