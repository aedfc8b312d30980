/** What the command's exit status means, so scripts can branch on it. */
export const ExitCode = {
  ok: 0,
  /** A bug or an error nobody foresaw; the message says what happened. */
  unexpected: 1,
  /** Wrong or missing arguments; `--help` shows the usage. */
  usage: 2,
  /** No record with that id. */
  notFound: 3,
  /** Evict refused: the record changed since it was inspected, or needs `--force`. */
  refused: 4,
  /** The store could not be reached as configured: a missing table, Region or credentials; Redis unreachable, refusing the credentials, or no "redis" package. */
  storeSetup: 5,
  /**
   * `list` read items but none has the record layout given (the layout flags or the key prefix do
   * not match the store's), so an empty list would say nothing.
   */
  noRecordLayout: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line and an exit status, without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
  }
}
