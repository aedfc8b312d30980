import { parseArgs } from 'node:util';
import { attachDashedValues, count, OPTIONS, recordSourceOpener, type Values } from './arguments.js';
import { explainAwsError } from './aws-errors.js';
import { evict } from './commands/evict.js';
import { inspect } from './commands/inspect.js';
import { list } from './commands/list.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { RecordSource } from './record-source.js';
import { USAGE } from './usage.js';

export type { CliIo } from './io.js';

/** Runs one command and resolves its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let source: RecordSource | undefined;
  let values: Values | undefined;
  try {
    const parsed = (() => {
      try {
        return parseArgs({ args: attachDashedValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
      } catch (error) {
        throw new CliError(`${(error as Error).message}\nRun with --help for the usage.`, ExitCode.usage);
      }
    })();
    values = parsed.values;
    const [command, ...extra] = parsed.positionals;
    if (values.help || command === 'help') {
      io.stdout(USAGE);
      return ExitCode.ok;
    }
    if (command === undefined) throw new CliError(`No command given.\n\n${USAGE}`, ExitCode.usage);
    if (extra.length > 0) throw new CliError(`Unexpected arguments: ${extra.join(' ')}`, ExitCode.usage);
    const open = recordSourceOpener(values, io.env);
    const now = io.now ?? Date.now;
    const ttl = count('ttl', values.ttl, 3600);
    const commands: Record<string, (source: RecordSource) => Promise<ExitCodeValue>> = {
      inspect: (opened) => inspect(opened, values as Values, io, now(), ttl),
      list: (opened) => list(opened, values as Values, io, now(), ttl),
      evict: (opened) => evict(opened, values as Values, io, now(), ttl),
    };
    const run = commands[command];
    if (run === undefined) throw new CliError(`Unknown command "${command}": use inspect, list or evict.`, ExitCode.usage);
    source = await open();
    return await run(source);
  } catch (error) {
    const explained =
      error instanceof CliError
        ? error
        : explainAwsError(error, values?.table ?? io.env.IDEMPOTENCY_TABLE ?? '', values?.region ?? io.env.AWS_REGION);
    io.stderr(`error: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    await source?.close();
  }
}
