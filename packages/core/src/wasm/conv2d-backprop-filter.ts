/**
 * `Conv2DBackpropFilter` for wasm (tfjs-wasm has none), NHWC, any strides and padding, dilation 1.
 * The filter gradient is `colsᵀ · dy`: im2col of the input (`[N·outH·outW, fh·fw·inC]`) times the output
 * gradient (`[N·outH·outW, outC]`), run by the fast matMul; images are taken in chunks that bound the im2col buffer.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { fastBatchMatMul } from './fast-batch-matmul.js';
import { type WasmBackend, asWasmBackend, f32At, makeView, offsetOf, releaseView } from './heap.js';

/** Default bound of the im2col buffer per chunk, in floats (64 MiB). */
const MAX_COLS = 1 << 24;

/** Fills `cols` ([count·outH·outW, fh·fw·inC]) from images `first … first+count-1` of x. */
function im2col(
  backend: WasmBackend,
  x: tf.TensorInfo,
  cols: tf.TensorInfo,
  c: tf.backend_util.Conv2DInfo,
  first: number,
  count: number,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, filterHeight: fh, filterWidth: fw } = c;
  const { strideHeight: sh, strideWidth: sw, padInfo } = c;
  const K = fh * fw * C;
  const src = f32At(backend, offsetOf(backend, x), c.batchSize * H * W * C);
  const dst = f32At(backend, offsetOf(backend, cols), count * outHeight * outWidth * K);
  let p = 0;
  for (let n = first; n < first + count; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, p++) {
        for (let fy = 0; fy < fh; fy++) {
          const iy = oy * sh - padInfo.top + fy;
          for (let fx = 0; fx < fw; fx++) {
            const ix = ox * sw - padInfo.left + fx;
            const d = p * K + (fy * fw + fx) * C;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
              dst.fill(0, d, d + C);
              continue;
            }
            const s = ((n * H + iy) * W + ix) * C;
            for (let ci = 0; ci < C; ci++) dst[d + ci] = src[s + ci]!;
          }
        }
      }
    }
  }
}

function conv2DBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  maxCols: number,
): tf.TensorInfo {
  const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32')
    throw new Error('Conv2DBackpropFilter on wasm supports float32 only');
  const backend = asWasmBackend(args.backend);
  // x: [N, H, W, inC], dy: [N, outH, outW, outC] → filter gradient: [fh, fw, inC, outC]
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = [c.batchSize, c.outHeight, c.outWidth, c.outChannels];
  if (dy.shape.join() !== expected.join()) {
    throw new Error(`Conv2DBackpropFilter on wasm: dy has shape [${dy.shape}], expected [${expected}]`);
  }
  const K = c.filterHeight * c.filterWidth * c.inChannels;
  const perImage = c.outHeight * c.outWidth;
  const chunk = Math.max(1, Math.floor(maxCols / Math.max(1, perImage * K)));
  let total: tf.TensorInfo | null = null;
  for (let first = 0; first < c.batchSize; first += chunk) {
    const count = Math.min(chunk, c.batchSize - first);
    const cols = backend.makeOutput([count * perImage, K], 'float32');
    const dyRows = makeView(backend, offsetOf(backend, dy) + first * perImage * c.outChannels * 4, [
      count * perImage,
      c.outChannels,
    ]);
    let part: tf.TensorInfo;
    try {
      im2col(backend, x, cols, c, first, count);
      part = fastBatchMatMul(backend, cols, dyRows.info, true, false); // [K, outC]
    } finally {
      releaseView(backend, dyRows);
      backend.disposeData(cols.dataId);
    }
    if (total === null) {
      total = part;
      continue;
    }
    const acc = f32At(backend, offsetOf(backend, total), K * c.outChannels);
    const add = f32At(backend, offsetOf(backend, part), K * c.outChannels);
    for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + add[i]!;
    backend.disposeData(part.dataId);
  }
  if (total === null) {
    // no images: the gradient is zero
    total = backend.makeOutput([K, c.outChannels], 'float32');
    f32At(backend, offsetOf(backend, total), K * c.outChannels).fill(0);
  }
  return { ...total, shape: [...filterShape] };
}

/** Kernel config adding `Conv2DBackpropFilter` to wasm; `maxCols` bounds the im2col buffer (floats per chunk). */
export function makeConv2DBackpropFilterConfig(maxCols = MAX_COLS): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => conv2DBackpropFilter(args, maxCols);
  return { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc };
}
