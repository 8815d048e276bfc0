import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';
import type { Teacher } from '../backbones/teacher';
import { kdLoss } from '../losses/kd';
import { contrastLoss, pairwiseOtLevel, permuteRows, randomPermutation } from '../losses/separation';
import {
  sinkhornCosts,
  sinkhornCostsLength,
  sinkhornDualsFromCosts,
  sinkhornFromDuals,
  type SinkhornDuals,
} from '../losses/sinkhorn';
import { referenceTripletSkipNote, tripletLoss } from '../losses/triplet';
import {
  decode,
  disposeSelection,
  msff,
  selectFromBank,
  type BankSelection,
  type Banks,
  type Levels,
  parameterCount,
  type Network,
} from '../model/dmgrd';
import { hasSlowGradKernels } from '../nn/matmul';
import { withTransientFilters } from '../nn/conv';
import type { Rng } from '../synth/rng';
import { Adam, hostValues } from './adam';
import { variableGrads } from './backprop';
import { learningRateAt } from './schedule';

/**
 * `recompute: 'auto'` turns checkpointing on for DM-GRD networks above this size on WASM/CPU: those of
 * ResNet50 and WRN50 (159 M and 196 M parameters) do not fit the 4 GiB WASM heap at 256 px without it
 * (docs/performance.md); those of the light teachers (under 20 M) fit and would only lose time.
 */
const AUTO_RECOMPUTE_PARAMETERS = 100e6;

/** The loss terms of Eq. 8, in the order the UI plots them. */
export const LOSS_TERMS = ['kd', 'ot', 'con', 'se'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

export interface StepReport {
  step: number;
  lr: number;
  /** Unweighted value of each term, and the weighted total that was minimised. */
  loss: Record<LossTerm | 'total', number>;
  /**
   * L2 norm over all trainable parameters of the gradient of each *weighted* term (what actually
   * moves the weights), or null on steps where it was not measured. Exactly 0 for a term that does
   * not depend on any trainable parameter (the reference triplet loss).
   */
  gradNorm: Record<LossTerm, number> | null;
  /** Memory slot each batch row selected, per bank (DM-GRD only). */
  selected: { normal: number[]; abnormal: number[] } | null;
  batchSize: number;
  ms: number;
}

const flat = (x: tf.Tensor4D): tf.Tensor2D => tf.reshape(x, [x.shape[0], -1]);

/**
 * One optimiser step of DM-GRD (or plain RD) as the reference training loop runs it: teacher
 * features of the mixed batch, memory select from both banks, MSFF on each, OCBE + student on the
 * normal-bank fusion, L = L_KD + α(L_OT + μ L_Con) + τ L_SE, Adam. On measuring steps each term is
 * differentiated on its own and the gradients summed for the update, so per-term norms cost one
 * extra backward pass per term instead of a separate run.
 */
export class Trainer {
  readonly adam = new Adam(0.5, 0.999);
  step = 0;
  /** Warnings about the configuration found while training (shown once by the UI). */
  readonly notes: string[] = [];

  /** Whether the MSFF blocks recompute their activations in the backward pass (`config.recompute`). */
  readonly recompute: boolean;

  /** Paper mode: the memory maps are parameters too (Eq. 11 trains them through L_SE). */
  private readonly memoryParams = new Map<string, tf.Variable>();

  constructor(
    readonly net: Network,
    readonly teacher: Teacher,
    readonly banks: Banks | null,
    readonly config: TrainConfig,
    private readonly rng: Rng,
  ) {
    if (net.kind === 'dmgrd' && !banks) throw new Error('DM-GRD training needs memory banks.');
    this.recompute =
      config.recompute === 'on' ||
      (config.recompute === 'auto' &&
        net.kind === 'dmgrd' &&
        hasSlowGradKernels() &&
        parameterCount(net) > AUTO_RECOMPUTE_PARAMETERS);
    if (banks && config.paperTriplet) {
      for (const [bankName, bank] of Object.entries(banks) as [keyof Banks, Banks[keyof Banks]][]) {
        bank.levels.forEach((level, l) => {
          if (!(level.maps instanceof tf.Variable)) {
            const maps = level.maps;
            level.maps = tf.variable(
              maps,
              true,
              `memory.${bankName}.l${l}.maps#${Math.random()}`,
            ) as unknown as tf.Tensor4D;
            maps.dispose();
          }
          this.memoryParams.set(`memory.${bankName}.l${l}.maps`, level.maps as unknown as tf.Variable);
        });
      }
    }
  }

  /** Everything the optimiser updates: the network's parameters and, in paper mode, the memories. */
  trainable(): Map<string, tf.Variable> {
    return this.memoryParams.size
      ? new Map([...this.net.store.params, ...this.memoryParams])
      : this.net.store.params;
  }

  private weight(term: LossTerm): number {
    const c = this.config;
    return { kd: 1, ot: c.alpha, con: c.alpha * c.mu, se: c.tau }[term];
  }

  /** images: [B,H,W,3] RGB in [0,1], about half synthetic anomalies. The caller keeps ownership. */
  async trainStep(images: tf.Tensor4D): Promise<StepReport> {
    const t0 = performance.now();
    const feats = tf.tidy(() => this.teacher.features(images)) as Levels;
    // Everything after the frozen teacher convolves with weights this step replaces.
    const report = await withTransientFilters(() => this.stepOn(feats));
    return { ...report, ms: performance.now() - t0 };
  }

  /** The step after the teacher: feats [B,H_i,W_i,C_i] per level, disposed here. */
  private async stepOn(feats: Levels): Promise<Omit<StepReport, 'ms'>> {
    const c = this.config;
    const lr = learningRateAt(this.step, c);
    const b = feats[0].shape[0];
    const sel =
      this.net.kind === 'dmgrd'
        ? {
            normal: selectFromBank(this.banks!.normal, feats, c.paperSelect),
            abnormal: selectFromBank(this.banks!.abnormal, feats, c.paperSelect),
          }
        : null;
    const perm = randomPermutation(b, () => this.rng.next());
    const active = this.activeTerms(sel, b);
    const inputs = await this.prepare(feats, sel, perm, active);
    const measure = c.gradNormEvery > 0 && this.step % c.gradNormEvery === 0;
    const trainable = this.trainable();
    const params = [...trainable.values()];
    const nameOf = new Map([...trainable].map(([name, p]) => [p, name] as const));
    // Host moments (CPU/WASM): a single pass hands each gradient to Adam as soon as it is final, so
    // the step never holds all gradients, nor old weights past their last use, in the 4 GiB heap.
    const host = this.adam.begin(lr) === 'host';
    const updated = new Set<tf.Variable>();
    const applyNow = (p: tf.Variable, g: tf.Tensor): void => {
      this.adam.update(nameOf.get(p)!, p, g);
      updated.add(p);
    };
    const sum = new GradientSum(host);

    const values: Partial<Record<LossTerm, tf.Scalar>> = {};
    const norms: Partial<Record<LossTerm, tf.Scalar>> = {};
    if (measure) {
      const statsUpdated = new Set<string>();
      for (const term of LOSS_TERMS) {
        // A term left out of the objective is 0, as on a step without norms (and may not be
        // computable: the reference L_SE without its diff-bank rows).
        if (!active.has(term)) {
          norms[term] = tf.scalar(0);
          continue;
        }
        if (!this.differentiable(term)) {
          values[term] = tf.tidy(
            () => this.lossGraph(inputs, new Set([term]), statsUpdated)[term] ?? tf.scalar(0),
          );
          norms[term] = tf.scalar(0);
          continue;
        }
        let squares = 0;
        const { value, grads } = variableGrads(
          () => {
            const terms = this.lossGraph(inputs, new Set([term]), statsUpdated);
            values[term] = tf.keep(terms[term]!);
            return tf.mul(terms[term]!, this.weight(term)) as tf.Scalar;
          },
          params,
          host ? { onGradient: (p, g) => (squares += sum.addHost(p, g)) } : {},
        );
        value.dispose();
        norms[term] = host ? tf.scalar(Math.sqrt(squares)) : globalNorm(Object.values(grads));
        for (const p of params) if (grads[p.name]) sum.addTensor(p, grads[p.name]);
      }
    } else {
      const { value, grads } = variableGrads(
        () => {
          const terms = this.lossGraph(inputs, active, new Set());
          let total: tf.Scalar = tf.scalar(0);
          for (const term of LOSS_TERMS) {
            const t = terms[term];
            if (!t) continue;
            values[term] = tf.keep(t);
            if (active.has(term)) total = tf.add(total, tf.mul(t, this.weight(term)));
          }
          return total;
        },
        params,
        host ? { onGradient: applyNow } : {},
      );
      value.dispose();
      for (const p of params) if (grads[p.name]) sum.addTensor(p, grads[p.name]);
    }
    for (const term of LOSS_TERMS) values[term] ??= tf.scalar(0);

    // A parameter no pass reached still takes Adam's step with a zero gradient, as it always has.
    for (const p of params) {
      if (updated.has(p)) continue;
      const g = sum.take(p) ?? zerosFor(p, host);
      this.adam.update(nameOf.get(p)!, p, g);
      if (g instanceof tf.Tensor) g.dispose();
    }
    sum.dispose();

    // The step's only read after the update: the loss terms (and norms), 4–8 floats in one transfer.
    const readback = tf.tidy(() =>
      tf.stack([...LOSS_TERMS.map((t) => values[t]!), ...(measure ? LOSS_TERMS.map((t) => norms[t]!) : [])]),
    );
    const nums = await readback.data();
    tf.dispose([readback, ...Object.values(values), ...Object.values(norms), ...feats]);
    if (sel) {
      disposeSelection(sel.normal);
      disposeSelection(sel.abnormal);
    }

    const loss = { kd: nums[0], ot: nums[1], con: nums[2], se: nums[3], total: 0 };
    loss.total = LOSS_TERMS.reduce((s, t) => s + (active.has(t) ? this.weight(t) * loss[t] : 0), 0);
    const gradNorm = measure ? { kd: nums[4], ot: nums[5], con: nums[6], se: nums[7] } : null;
    this.step += 1;
    const selected = inputs.selected;
    return { step: this.step, lr, loss, gradNorm, selected, batchSize: b };
  }

  /**
   * Which terms enter the objective. Plain RD has only L_KD. The reference triplet gathers channels
   * I[n,j] < 3k of memory item n (batch row n), so it is undefined when a level has fewer than 3k
   * channels or the batch is larger than the bank; it is then left out, with a note.
   */
  private activeTerms(
    sel: { normal: BankSelection; abnormal: BankSelection } | null,
    b: number,
  ): Set<LossTerm> {
    if (!sel) return new Set(['kd']);
    const terms = new Set<LossTerm>(['kd', 'ot', 'con']);
    if (this.config.paperTriplet) terms.add('se');
    else {
      const skipped = referenceTripletSkipNote({
        diffWidth: sel.normal.ranking.shape[1],
        minChannels: Math.min(...this.net.teacherChannels),
        batch: b,
        memoryItems: this.banks!.normal.sources.length,
      });
      if (skipped === null) terms.add('se');
      else this.note(skipped);
    }
    return terms;
  }

  /**
   * Reads what the step needs from the device before the tape starts, on every backend, in one
   * async transfer: the selected slots (for the UI), the diff-bank rows the triplet loss ranks and,
   * on GPU backends, the reference Sinkhorn cost matrices (one extra MSFF forward without statistics
   * updates). The ε-loop then runs in JS and the tape only sees constants, so no blocking read
   * happens inside it (a readSync stalls the GPU queue, and SwiftShader/WebGPU in a worker can lose
   * the device). On CPU/WASM the costs are read in the tape instead (`dualsOf`).
   */
  private async prepare(
    feats: Levels,
    sel: { normal: BankSelection; abnormal: BankSelection } | null,
    perm: number[],
    active: Set<LossTerm>,
  ): Promise<StepInputs> {
    const inputs: StepInputs = { feats, sel, perm, duals: null, rankings: null, selected: null };
    if (!sel) return inputs;
    const wantSe = active.has('se');
    const wantOt = active.has('ot') && !this.config.paperSinkhorn && !readsAreCopies();
    const b = perm.length;
    const packed = tf.tidy(() => {
      const parts: tf.Tensor[] = [sel.normal.index, sel.abnormal.index].map((i) => tf.cast(i, 'float32'));
      if (wantSe) parts.push(tf.reshape(sel.normal.ranking, [-1]), tf.reshape(sel.abnormal.ranking, [-1]));
      if (wantOt) {
        const fused = msff(this.net, sel.normal.inputs, { training: true, updateStats: false });
        for (const n of fused) parts.push(sinkhornCosts(...softmaxAndPermuted(n, perm)));
      }
      return tf.concat(parts);
    });
    const data = (await packed.data()) as Float32Array;
    packed.dispose();
    let at = 0;
    const take = (len: number): Float32Array => data.subarray(at, (at += len));
    inputs.selected = { normal: Array.from(take(b)), abnormal: Array.from(take(b)) };
    if (wantSe) {
      const bank = ({ ranking }: BankSelection): number[][] =>
        Array.from({ length: ranking.shape[0] }, () => Array.from(take(ranking.shape[1])));
      inputs.rankings = { normal: bank(sel.normal), abnormal: bank(sel.abnormal) };
    }
    if (wantOt) {
      const len = sinkhornCostsLength(b, b);
      inputs.duals = sel.normal.inputs.map(() => sinkhornDualsFromCosts(take(len), b, b));
    }
    return inputs;
  }

  /** The reference triplet reads memories built without gradients: no parameter can move it. */
  private differentiable(term: LossTerm): boolean {
    return term !== 'se' || this.config.paperTriplet;
  }

  private note(msg: string): void {
    if (!this.notes.includes(msg)) this.notes.push(msg);
  }

  /**
   * The forward graph for the requested terms. BatchNorm running statistics are updated by the first
   * pass through each module of a step only (`updated` remembers which), as the reference's single
   * forward does.
   */
  private lossGraph(
    inputs: StepInputs,
    want: Set<LossTerm>,
    updated: Set<string>,
  ): Partial<Record<LossTerm, tf.Scalar>> {
    const { feats, sel, perm, rankings } = inputs;
    const c = this.config;
    const mode = (key: string) => {
      const first = !updated.has(key);
      updated.add(key);
      return { training: true, updateStats: first, recompute: this.recompute };
    };
    const out: Partial<Record<LossTerm, tf.Scalar>> = {};
    if (!sel) {
      if (want.has('kd'))
        out.kd = kdLoss(feats, decode(this.net, feats, mode('decoder')), { perPixel: c.paperKdPerPixel });
      return out;
    }
    let fusedN: Levels | null = null;
    let fusedA: Levels | null = null;
    const normal = () => (fusedN ??= msff(this.net, sel.normal.inputs, mode('msff.normal')));
    const abnormal = () => (fusedA ??= msff(this.net, sel.abnormal.inputs, mode('msff.abnormal')));
    if (want.has('kd'))
      out.kd = kdLoss(feats, decode(this.net, normal(), mode('decoder')), { perPixel: c.paperKdPerPixel });
    if (want.has('ot')) {
      const levels = normal();
      const parts = levels.map((n, l) => {
        if (c.paperSinkhorn) return pairwiseOtLevel(n, levels.length);
        const [x, y] = softmaxAndPermuted(n, perm);
        return sinkhornFromDuals(x, y, dualsOf(inputs, l, x, y)).value;
      });
      out.ot = tf.addN(parts) as tf.Scalar;
    }
    if (want.has('con')) {
      out.con = tf.addN(normal().map((n, l) => contrastLoss(flat(abnormal()[l]), flat(n), 0.5))) as tf.Scalar;
    }
    if (want.has('se')) {
      const maps = (bank: Banks['normal']) => bank.levels.map((l) => l.maps);
      if (!rankings) throw new Error('L_SE needs the diff-bank rows read in prepare()');
      out.se = tripletLoss(
        maps(this.banks!.normal),
        rankings.normal,
        maps(this.banks!.abnormal),
        rankings.abnormal,
        {
          mode: c.paperTriplet ? 'paper' : 'reference',
        },
      ).total;
    }
    return out;
  }

  dispose(): void {
    this.adam.dispose();
  }
}

/** Everything one step's loss graph reads besides the weights. */
interface StepInputs {
  feats: Levels;
  sel: { normal: BankSelection; abnormal: BankSelection } | null;
  perm: number[];
  /** Reference Sinkhorn duals per level: read before the tape on GPUs, in it on CPU/WASM (`dualsOf`). */
  duals: SinkhornDuals[] | null;
  /** Diff-bank rows for the triplet loss, read before the tape. */
  rankings: { normal: number[][]; abnormal: number[][] } | null;
  /** Slot each batch row selected, per bank (for the report). */
  selected: { normal: number[]; abnormal: number[] } | null;
}

/**
 * Whether reading a tensor is a plain copy in host memory (CPU, WASM) rather than a wait on a GPU
 * queue.
 */
const readsAreCopies = (): boolean => tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';

/**
 * Level l's reference Sinkhorn duals. On GPUs `prepare` has read them before the tape. On CPU/WASM,
 * where a read is a copy, they are read here from the taped forward's own fused maps, the same
 * values (batch statistics do not depend on `updateStats`): this spares the extra MSFF forward that
 * `prepare` runs on GPUs, 8 % of a WRN50 DM-GRD step. Later passes of the step reuse them.
 */
function dualsOf(
  inputs: StepInputs,
  l: number,
  x: tf.Tensor2D, // [B,D] softmaxed fusion
  y: tf.Tensor2D, // [B,D] the same rows permuted
): SinkhornDuals {
  const known = inputs.duals?.[l];
  if (known) return known;
  if (!readsAreCopies()) throw new Error('L_OT needs the Sinkhorn duals read in prepare()');
  const costs = sinkhornCosts(x, y);
  const [n, m] = [x.shape[0], y.shape[0]];
  const duals = sinkhornDualsFromCosts(hostValues(costs).slice(), n, m);
  costs.dispose();
  (inputs.duals ??= [])[l] = duals;
  return duals;
}

/** The reference's L_OT operands: the batch's softmaxed fusions and the same rows permuted. */
function softmaxAndPermuted(x: tf.Tensor4D, perm: number[]): [tf.Tensor2D, tf.Tensor2D] {
  const p = tf.softmax(flat(x)) as tf.Tensor2D;
  return [p, permuteRows(p, perm)];
}

/**
 * Per-parameter gradients summed over a step's backward passes: tensors on the backend, or JS arrays
 * when Adam keeps its moments in host memory (the sums then never take WASM heap).
 */
class GradientSum {
  private readonly sums = new Map<tf.Variable, tf.Tensor | Float32Array>();

  constructor(private readonly host: boolean) {}

  /** Adds a final gradient handed over by the backward pass; returns its squared L2 norm. */
  addHost(p: tf.Variable, g: tf.Tensor): number {
    const v = hostValues(g);
    let acc = this.sums.get(p) as Float32Array | undefined;
    if (!acc) this.sums.set(p, (acc = new Float32Array(v.length)));
    let squares = 0;
    for (let i = 0; i < v.length; i++) {
      acc[i] += v[i];
      squares += v[i] * v[i];
    }
    return squares;
  }

  /** Adds a returned gradient and takes ownership of it. */
  addTensor(p: tf.Variable, g: tf.Tensor): void {
    if (this.host) throw new Error('GradientSum: tensor gradient in host mode');
    const prev = this.sums.get(p) as tf.Tensor | undefined;
    this.sums.set(p, prev ? tf.add(prev, g) : g);
    if (prev) tf.dispose([prev, g]);
  }

  /** The sum for `p`, now the caller's, or undefined if no pass reached it. */
  take(p: tf.Variable): tf.Tensor | Float32Array | undefined {
    const g = this.sums.get(p);
    this.sums.delete(p);
    return g;
  }

  dispose(): void {
    for (const g of this.sums.values()) if (g instanceof tf.Tensor) g.dispose();
    this.sums.clear();
  }
}

function zerosFor(p: tf.Variable, host: boolean): tf.Tensor | Float32Array {
  return host ? new Float32Array(p.size) : tf.zerosLike(p);
}

function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  // A chain of adds rather than one AddN: WebGPU's AddN binds every input to one shader and
  // returns wrong sums past the storage-buffer limit (hundreds of parameters here).
  return tf.tidy(
    () =>
      tf.sqrt(
        grads.reduce<tf.Tensor>((acc, g) => tf.add(acc, tf.sum(tf.square(g))), tf.scalar(0)),
      ) as tf.Scalar,
  );
}
