import * as tf from '@tensorflow/tfjs';

/**
 * Named parameters and buffers of one network, keyed exactly like the PyTorch `state_dict` of the
 * reference code (e.g. `bn_layer.0.conv1.weight`), so checkpoints map one-to-one. Values are kept in
 * TF.js layouts: conv weights HWIO [kh,kw,in,out], transposed-conv weights [in,kh,kw,out], vectors 1-D.
 */
export class ParamStore {
  /** Trainable tensors (what the optimiser updates). */
  readonly params = new Map<string, tf.Variable>();
  /** Non-trainable state, e.g. BatchNorm running statistics. */
  readonly buffers = new Map<string, tf.Variable>();

  addParam(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    const map = trainable ? this.params : this.buffers;
    if (this.params.has(name) || this.buffers.has(name)) throw new Error(`duplicate parameter ${name}`);
    const v = tf.variable(value, trainable, `${name}#${nextId++}`);
    value.dispose();
    map.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.params.get(name) ?? this.buffers.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.params.has(name) || this.buffers.has(name);
  }

  /** Every entry, parameters first. */
  entries(): [string, tf.Variable][] {
    return [...this.params.entries(), ...this.buffers.entries()];
  }

  /** Number of trainable scalars. */
  count(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const [, v] of this.entries()) v.dispose();
    this.params.clear();
    this.buffers.clear();
  }
}

let nextId = 0;

/** A view of a store under a name prefix: `scope.sub('layer1').sub('0').get('conv1.weight')`. */
export class Scope {
  constructor(
    readonly store: ParamStore,
    readonly prefix = '',
  ) {}

  sub(name: string | number): Scope {
    return new Scope(this.store, this.name(String(name)));
  }

  name(local: string): string {
    return this.prefix ? `${this.prefix}.${local}` : local;
  }

  get(local: string): tf.Variable {
    return this.store.get(this.name(local));
  }

  has(local: string): boolean {
    return this.store.has(this.name(local));
  }

  /** The trainable parameters under this scope. */
  params(): tf.Variable[] {
    const head = this.prefix ? `${this.prefix}.` : '';
    return [...this.store.params].filter(([name]) => name.startsWith(head)).map(([, v]) => v);
  }
}

/**
 * Forward-pass mode: `training` makes BatchNorm normalise with batch statistics and update its
 * running statistics, unless `updateStats` is false (a second forward of the same step, e.g. when
 * each loss term is differentiated on its own, must not update them again).
 */
export interface Mode {
  training: boolean;
  updateStats?: boolean;
  /** Training only: the weight of this batch in the running statistics (PyTorch's momentum, 0.1). */
  statsMomentum?: number;
  /**
   * Training only: the heaviest blocks keep no activations for the backward pass and recompute
   * them there (gradient checkpointing), trading about one extra forward of those blocks for memory.
   */
  recompute?: boolean;
}

export const EVAL: Mode = { training: false };
export const TRAIN: Mode = { training: true };
