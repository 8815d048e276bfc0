import * as tf from '@tensorflow/tfjs';

/**
 * Adam exactly as torch.optim.Adam (no weight decay, no amsgrad): bias-corrected moments and
 * eps added after the square root. Own implementation rather than tf.train.adam so the learning
 * rate can change every step and the moments can be saved in a checkpoint by parameter name.
 */
export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(
    readonly beta1 = 0.5,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`gradient for unknown parameter ${name}`);
      const m = this.slot(this.m, name, p);
      const v = this.slot(this.v, name, p);
      tf.tidy(() => {
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(c2)), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), lr / c1)));
        m.assign(mNew);
        v.assign(vNew);
      });
    }
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      const zeros = tf.zerosLike(like);
      s = tf.variable(zeros, false);
      zeros.dispose();
      map.set(name, s);
    }
    return s;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
