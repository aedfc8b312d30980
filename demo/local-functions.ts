import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type SampleFunctionName, sampleFunctionDefinitions } from '../infra/sample-functions.js';

/** A sample handler as the local tools call it. */
export type LocalHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * Loads a sample function's real handler module (the file the stack bundles). Import it only after
 * the environment is set: like in Lambda, the module reads its table names when it loads.
 */
export async function loadSampleHandler(name: SampleFunctionName): Promise<LocalHandler> {
  const module = (await import(pathToFileURL(sampleFunctionDefinitions[name].entry).href)) as { handler?: LocalHandler };
  if (typeof module.handler !== 'function') throw new Error(`${sampleFunctionDefinitions[name].entry} exports no handler.`);
  return module.handler;
}

export function isSampleFunctionName(name: string): name is SampleFunctionName {
  return Object.hasOwn(sampleFunctionDefinitions, name);
}

export const sampleFunctionNames = Object.keys(sampleFunctionDefinitions) as SampleFunctionName[];
