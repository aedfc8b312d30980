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

/**
 * Refuses what JSON would turn into `{}` (a Map, a Set, a RegExp, a field-less class instance): a
 * replay would silently return an empty object instead of the handler's result.
 */
function refuseLossyObjects(this: unknown, _key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const prototype = Object.getPrototypeOf(value);
    if (
      prototype !== Object.prototype &&
      prototype !== null &&
      (value instanceof Map || value instanceof Set || Object.keys(value).length === 0)
    ) {
      throw new TypeError(
        `a ${value.constructor?.name ?? 'object'} has no faithful JSON form (it would serialize as {}); pass a serializer that handles it`,
      );
    }
  }
  return value;
}

/** The default serializer: JSON, refusing values JSON would silently lose (see `ResultNotSerializableError`). */
export const jsonSerializer: ResultSerializer = {
  serialize(value) {
    const text = JSON.stringify(value, refuseLossyObjects);
    // JSON.stringify answers undefined, not an error, for a function or a symbol.
    if (text === undefined) throw new TypeError(`a ${typeof value} has no JSON form`);
    return text;
  },
  deserialize: (text) => JSON.parse(text),
};
