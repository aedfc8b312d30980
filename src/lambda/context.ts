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

/** The Lambda function this code runs as: the context's name, else the runtime's environment. */
export function functionNameOf(context: LambdaContextLike | undefined): string {
  return context?.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME || '';
}

/**
 * The adapter's record scope: the Lambda function's name, and a fixed suffix for an adapter whose
 * keys live apart (batch records). Never the wrapped JavaScript function's `name`: a bundler
 * renames it, and a retry straddling a deploy would then miss the record its first try wrote.
 */
export function scopeOf(context: LambdaContextLike | undefined, adapterSuffix?: string): string {
  return [functionNameOf(context), adapterSuffix].filter(Boolean).join('.') || 'default';
}
