import * as tf from '@tensorflow/tfjs';
// Deep import: TF.js's own tape filter (pure functions), so the recorded graph is pruned exactly as
// `tf.variableGrads` prunes it. tfjs-core has no package "exports", so the path resolves everywhere.
import { getFilteredNodesXToY, type TapeNode } from '@tensorflow/tfjs-core/dist/tape';

/**
 * The TS-private parts of TF.js 4.22's Engine this module drives (present at run time, see
 * tfjs-core/dist/engine.js `gradients`).
 */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  registeredVariables: Record<string, tf.Variable>;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, fn: () => T): T;
  tidy<T extends tf.TensorContainer>(fn: () => T): T;
}

const engine = (): EngineInternals => tf.engine() as unknown as EngineInternals;

export interface VariableGradsOptions {
  /**
   * Takes each variable's gradient as soon as it is final (every node that reads the variable has
   * been differentiated), instead of returning it: the gradient is disposed when the call returns,
   * and the variable may be given a new value then (nothing later in the pass reads it). An
   * optimiser that updates here never holds all gradients at once, nor the old weights (and the
   * copies backends keep of them) past their last use.
   */
  onGradient?: (x: tf.Variable, grad: tf.Tensor) => void;
}

/**
 * `tf.variableGrads(f, varList)` with PyTorch's memory behaviour: TF.js keeps the gradient of every
 * intermediate tensor and every node's saved activations until the whole backward pass ends, so a
 * step peaks at all activations plus all their gradients. Here a node's output gradients and its
 * saved tensors are released as soon as the node has been differentiated (its outputs' gradients are
 * final then: every consumer comes later on the tape and has already been walked).
 *
 * Returns the value of `f` and the gradient of each trainable variable of `varList` (default: all
 * registered variables) keyed by variable name; a variable with no path to the value gets no entry,
 * and non-trainable variables get none either (TF.js maps explicitly listed ones to null).
 */
export function variableGrads(
  f: () => tf.Scalar,
  varList?: tf.Variable[],
  opts: VariableGradsOptions = {},
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  if (typeof f !== 'function') throw new Error('The f passed in variableGrads(f) must be a function');
  const E = engine();
  const all = varList ?? Object.values(E.registeredVariables);
  if (!all.every((v) => v instanceof tf.Variable))
    throw new Error('The varList passed in variableGrads(f, varList) must be an array of variables');
  const xs = all.filter((v) => v.trainable);
  if (xs.length === 0)
    throw new Error(
      `variableGrads() expects at least one of the input variables to be trainable, but none of the ` +
        `${all.length} variables is trainable.`,
    );
  const { value, byId, handedOver } = gradients(E, f, xs, opts.onGradient);
  const grads: tf.NamedTensorMap = {};
  for (const x of xs) {
    const g = byId.get(x.id);
    if (g) grads[x.name] = g;
  }
  if (Object.keys(grads).length === 0 && handedOver === 0) {
    value.dispose();
    throw new Error(
      'Cannot find a connection between any variable and the result of the loss function y=f(x). ' +
        'Please make sure the operations that use variables are inside the function f passed to minimize().',
    );
  }
  if (value.rank !== 0) {
    tf.dispose([value, ...Object.values(grads)]);
    throw new Error(
      `The f passed in variableGrads(f) must return a scalar, but it returned a rank-${value.rank} tensor`,
    );
  }
  return { value: value as tf.Scalar, grads };
}

/**
 * The gradients of `f()` with respect to `xs`, seeded with `dy` (the gradient of f's output, which
 * stays the caller's), zeros for an x that f does not reach. For a custom gradient that recomputes its
 * forward pass in the backward one; `f`'s value is disposed.
 */
export function vectorJacobian(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const { value, byId } = gradients(engine(), f, xs, undefined, dy);
  value.dispose();
  return xs.map((x) => byId.get(x.id) ?? tf.zerosLike(x));
}

/** Engine.gradients with allowNoGradients (dy = 1 unless seeded), freeing as the walk goes. */
function gradients<X extends tf.Tensor>(
  E: EngineInternals,
  f: () => tf.Tensor,
  xs: X[],
  onGradient?: (x: X, grad: tf.Tensor) => void,
  seed?: tf.Tensor,
): { value: tf.Tensor; byId: Map<number, tf.Tensor>; handedOver: number } {
  const y = E.scopedRun(
    () => E.startTape(),
    () => E.endTape(),
    () => E.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  // Held locally: a gradient call nested in a node's gradient (a recomputing customGrad) starts and
  // clears a tape of its own.
  const tape = E.state.activeTape ?? [];
  const filtered = getFilteredNodesXToY(tape, xs, y);
  const finalAt = onGradient ? lastReaders(filtered, xs) : new Map<number, X[]>();
  // Nested inside another gradient, the outer pass still needs every node's saved tensors.
  const outermost = E.state.gradientDepth === 0;
  const acc = new Accumulator(new Set(xs.map((x) => x.id)));
  let handedOver = 0;
  // Named 'backward' like the engine's scope, so tools that watch tidy names see the same phases.
  const found = E.tidy('backward', () => {
    try {
      if (outermost) {
        // Nodes off every path from xs to y are never differentiated: what they saved can go now.
        // (The filter hands back pruned copies of the nodes, hence the ids.)
        const walked = new Set(filtered.map((node) => node.id));
        for (const node of tape) if (!walked.has(node.id)) acc.disposeUnheld(node.saved ?? []);
      }
      // A clone of the seed: the accumulator disposes what it drops, and the seed is the caller's.
      acc.set(y.id, seed ? tf.clone(seed) : tf.ones(y.shape));
      for (let i = filtered.length - 1; i >= 0; i--) {
        backpropNode(E, filtered[i], acc, outermost);
        for (const x of finalAt.get(i) ?? []) {
          const g = acc.get(x.id);
          if (!g) continue;
          onGradient!(x, g);
          handedOver += 1;
          acc.drop(x.id, true);
          acc.disposeUnheld([g]);
        }
      }
      const out: Record<number, tf.Tensor> = {};
      for (const x of xs) {
        const g = acc.get(x.id);
        if (g) out[x.id] = g;
      }
      return out;
    } finally {
      if (outermost) {
        for (const node of tape) acc.disposeUnheld(node.saved ?? []);
        E.state.activeTape = null;
      }
    }
  });
  const byId = new Map(Object.entries(found).map(([id, g]) => [Number(id), g]));
  return { value: y, byId, handedOver };
}

/**
 * Node index → the variables it is the first reader of on the tape: walking backwards, their
 * gradients are final once that node is differentiated.
 */
function lastReaders<X extends tf.Tensor>(filtered: TapeNode[], xs: X[]): Map<number, X[]> {
  const pending = new Map(xs.map((x) => [x.id, x]));
  const out = new Map<number, X[]>();
  filtered.forEach((node, i) => {
    for (const input of Object.values(node.inputs)) {
      const x = pending.get(input.id);
      if (!x) continue;
      pending.delete(input.id);
      out.set(i, [...(out.get(i) ?? []), x]);
    }
  });
  return out;
}

/**
 * Differentiates one node, adds its input gradients to the accumulator, then frees what only this
 * node needed: its outputs' gradients and (outermost pass only) its saved tensors.
 */
function backpropNode(E: EngineInternals, node: TapeNode, acc: Accumulator, freeSaved: boolean): void {
  const gradient = node.gradient;
  if (gradient == null)
    throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
  const names = Object.keys(node.inputs);
  // One scope per node: whatever its gradient function made besides the dxs (zeros for unused
  // outputs, a customGrad's eagerly computed extras) goes with it, not at the end of the pass.
  const dxs = E.tidy(() => {
    // The engine's node.gradient replaces a null dy (an output off the path to y) by zeros.
    const inputGradients = gradient(dys as tf.Tensor[]);
    return names.map((name) => {
      if (!(name in inputGradients))
        throw new Error(
          `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
        );
      const dx = inputGradients[name]();
      const x = node.inputs[name];
      if (dx.dtype !== 'float32')
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have ` +
            `'float32' dtype, but has '${dx.dtype}'`,
        );
      if (!tf.util.arraysEqual(dx.shape, x.shape))
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
            `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
        );
      return dx;
    });
  });
  const released: tf.Tensor[] = [];
  names.forEach((name, i) => {
    const id = node.inputs[name].id;
    const cur = acc.get(id);
    if (cur == null) acc.set(id, dxs[i]);
    else {
      acc.set(id, tf.add(cur, dxs[i]));
      released.push(cur, dxs[i]);
    }
  });
  for (const o of node.outputs) acc.drop(o.id);
  for (const dy of dys) if (dy) released.push(dy);
  acc.disposeUnheld(released);
  if (freeSaved) acc.disposeUnheld(node.saved ?? []);
}

/**
 * Tensor id → accumulated gradient, counting how many entries hold each gradient object: a gradient
 * function may hand its dy (or a saved tensor) straight through, so one object can be the gradient
 * of several tensors, and only an object no entry holds may be disposed.
 */
class Accumulator {
  private readonly grads = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  /** `keep`: ids whose gradients are results (the variables) and are never dropped. */
  constructor(private readonly keep: Set<number>) {}

  get(id: number): tf.Tensor | undefined {
    return this.grads.get(id);
  }

  set(id: number, g: tf.Tensor): void {
    this.drop(id, true);
    this.grads.set(id, g);
    this.holders.set(g, (this.holders.get(g) ?? 0) + 1);
  }

  /** Forgets `id`'s gradient (the caller disposes it if no one else holds it). */
  drop(id: number, force = false): void {
    if (!force && this.keep.has(id)) return;
    const g = this.grads.get(id);
    if (g == null) return;
    this.grads.delete(id);
    const n = (this.holders.get(g) ?? 1) - 1;
    if (n > 0) this.holders.set(g, n);
    else this.holders.delete(g);
  }

  disposeUnheld(ts: Iterable<tf.Tensor>): void {
    for (const t of ts) if (!this.holders.has(t) && !t.isDisposed) t.dispose();
  }
}
