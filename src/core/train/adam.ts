import * as tf from '@tensorflow/tfjs';

/** One parameter's Adam state as plain arrays: what checkpoints store. */
export interface Moments {
  shape: number[];
  /** First moment (running mean of the gradient), row-major like the parameter. */
  m: Float32Array;
  /** Second moment (running mean of the squared gradient). */
  v: Float32Array;
}

/**
 * Where the moments live. `tensor`: tf.Variables on the backend (GPU-resident on WebGPU/WebGL, no
 * read-back per step). `host`: JS Float32Arrays, outside the backend's memory — on WASM the heap is a
 * 32-bit space capped at 4 GiB, and two moments the size of the weights do not fit next to the
 * weights, gradients, XNNPACK's packed copies and the activations of the larger teachers.
 * `auto` picks `host` on 'wasm' and 'cpu' (where reading a tensor is a memcpy) and `tensor` elsewhere.
 */
export type MomentStorage = 'auto' | 'host' | 'tensor';

/**
 * Adam exactly as torch.optim.Adam (no weight decay, no amsgrad): bias-corrected moments and
 * eps added after the square root. Own implementation rather than tf.train.adam so the learning
 * rate can change every step and the moments can be saved in a checkpoint by parameter name.
 */
export class Adam {
  step = 0;
  /** Decided at the first `apply` (from the backend then active) unless forced, and kept. */
  private mode: 'host' | 'tensor' | null;
  private readonly tensorM = new Map<string, tf.Variable>();
  private readonly tensorV = new Map<string, tf.Variable>();
  /** Host moments; before the mode is decided they also hold imported moments. */
  private readonly host = new Map<string, Moments>();
  /** The current step's bias-corrected step size and √(1 − β₂ᵗ), set by `begin`. */
  private stepSize: number | null = null;
  private sqrtC2 = 1;

  constructor(
    readonly beta1 = 0.5,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    storage: MomentStorage = 'auto',
  ) {
    this.mode = storage === 'auto' ? null : storage;
  }

  /** Where the moments live: null until the first `apply` decides (for `auto`). */
  get storage(): 'host' | 'tensor' | null {
    return this.mode;
  }

  /** One step: `begin`, then `update` of every parameter with its gradient. */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.begin(lr);
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`gradient for unknown parameter ${name}`);
      this.update(name, p, g);
    }
  }

  /**
   * Starts a step at learning rate `lr` (and decides where the moments live, on the first one).
   * The parameters may then be updated one by one, as their gradients become final.
   */
  begin(lr: number): 'host' | 'tensor' {
    if (this.mode === null)
      this.decide(tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu' ? 'host' : 'tensor');
    this.step += 1;
    this.stepSize = lr / (1 - this.beta1 ** this.step);
    this.sqrtC2 = Math.sqrt(1 - this.beta2 ** this.step);
    return this.mode!;
  }

  /**
   * Updates one parameter in the step `begin` started. A host gradient (summed over several passes
   * in JS memory) needs host moments.
   */
  update(name: string, p: tf.Variable, g: tf.Tensor | Float32Array): void {
    if (this.stepSize === null) throw new Error('Adam.update before begin()');
    if (this.mode === 'host') this.hostUpdate(name, p, g, this.stepSize, this.sqrtC2);
    else if (g instanceof Float32Array) throw new Error('Adam: host gradients need host moments');
    else this.tensorUpdate(name, p, g, this.stepSize, this.sqrtC2);
  }

  /**
   * Every parameter's moments as host arrays. In host mode these are the optimiser's own arrays (no
   * copy of twice the weights' size): read them before the next `apply` and never write to them.
   */
  async exportMoments(): Promise<Map<string, Moments>> {
    if (this.mode !== 'tensor') return new Map(this.host);
    const out = new Map<string, Moments>();
    for (const [name, m] of this.tensorM) {
      const v = this.tensorV.get(name)!;
      out.set(name, {
        shape: [...m.shape],
        m: (await m.data()) as Float32Array,
        v: (await v.data()) as Float32Array,
      });
    }
    return out;
  }

  /**
   * Replaces the whole optimiser state (moments copied, so the caller's arrays stay its own) and the
   * step count. Works before the first `apply` too: the moments then wait as host arrays until it
   * decides where they live.
   */
  importMoments(moments: Map<string, Moments>, step: number): void {
    for (const [name, { shape, m, v }] of moments) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (m.length !== n || v.length !== n)
        throw new Error(`Adam moments of ${name}: ${m.length}/${v.length} values for shape [${shape}]`);
    }
    this.dispose();
    for (const [name, { shape, m, v }] of moments) {
      const copy: Moments = { shape: [...shape], m: m.slice(), v: v.slice() };
      if (this.mode === 'tensor') this.upload(name, copy);
      else this.host.set(name, copy);
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.tensorM.values(), ...this.tensorV.values()]) t.dispose();
    this.tensorM.clear();
    this.tensorV.clear();
    this.host.clear();
  }

  private decide(mode: 'host' | 'tensor'): void {
    this.mode = mode;
    if (mode === 'host') return;
    for (const [name, moments] of this.host) this.upload(name, moments);
    this.host.clear();
  }

  private upload(name: string, { shape, m, v }: Moments): void {
    const mt = tf.tensor(m, shape, 'float32');
    const vt = tf.tensor(v, shape, 'float32');
    this.tensorM.set(name, tf.variable(mt, false));
    this.tensorV.set(name, tf.variable(vt, false));
    tf.dispose([mt, vt]);
  }

  private tensorUpdate(name: string, p: tf.Variable, g: tf.Tensor, stepSize: number, sqrtC2: number): void {
    let m = this.tensorM.get(name);
    let v = this.tensorV.get(name);
    if (!m || !v) {
      const zeros = tf.zerosLike(p);
      m = tf.variable(zeros, false);
      v = tf.variable(zeros, false);
      zeros.dispose();
      this.tensorM.set(name, m);
      this.tensorV.set(name, v);
    }
    const [mv, vv] = [m, v];
    tf.tidy(() => {
      const mNew = tf.add(tf.mul(mv, this.beta1), tf.mul(g, 1 - this.beta1));
      const vNew = tf.add(tf.mul(vv, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtC2), this.eps);
      p.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize)));
      mv.assign(mNew);
      vv.assign(vNew);
    });
  }

  /** One parameter at a time, so only one parameter's host copies are alive. */
  private hostUpdate(
    name: string,
    p: tf.Variable,
    g: tf.Tensor | Float32Array,
    stepSize: number,
    sqrtC2: number,
  ): void {
    if (p.dtype !== 'float32' || (g instanceof tf.Tensor && g.dtype !== 'float32'))
      throw new Error(`Adam: ${name} is ${p.dtype} with a non-float32 gradient, expected float32`);
    const n = p.size;
    let s = this.host.get(name);
    if (!s) {
      s = { shape: [...p.shape], m: new Float32Array(n), v: new Float32Array(n) };
      this.host.set(name, s);
    }
    const gSize = g instanceof tf.Tensor ? g.size : g.length;
    if (s.m.length !== n || gSize !== n)
      throw new Error(`Adam: ${name} has ${n} values, its moments ${s.m.length}, its gradient ${gSize}`);
    // On WASM the new weights are written straight into a fresh tensor's heap storage, allocated
    // first: growing the heap would detach the views of p and g taken after it.
    const fresh = wasmOutput(p.shape);
    const heapP = fresh && wasmHeapView(p);
    const heapG = g instanceof Float32Array ? g : heapP && wasmHeapView(g);
    let pd: Float32Array;
    let gd: Float32Array;
    let out: Float32Array;
    const inPlace = fresh && heapP && heapG ? fresh : null;
    if (inPlace) {
      [pd, gd, out] = [heapP!, heapG!, inPlace.values];
    } else {
      // CPU, or WASM internals not as expected: a read is a memcpy there, never a GPU stall. The CPU
      // backend hands out its own storage, which reshapes sharing the data id still read, so the new
      // weights go to a fresh array.
      if (fresh) tf.backend().disposeData(fresh.info.dataId);
      pd = p.dataSync() as Float32Array;
      gd = g instanceof Float32Array ? g : hostValues(g);
      out = new Float32Array(n);
    }
    adamLoop(pd, gd, s.m, s.v, out, this.beta1, this.beta2, this.eps, stepSize, sqrtC2);
    const t = inPlace
      ? tf.engine().makeTensorFromTensorInfo(inPlace.info)
      : tf.tensor(out, p.shape, 'float32');
    p.assign(t);
    t.dispose();
  }
}

/**
 * A float32 tensor's values in host memory: a view of the WASM heap (valid until the next heap
 * allocation) or, elsewhere, a read that is a memcpy on CPU and WASM. Not for GPU backends.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  return wasmHeapView(t) ?? (t.dataSync() as Float32Array);
}

/** What a WASM backend keeps of a tensor (tfjs-backend-wasm 4.x internals, checked at run time). */
interface WasmInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset?: unknown } | undefined };
  wasm?: { HEAPU8?: Uint8Array };
  makeOutput?(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** A new float32 tensor's storage in the WASM heap and a view of it, or null off WASM. */
function wasmOutput(shape: number[]): { info: tf.TensorInfo; values: Float32Array } | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as WasmInternals;
  const info = b.makeOutput?.(shape, 'float32');
  if (!info) return null;
  const view = wasmHeapView({ dataId: info.dataId, dtype: 'float32', size: tf.util.sizeFromShape(shape) });
  if (view) return { info, values: view };
  tf.backend().disposeData(info.dataId);
  return null;
}

/**
 * A float32 view of `t`'s data in the WASM heap, or null off WASM or if the backend's internals
 * are not as expected (then `data()` copies instead). Valid until the next heap allocation: reading
 * 2 × 100 MB through `data()` costs fresh copies and their garbage collection, measured at 3-4×
 * the time of the whole update for 25 M parameters.
 */
function wasmHeapView(t: Pick<tf.Tensor, 'dataId' | 'dtype' | 'size'>): Float32Array | null {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return null;
  const b = tf.backend() as unknown as WasmInternals;
  const offset = b.dataIdMap?.get?.(t.dataId)?.memoryOffset;
  const heap = b.wasm?.HEAPU8;
  if (typeof offset !== 'number' || !heap || offset % 4 !== 0 || offset + 4 * t.size > heap.byteLength)
    return null;
  return new Float32Array(heap.buffer, heap.byteOffset + offset, t.size);
}

/**
 * The update in one pass. Moments are rounded to float32 before use (Math.fround), as the tensor
 * path and torch compute them, so both modes agree to float32 rounding of the final division.
 */
function adamLoop(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  out: Float32Array,
  beta1: number,
  beta2: number,
  eps: number,
  stepSize: number,
  sqrtC2: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = Math.fround(beta1 * m[i] + a1 * gi);
    const vi = Math.fround(beta2 * v[i] + a2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    out[i] = p[i] - (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
  }
}
