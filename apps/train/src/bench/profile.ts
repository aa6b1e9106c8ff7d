/**
 * Where one training step's time goes: every kernel of the active backend is wrapped by a timer (exclusive time:
 * a kernel that calls another through the engine is charged only its own share), and each kernel call is charged to
 * the model part running it. Forward parts come from wrapping the methods of the model's modules; backward parts from
 * tagging each tape node with the part that recorded it, so a gradient kernel is charged to `<part> (backward)`.
 * Time outside every kernel (tensor bookkeeping, tape, JS glue) is reported as `engine / JS`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainStep } from './train-step.js';

/** Milliseconds per step by kernel and by part, and the step's own median time. */
export interface StepProfile {
  stepMs: number;
  kernels: Map<string, number>;
  parts: Map<string, number>;
  /** By `part: kernel`. */
  pairs: Map<string, number>;
}

/** Forward part of the methods wrapped, by module class and method (time inside a nested one goes to that one). */
const PARTS: Record<string, Record<string, string>> = {
  SmoeLanguageModel: { loss: 'output projection + NLL', trunk: 'cache + glue' },
  Embedding: { apply: 'embedding' },
  MultiHeadSeqAttention: { apply: 'attention' },
  TopKRouter: { route: 'router' },
  ExpertBank: { applyGrouped: 'experts', applyBatched: 'experts' },
  MoELayer: { apply: 'MoE dispatch / combine' },
  MoeSublayer: { apply: 'residual rule' },
  LayerNorm: { apply: 'norms' },
  TransformerSeqLayer: { apply: 'layer residual adds' },
  FeedForward: { apply: 'feed-forward' },
};

interface EngineLike {
  state: { activeTape: { gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor> }[] | null };
  // a function-typed property, not a method: the profiler takes it off the engine and calls it with `apply`
  addTapeNode: (this: EngineLike, ...args: unknown[]) => void;
}

/** The current part, a stack: module methods and gradient functions push onto it. */
class PartStack {
  private readonly stack: string[] = [];
  constructor(private readonly base: string) {}
  get current(): string {
    return this.stack.at(-1) ?? this.base;
  }
  run<T>(part: string, fn: () => T): T {
    this.stack.push(part);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }
}

/** Every object reachable from `root` through own properties and arrays (the module tree and its helpers). */
function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const visit = (o: unknown): void => {
    if (typeof o !== 'object' || o === null || seen.has(o) || o instanceof tf.Tensor) return;
    seen.add(o);
    if (Array.isArray(o)) o.forEach(visit);
    else if (o instanceof Map) [...o.values()].forEach(visit);
    else if (Object.getPrototypeOf(o) !== Object.prototype || o === root) Object.values(o).forEach(visit);
  };
  visit(root);
  return seen;
}

/**
 * Profiles `reps` steps of `run` (after one untimed step). Installs its wrappers (kernels, module methods, the
 * engine's tape) for the duration and removes them after, so the same process can go on timing unprofiled steps.
 */
export async function profileSteps(run: TrainStep, reps = 3): Promise<StepProfile> {
  const backend = tf.getBackend();
  const kernels = new Map<string, number>();
  const parts = new Map<string, number>();
  const pairs = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  const where = new PartStack('other');
  const undo: (() => void)[] = [];

  // Kernels: exclusive time (child kernel time is subtracted from the caller's).
  const childMs: number[] = [];
  for (const config of tf.getKernelsForBackend(backend)) {
    const inner = config.kernelFunc;
    const wrapped: tf.KernelFunc = (args) => {
      childMs.push(0);
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const total = performance.now() - t0;
        const own = total - childMs.pop()!;
        if (childMs.length) childMs[childMs.length - 1]! += total;
        add(kernels, config.kernelName, own);
        add(parts, where.current, own);
        add(pairs, `${where.current}: ${config.kernelName}`, own);
      }
    };
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
    undo.push(() => {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel(config);
    });
  }

  // Forward parts: wrap module methods on the instances.
  for (const o of reachable(run.model)) {
    const spec = PARTS[o.constructor.name];
    if (!spec) continue;
    const target = o as Record<string, unknown>;
    for (const [method, part] of Object.entries(spec)) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      target[method] = (...args: unknown[]) =>
        where.run(part, () => (original as (...a: unknown[]) => unknown).apply(o, args));
      undo.push(() => delete target[method]);
    }
  }

  // Backward parts: each tape node remembers the part that recorded it; its gradient runs under `<part> (backward)`.
  const engine = tf.engine() as unknown as EngineLike;
  const addTapeNode = engine.addTapeNode;
  engine.addTapeNode = function (...args: unknown[]) {
    addTapeNode.apply(this, args);
    const node = engine.state.activeTape?.at(-1);
    const gradient = node?.gradient;
    if (node && gradient) {
      const part = `${where.current} (backward)`;
      // a gradient function returns thunks, one per input, that the engine calls later: wrap those too
      node.gradient = (dys) => {
        const thunks = where.run(part, () => gradient(dys));
        return Object.fromEntries(Object.entries(thunks).map(([k, f]) => [k, () => where.run(part, f)]));
      };
    }
  };
  undo.push(() => (engine.addTapeNode = addTapeNode));

  // The optimiser's update.
  const optimizer = run.optimizer;
  const apply = optimizer.apply.bind(optimizer);
  optimizer.apply = (grads, lr) => where.run('optimiser (Adam)', () => apply(grads, lr));
  undo.push(() => delete (optimizer as Partial<typeof optimizer>).apply); // uncovers the class's method again

  const times: number[] = [];
  try {
    await where.run('warm-up', () => run.step());
    for (const map of [kernels, parts, pairs]) map.clear();
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await where.run('gradient accumulation / other', () => run.step());
      times.push(performance.now() - t0);
    }
  } finally {
    for (const u of undo.reverse()) u();
  }
  const scale = (map: Map<string, number>) => new Map([...map].map(([k, v]) => [k, v / reps] as const));
  const stepMs = times.reduce((s, t) => s + t, 0) / reps;
  return { stepMs, kernels: scale(kernels), parts: scale(parts), pairs: scale(pairs) };
}

/** The profile as three markdown tables (by part, by kernel, by both), ms per step and % of the step, largest first. */
export function formatProfile(title: string, p: StepProfile, top = 25): string {
  const kernelMs = [...p.kernels.values()].reduce((s, v) => s + v, 0);
  const engine = Math.max(0, p.stepMs - kernelMs);
  const rows = (map: Map<string, number>, limit: number) => {
    const sorted = [...map].sort((a, b) => b[1] - a[1]);
    const shown = sorted.slice(0, limit);
    const rest = sorted.slice(limit).reduce((s, [, v]) => s + v, 0);
    if (rest > 0) shown.push([`(${sorted.length - limit} more)`, rest]);
    shown.push(['engine / JS (outside kernels)', engine]);
    return shown.map(([k, v]) => `| ${k} | ${v.toFixed(1)} | ${((100 * v) / p.stepMs).toFixed(1)} |`).join('\n');
  };
  return [
    `### ${title}: ${p.stepMs.toFixed(1)} ms per step (kernels ${kernelMs.toFixed(1)} ms)`,
    '',
    '| part | ms | % |',
    '|---|---|---|',
    rows(p.parts, 100),
    '',
    '| kernel | ms | % |',
    '|---|---|---|',
    rows(p.kernels, top),
    '',
    '| part: kernel | ms | % |',
    '|---|---|---|',
    rows(p.pairs, top),
    '',
  ].join('\n');
}
