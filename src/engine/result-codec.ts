import type * as Zlib from 'node:zlib';
import { ResultNotSerializableError, ResultTooLargeError, UnstorableResultError } from '../errors.js';
import type { StoredResult } from './record.js';
import type { ResultSerializer } from './serializer.js';

/** First byte of a compressed result: names the algorithm, so another can be added later. */
const BROTLI_FRAME = 1;
/**
 * Quality 5 of 11 for large results: most of brotli's ratio on JSON at a small fraction of its
 * top-quality CPU, and every KB saved is a write unit saved on each write of the record.
 */
const BROTLI_QUALITY = 5;
/**
 * Below this size quality 1 is used: the record takes the same write units either way (the two
 * qualities end tens of bytes apart), and quality 1 costs a fraction of quality 5's CPU (bench/RESULTS.md).
 */
const FAST_QUALITY_BELOW_BYTES = 4096;
const FAST_QUALITY = 1;

export interface ResultCodecOptions {
  readonly serializer: ResultSerializer;
  /** Results whose text is larger than this (UTF-8 bytes) are compressed when that saves space. */
  readonly compressAboveBytes: number;
  /** The store's limit for one stored result. */
  readonly maxResultBytes: number;
  /** `size`: quality 5 for large results; `speed`: quality 1 at every size. Default `size`. */
  readonly favour?: 'size' | 'speed';
}

export interface ResultCodec {
  /** @throws {UnstorableResultError} when the value cannot be serialized or does not fit. */
  encode(value: unknown): StoredResult;
  /** @throws the stored error, for a record completed with an error marker. */
  decode(stored: StoredResult): unknown;
  /**
   * The same result uncompressed, for the local cache: a cache hit then only deserializes.
   * @throws {Error} when compressed bytes do not decompress.
   */
  expand(stored: StoredResult): StoredResult;
}

export function createResultCodec(options: ResultCodecOptions): ResultCodec {
  const { serializer, compressAboveBytes, maxResultBytes } = options;
  const fastBelowBytes = options.favour === 'speed' ? Number.POSITIVE_INFINITY : FAST_QUALITY_BELOW_BYTES;
  // The text each compressed result was made from, so caching what was just stored decompresses nothing.
  const sourceTexts = new WeakMap<StoredResult, string>();
  const textOf = (stored: StoredResult & { kind: 'compressed' }) => sourceTexts.get(stored) ?? decompress(stored.bytes);
  return {
    encode(value) {
      if (value === undefined) return { kind: 'undefined' };
      const text = serializeOrThrow(serializer, value);
      const size = Buffer.byteLength(text);
      let stored: StoredResult = { kind: 'text', text };
      let storedSize = size;
      if (size > compressAboveBytes) {
        const bytes = compress(text, size, size < fastBelowBytes ? FAST_QUALITY : BROTLI_QUALITY);
        if (bytes.byteLength < size) {
          stored = { kind: 'compressed', bytes };
          storedSize = bytes.byteLength;
          sourceTexts.set(stored, text);
        }
      }
      if (storedSize > maxResultBytes) {
        throw new ResultTooLargeError(
          `The result is ${size} bytes serialized (${storedSize} bytes as stored), more than the ${maxResultBytes} bytes one idempotency record can hold.`,
        );
      }
      return stored;
    },
    decode(stored) {
      switch (stored.kind) {
        case 'undefined':
          return undefined;
        case 'text':
          return serializer.deserialize(stored.text);
        case 'compressed':
          return serializer.deserialize(textOf(stored));
        case 'error':
          throw reviveError(stored.name, stored.message);
      }
    },
    expand(stored) {
      return stored.kind === 'compressed' ? { kind: 'text', text: textOf(stored) } : stored;
    },
  };
}

function serializeOrThrow(serializer: ResultSerializer, value: unknown): string {
  try {
    return serializer.serialize(value);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ResultNotSerializableError(`The handler's result cannot be serialized: ${reason}.`, { cause });
  }
}

// Loaded by the first result large enough to compress: most functions never need it (bench/RESULTS.md).
let zlib: typeof Zlib | undefined;
const loadZlib = (): typeof Zlib => (zlib ??= process.getBuiltinModule('node:zlib'));

function compress(text: string, size: number, quality: number): Uint8Array {
  const { brotliCompressSync, constants } = loadZlib();
  const body = brotliCompressSync(text, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
      [constants.BROTLI_PARAM_LGWIN]: windowBits(size, constants),
    },
  });
  const framed = new Uint8Array(body.byteLength + 1);
  framed[0] = BROTLI_FRAME;
  framed.set(body, 1);
  return framed;
}

/**
 * The smallest window that still spans the whole text, so the ratio is that of brotli's default
 * window (22 bits) while a small result no longer sets up a 4 MB one (about a fifth of the time
 * compressing 1 KB took).
 */
function windowBits(size: number, constants: typeof Zlib.constants): number {
  return Math.min(Math.max(Math.ceil(Math.log2(size + 16)), constants.BROTLI_MIN_WINDOW_BITS), constants.BROTLI_DEFAULT_WINDOW);
}

/** @throws {Error} when the frame is unknown or the bytes do not decompress. */
export function decompress(bytes: Uint8Array): string {
  if (bytes[0] !== BROTLI_FRAME) throw new Error(`unknown compression frame ${bytes[0]}`);
  return loadZlib().brotliDecompressSync(bytes.subarray(1)).toString('utf8');
}

const unstorableErrors: Record<string, new (message: string) => UnstorableResultError> = {
  ResultNotSerializableError,
  ResultTooLargeError,
};

function reviveError(name: string, message: string): UnstorableResultError {
  const ErrorClass = unstorableErrors[name] ?? UnstorableResultError;
  return new ErrorClass(message);
}
