/** A setting the stack passes in the environment; its absence is a deployment error worth naming. */
export function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `Environment variable ${name} is not set: deploy with the sample stack or run it with npm start / invoke / dev.`,
    );
  return value;
}
