import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FileFormatError,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
  type TensorData,
} from '@momentum-smoe/core';

/** Builds a safetensors file by hand (independent of serializeSafetensors). */
function handMade(header: object, data: number[]): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json, Buffer.from(data)]));
}

describe('safetensors', () => {
  it('reads F32, F16, BF16, I64 and I32 written by hand', () => {
    const f32 = Buffer.alloc(8);
    f32.writeFloatLE(1.5, 0);
    f32.writeFloatLE(-0.25, 4);
    const f16 = [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00]; // 1, -2, 65504, 2^-24
    const bf16 = [0x80, 0x3f, 0x40, 0xc0]; // 1, -3
    const i64 = Buffer.alloc(16);
    i64.writeBigInt64LE(-7n, 0);
    i64.writeBigInt64LE(2147483647n, 8);
    const i32 = Buffer.alloc(4);
    i32.writeInt32LE(-123456, 0);
    const bytes = handMade(
      {
        __metadata__: { format: 'pt' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [16, 20] },
        l: { dtype: 'I64', shape: [2], data_offsets: [20, 36] },
        i: { dtype: 'I32', shape: [], data_offsets: [36, 40] },
      },
      [...f32, ...f16, ...bf16, ...i64, ...i32],
    );
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.get('a')!.data]).toEqual([1.5, -0.25]);
    expect([...tensors.get('h')!.data]).toEqual([1, -2, 65504, 2 ** -24]);
    expect(tensors.get('h')!.shape).toEqual([2, 2]);
    expect([...tensors.get('b')!.data]).toEqual([1, -3]);
    expect(tensors.get('l')).toMatchObject({ dtype: 'int32', shape: [2] });
    expect([...tensors.get('l')!.data]).toEqual([-7, 2147483647]);
    expect([...tensors.get('i')!.data]).toEqual([-123456]);
  });

  it('round-trips F32 and I32 exactly, with metadata, through an atomic file write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const file = join(dir, 'x.safetensors');
    const tensors = new Map<string, TensorData>([
      ['w', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0.1, -2, 3e-8, 1e30, -0, 7]) }],
      ['ids', { dtype: 'int32', shape: [4], data: Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31)]) }],
      ['empty', { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) }],
    ]);
    await writeSafetensors(file, tensors, { step: '12' });
    const back = await readSafetensors(file);
    expect(back.metadata).toEqual({ step: '12' });
    expect([...back.tensors.keys()]).toEqual(['w', 'ids', 'empty']);
    for (const [k, t] of tensors) {
      expect(back.tensors.get(k)!.shape).toEqual(t.shape);
      expect(Array.from(back.tensors.get(k)!.data)).toEqual(Array.from(t.data));
    }
    const raw = readFileSync(file);
    expect((8 + Number(raw.readBigUInt64LE(0))) % 8).toBe(0); // data section aligned
  });

  it('names the file and the problem for malformed input', async () => {
    const good = serializeSafetensors(
      new Map([['w', { dtype: 'float32' as const, shape: [4], data: new Float32Array(4) }]]),
    );
    expect(() => parseSafetensors(good.subarray(0, 5), 'f.st')).toThrow(/f\.st: .*shorter than the 8-byte/);
    expect(() => parseSafetensors(good.subarray(0, good.length - 1), 'f.st')).toThrow(/truncated: tensor 'w'/);
    expect(() => parseSafetensors(handMade({ w: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, [0]))).toThrow(
      /unsupported dtype/,
    );
    expect(() =>
      parseSafetensors(handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0])),
    ).toThrow(/do not match/);
    expect(() =>
      parseSafetensors(
        handMade(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          new Array<number>(8).fill(0),
        ),
      ),
    ).toThrow(/overlap/);
    const bad = new Uint8Array(12);
    new DataView(bad.buffer).setBigUint64(0, 4n, true);
    bad.set([0x7b, 0x7b, 0x7d, 0x7d], 8);
    expect(() => parseSafetensors(bad)).toThrow(/not JSON/);
    const big = Buffer.alloc(8);
    big.writeBigInt64LE(2n ** 40n, 0);
    expect(() =>
      parseSafetensors(handMade({ l: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [...big]), 'l.st'),
    ).toThrow(/does not fit in int32/);
    await expect(readSafetensors('/nonexistent/m.safetensors')).rejects.toThrow(FileFormatError);
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    writeFileSync(join(dir, 'junk.safetensors'), 'hello world, not a tensor file');
    await expect(readSafetensors(join(dir, 'junk.safetensors'))).rejects.toThrow(
      /junk\.safetensors: not a valid safetensors file/,
    );
  });
});
