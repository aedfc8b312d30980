import { createIdentifier } from '../engine/identity.js';
import { parseJsonLossless } from '../engine/lossless-json.js';
import { scopeOf } from '../lambda/context.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface KeyMaterialArgs {
  /** The key as a string: what a selector such as `'body.orderId'` returns. */
  readonly key?: string;
  /**
   * The key as JSON, for material that is not a string (a number, an object, an HTTP key with its
   * scope). Numbers are read exactly, as the library reads a JSON body: one past 2^53 is not rounded.
   */
  readonly keyJson?: string;
  /** The record scope exactly: `keyPrefix` when the code sets one, `<function>:<name>` for a named instance. */
  readonly scope?: string;
  /** The Lambda function name, turned into a scope by the same rule the middleware uses. */
  readonly functionName?: string;
}

// The engine's own identifier, with the material itself as the key: ids follow any change to its rule.
const identify = createIdentifier<unknown>({
  key: (material) => material,
  payload: undefined,
  name: undefined,
  keyPrefix: undefined,
  requireKey: true,
  warn: () => undefined,
});

/** The record id the code derives for this key material and scope. */
export function deriveRecordId(args: KeyMaterialArgs): string {
  if ((args.key === undefined) === (args.keyJson === undefined)) {
    throw new CliError('Give the key material with exactly one of --key <string> or --key-json <json>.', ExitCode.usage);
  }
  if ((args.scope === undefined) === (args.functionName === undefined)) {
    throw new CliError(
      'Give exactly one of --scope <scope> (or the keyPrefix) and --function <lambda function name>.',
      ExitCode.usage,
    );
  }
  let material: unknown = args.key;
  if (args.keyJson !== undefined) {
    try {
      // The library's own parser: JSON.parse would round 12345678901234567891 into another key.
      material = parseJsonLossless(args.keyJson);
    } catch (error) {
      throw new CliError(`--key-json is not valid JSON: ${(error as Error).message}`, ExitCode.usage);
    }
  }
  const scope = args.scope ?? scopeOf({ functionName: args.functionName });
  try {
    const identity = identify(material, scope);
    if (identity === undefined) throw new Error('empty key');
    return identity.id;
  } catch (error) {
    throw new CliError(`That key material would not be accepted by the library: ${(error as Error).message}`, ExitCode.usage);
  }
}
