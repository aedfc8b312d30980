import { randomBytes } from 'node:crypto';
import { brotliCompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jsonSerializer, type StoredResult } from '../../src/engine/index.js';
import { LruCache } from '../../src/engine/lru-cache.js';
import { createResultCodec } from '../../src/engine/result-codec.js';
import { ResultNotSerializableError, ResultTooLargeError, UnstorableResultError } from '../../src/index.js';
import { seededRandom } from '../support/seeded-random.js';

const codec = createResultCodec({ serializer: jsonSerializer, compressAboveBytes: 1024, maxResultBytes: 64 * 1024 });

describe('result codec', () => {
  it('stores small results as text and undefined apart from null', () => {
    expect(codec.encode({ ok: true })).toEqual({ kind: 'text', text: '{"ok":true}' });
    expect(codec.encode(null)).toEqual({ kind: 'text', text: 'null' });
    expect(codec.encode(undefined)).toEqual({ kind: 'undefined' });
    expect(codec.decode({ kind: 'undefined' })).toBeUndefined();
    expect(codec.decode(codec.encode(null))).toBeNull();
  });

  it('compresses text above the threshold and decodes it back', () => {
    const value = { rows: Array.from({ length: 500 }, (_, index) => ({ index, label: 'repeated label' })) };
    const stored = codec.encode(value);
    expect(stored.kind).toBe('compressed');
    expect(stored.kind === 'compressed' && stored.bytes.byteLength).toBeLessThan(JSON.stringify(value).length / 4);
    expect(codec.decode(stored)).toEqual(value);
  });

  it('favours speed for a store that asks for it: larger bytes than the size-favouring default, same value back', () => {
    const random = seededRandom(7);
    const value = {
      rows: Array.from({ length: 300 }, (_, index) => ({
        index,
        sku: `SKU-${Math.floor(random() * 1e6)}`,
        price: random() * 100,
      })),
    };
    const options = { serializer: jsonSerializer, compressAboveBytes: 1024, maxResultBytes: 1024 * 1024 };
    const bySize = createResultCodec(options).encode(value);
    const bySpeed = createResultCodec({ ...options, favour: 'speed' }).encode(value);
    expect(bySize.kind === 'compressed' && bySpeed.kind === 'compressed').toBe(true);
    const sizeOf = (stored: StoredResult) => (stored.kind === 'compressed' ? stored.bytes.byteLength : 0);
    expect(sizeOf(bySpeed)).toBeGreaterThan(sizeOf(bySize));
    expect(createResultCodec(options).decode(bySpeed)).toEqual(value);
    // The window is fitted to the text: as small as brotli's default window makes it.
    const text = JSON.stringify(value);
    const defaultWindow = brotliCompressSync(text, {
      params: { [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_QUALITY]: 5 },
    });
    expect(sizeOf(bySize)).toBeLessThanOrEqual(defaultWindow.byteLength + 1 + 8);
  });

  it('keeps text as text when compressing would not save space', () => {
    const eager = createResultCodec({ serializer: jsonSerializer, compressAboveBytes: 0, maxResultBytes: 1024 });
    expect(eager.encode('a')).toEqual({ kind: 'text', text: '"a"' });
  });

  it('refuses results larger than the store limit even compressed', () => {
    expect(() => codec.encode(randomBytes(100 * 1024).toString('base64'))).toThrow(ResultTooLargeError);
    expect(() => codec.encode(randomBytes(100 * 1024).toString('base64'))).toThrow(/more than the 65536 bytes/);
  });

  it('wraps serializer failures in ResultNotSerializableError with the cause', () => {
    const error = (() => {
      try {
        codec.encode({ big: 1n });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ResultNotSerializableError);
    expect(error?.message).toMatch(/BigInt/);
    expect(error?.cause).toBeInstanceOf(TypeError);
  });

  it('revives stored error markers as their typed class, and unknown names as UnstorableResultError', () => {
    expect(() => codec.decode({ kind: 'error', name: 'ResultTooLargeError', message: 'too big' })).toThrow(ResultTooLargeError);
    expect(() => codec.decode({ kind: 'error', name: 'SomethingElse', message: 'odd' })).toThrow(UnstorableResultError);
  });

  it('refuses compressed bytes with an unknown frame', () => {
    expect(() => codec.decode({ kind: 'compressed', bytes: new Uint8Array([9, 1, 2]) })).toThrow(/unknown compression frame/);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });
});
