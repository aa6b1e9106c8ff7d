/**
 * Expert capacity and who gets dropped when an expert's buffer is full.
 * @module
 */
import { isReal } from './mask.js';

/**
 * Per-expert buffer size `C = ceil(k·T·factor / E)`, rounded up to a multiple of `multipleOf`, at most `T`
 * (an expert can never receive more than every token).
 * @example
 * ```ts
 * expertCapacity({ tokens: 400, experts: 8, topK: 2, factor: 1.05, multipleOf: 4 }); // 108
 * ```
 */
export function expertCapacity(o: {
  tokens: number;
  experts: number;
  topK: number;
  factor: number;
  multipleOf?: number;
}): number {
  const multiple = o.multipleOf ?? 1;
  const raw = Math.ceil((o.topK * o.tokens * o.factor) / o.experts);
  return Math.min(Math.ceil(raw / multiple) * multiple, o.tokens);
}

/**
 * Batch-priority order (V-MoE): token ids by descending `score` (each token's top gate value), ties by position.
 * @param scores one score per token.
 */
export function priorityOrder(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, t) => t);
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Fills expert buffers slot by slot: every token's first choice (in `order`) before any token's second choice, as in
 * GShard / V-MoE. A slot is kept while its expert has room; padding tokens are never kept.
 * @param choices `[T, k]` row-major expert ids.
 * @param order token processing order (`null`: by position).
 * @returns `[T, k]` row-major 1/0 kept flags.
 */
export function fillCapacity(
  choices: Int32Array,
  tokens: number,
  topK: number,
  experts: number,
  capacity: number,
  order: Int32Array | null,
  valid: Float32Array | null,
): Float32Array {
  const kept = new Float32Array(tokens * topK);
  const load = new Int32Array(experts);
  for (let j = 0; j < topK; j++) {
    for (let i = 0; i < tokens; i++) {
      const t = order === null ? i : order[i]!;
      if (!isReal(valid, t)) continue;
      const e = choices[t * topK + j]!;
      if (load[e]! < capacity) {
        load[e]! += 1;
        kept[t * topK + j] = 1;
      }
    }
  }
  return kept;
}
