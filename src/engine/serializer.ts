/**
 * Turns a handler's result into text and back. The default is JSON; supply your own to round-trip
 * `Date`, `Buffer`, `Map` or class instances. `undefined` never reaches a serializer: the engine
 * stores it apart, so it replays as `undefined`.
 */
export interface ResultSerializer {
  /** The text to store for a handler's result; throwing here completes the record with `ResultNotSerializableError`. */
  serialize(value: unknown): string;
  /** The value a replay returns, from the stored text. */
  deserialize(text: string): unknown;
}

/** The default serializer: `JSON.stringify` and `JSON.parse`. A value with no JSON form (a function, a symbol) fails instead of storing nothing. */
export const jsonSerializer: ResultSerializer = {
  serialize(value) {
    const text = JSON.stringify(value);
    // JSON.stringify answers undefined, not an error, for a function or a symbol.
    if (text === undefined) throw new TypeError(`a ${typeof value} has no JSON form`);
    return text;
  },
  deserialize: (text) => JSON.parse(text),
};
