import { CliError, ExitCode } from './exit-codes.js';

/** Turns an SDK failure into advice: which table, region or credential to fix, and how. */
export function explainAwsError(error: unknown, table: string, region: string | undefined): CliError {
  if (error instanceof CliError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const where = region ? `region ${region}` : 'the configured region';
  if (name === 'ResourceNotFoundException') {
    return new CliError(
      `Table "${table}" does not exist in ${where}. Check --table, and --region or AWS_REGION.`,
      ExitCode.storeSetup,
    );
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new CliError(
      `No usable AWS credentials: ${message}. Set AWS_PROFILE (after "aws sso login"), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
      ExitCode.storeSetup,
    );
  }
  if (
    ['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(name)
  ) {
    return new CliError(
      `AWS refused the credentials (${name}): refresh them, or check that they belong to ${where}.`,
      ExitCode.storeSetup,
    );
  }
  if (name === 'AccessDeniedException') {
    return new CliError(
      `Access denied on table "${table}": ${message}. The caller needs dynamodb:GetItem, Scan and DeleteItem on it.`,
      ExitCode.storeSetup,
    );
  }
  if (name === 'ValidationException' && /key element does not match the schema/i.test(message)) {
    return new CliError(
      `Table "${table}" has another key schema than the one given: pass --partition-key (and --sort-key, --partition-value) as the code passes them to DynamoDBStore.`,
      ExitCode.usage,
    );
  }
  if (name === 'CorruptRecordError') {
    return new CliError(
      `${message} If the code renames attributes (DynamoDBStore "attributes"), pass the same names with the --*-attribute flags.`,
      ExitCode.unexpected,
    );
  }
  if (/region is missing/i.test(message)) {
    return new CliError('No AWS region: pass --region or set AWS_REGION.', ExitCode.storeSetup);
  }
  if (/ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)) {
    return new CliError(
      `Cannot reach DynamoDB (${message}). Check --region, or AWS_ENDPOINT_URL_DYNAMODB when using a local endpoint.`,
      ExitCode.storeSetup,
    );
  }
  return new CliError(`DynamoDB request failed: ${name}: ${message}`, ExitCode.unexpected);
}
