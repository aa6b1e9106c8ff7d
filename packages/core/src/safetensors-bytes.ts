/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`, then the raw little-endian
 * bytes. Reads F32/F64/F16/BF16 as float32 and I8/U8/I16/I32/I64/BOOL as int32; writes F32 and I32.
 * Parsing and serialising from and to bytes, with no file I/O (so it also runs in a browser).
 * @module
 */
import { FileFormatError } from './errors.js';

/** A tensor as plain data: what safetensors files hold and what checkpoints are made of. */
export interface TensorData {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A parsed safetensors file: tensors by name (in file order) and the string metadata. */
export interface Safetensors {
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
}

const BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const MAX_HEADER = 100_000_000;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function decode(dtype: string, bytes: Uint8Array, n: number, source: string, name: string): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        word.setUint32(0, view.getUint16(2 * i, true) << 16);
        out[i] = word.getFloat32(0);
      }
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new FileFormatError(source, `tensor '${name}': I64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, n));
    default: // U8, BOOL
      return Int32Array.from(bytes.subarray(0, n));
  }
}

/**
 * Parses safetensors bytes; `source` names the file in errors.
 * @throws {@link FileFormatError} for a truncated file, a bad header, an unknown dtype or inconsistent offsets.
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): Safetensors {
  const fail = (problem: string): never => {
    throw new FileFormatError(source, `not a valid safetensors file: ${problem}`);
  };
  if (bytes.byteLength < 8) fail(`only ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER) fail(`header length ${headerLen} is implausibly large`);
  if (8 + headerLen > bytes.byteLength)
    fail(`truncated: header needs ${headerLen} bytes, file has ${bytes.byteLength - 8}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const data = bytes.subarray(8 + headerLen);
  const tensors = new Map<string, TensorData>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in BYTES))
      fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const type = dtype as string;
    const dims = shape as number[];
    const n = dims.reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== n * BYTES[type]!) {
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] do not match ${type} shape [${dims}]`);
    }
    if (end > data.byteLength)
      fail(`truncated: tensor '${name}' ends at byte ${end} of a ${data.byteLength}-byte data section`);
    spans.push([begin, end, name]);
    const slice = data.subarray(begin, end);
    tensors.set(name, {
      dtype: type === 'F32' || type === 'F64' || type === 'F16' || type === 'BF16' ? 'float32' : 'int32',
      shape: dims,
      data: decode(type, slice, n, source, name),
    });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) fail(`tensors '${spans[i - 1]![2]}' and '${spans[i]![2]}' overlap`);
  }
  return { tensors, metadata };
}

/** Serialises tensors (F32 / I32, little-endian, in the map's order) with optional string metadata. */
export function serializeSafetensors(
  tensors: Map<string, TensorData>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new RangeError(`tensor '${name}': shape [${t.shape}] holds ${n} values, data has ${t.data.length}`);
    header[name] = {
      dtype: t.dtype === 'float32' ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + 4 * n],
    };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // align the data section to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const t of tensors.values()) {
    const isFloat = t.dtype === 'float32';
    for (let i = 0; i < t.data.length; i++, pos += 4) {
      if (isFloat) view.setFloat32(pos, t.data[i]!, true);
      else view.setInt32(pos, t.data[i]!, true);
    }
  }
  return out;
}
