/**
 * FLOP counting from the kernels TF.js actually ran (the `kernels` list of `tf.profile`), so the
 * count follows the code instead of a second hand-written model of it. Only the multiply-accumulate
 * kernels are counted, at 2 FLOPs per MAC (the convention of published GFLOP figures); elementwise
 * ops, reductions, pads and copies are memory-bound and left out on purpose. A backward pass is
 * counted the same way from the kernels its tape ran (input and filter gradients are convs and
 * matmuls too), so a profiled training step gives the training FLOPs as actually executed.
 */

/** The part of a `tf.profile` kernel record the counter reads. */
export interface KernelShapes {
  name: string;
  /** Shapes of the kernel's inputs in TF.js' input order (null for an absent optional input). */
  inputShapes: (number[] | null)[];
  outputShapes: number[][];
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Kernels that do multiply-accumulate work (what the peak comparison is about). */
export const MAC_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
] as const;
export type MacKernel = (typeof MAC_KERNELS)[number];

export function isMacKernel(name: string): name is MacKernel {
  return (MAC_KERNELS as readonly string[]).includes(name);
}

/**
 * Multiply-accumulates of one kernel call, from its NHWC / HWIO shapes:
 * - conv: every output element sums kh·kw·Cin products: MAC = |y|·kh·kw·Cin;
 * - conv input gradient (also conv-transpose): the forward conv's MACs, |dy|·kh·kw·Cin;
 * - conv filter gradient: |dy|·kh·kw·Cin again (output is the filter [kh,kw,Cin,Cout]);
 * - depthwise: |y|·kh·kw (one input channel per output channel);
 * - matmul [..,M,K]x[..,K,N] (either side possibly transposed): |C|·K, where K = |A's last two
 *   dims| / M, which holds whichever way A is transposed.
 * Any other kernel: 0.
 */
export function kernelMacs(k: KernelShapes): number {
  const [a, b] = k.inputShapes;
  const y = k.outputShapes[0];
  if (!y) return 0;
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      if (!b) return 0;
      const [kh, kw, cin] = b;
      return prod(y) * kh * kw * cin;
    }
    case 'Conv2DBackpropInput': {
      // Inputs {dy, filter}: the forward conv mapped dx (Cin = filter[2]) to dy.
      if (!a || !b) return 0;
      const [kh, kw, cin] = b;
      return prod(a) * kh * kw * cin;
    }
    case 'Conv2DBackpropFilter': {
      // Inputs {x, dy}; the output is the filter [kh,kw,Cin,Cout].
      if (!b) return 0;
      const [kh, kw, cin] = y;
      return prod(b) * kh * kw * cin;
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      if (!b) return 0;
      return prod(y) * b[0] * b[1];
    }
    case 'DepthwiseConv2dNativeBackpropInput': {
      if (!a || !b) return 0;
      return prod(a) * b[0] * b[1];
    }
    case 'DepthwiseConv2dNativeBackpropFilter': {
      if (!b) return 0;
      return prod(b) * y[0] * y[1];
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      if (!a || a.length < 2 || y.length < 2) return 0;
      const m = y[y.length - 2];
      const kDim = (a[a.length - 2] * a[a.length - 1]) / m;
      return prod(y) * kDim;
    }
    default:
      return 0;
  }
}

/** FLOPs (2·MAC) of one kernel call. */
export function kernelFlops(k: KernelShapes): number {
  return 2 * kernelMacs(k);
}

export interface FlopCount {
  /** Σ 2·MAC over every kernel. */
  total: number;
  /** Per kernel name: calls and FLOPs (MAC kernels only). */
  byKernel: Record<string, { calls: number; flops: number }>;
}

export function countFlops(kernels: readonly KernelShapes[]): FlopCount {
  const byKernel: FlopCount['byKernel'] = {};
  let total = 0;
  for (const k of kernels) {
    const f = kernelFlops(k);
    if (!isMacKernel(k.name)) continue;
    const e = (byKernel[k.name] ??= { calls: 0, flops: 0 });
    e.calls += 1;
    e.flops += f;
    total += f;
  }
  return { total, byKernel };
}

/** A `tf.profile` kernel record after the profile resolved its timings. */
export interface TimedKernel extends KernelShapes {
  kernelTimeMs: number | { error: string };
}

export interface OpProfileRow {
  name: string;
  calls: number;
  ms: number;
  /** ms / Σ ms of every kernel in the profile. */
  share: number;
  flops: number;
  /** FLOPs / ms of this kernel name (null when it does no MAC work or took no measurable time). */
  gflops: number | null;
}

const kernelMs = (k: TimedKernel): number => (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0);

/** Per-kernel-name totals, slowest first; `top` rows (all when absent). */
export function opProfile(kernels: readonly TimedKernel[], top?: number): OpProfileRow[] {
  const rows = new Map<string, OpProfileRow>();
  let all = 0;
  for (const k of kernels) {
    const ms = kernelMs(k);
    all += ms;
    const r = rows.get(k.name) ?? { name: k.name, calls: 0, ms: 0, share: 0, flops: 0, gflops: null };
    r.calls += 1;
    r.ms += ms;
    r.flops += kernelFlops(k);
    rows.set(k.name, r);
  }
  const out = [...rows.values()].sort((p, q) => q.ms - p.ms);
  for (const r of out) {
    r.share = all > 0 ? r.ms / all : 0;
    r.gflops = r.flops > 0 && r.ms > 0 ? r.flops / r.ms / 1e6 : null;
  }
  return top === undefined ? out : out.slice(0, top);
}

/**
 * Throughput of the MAC kernels only (FLOPs / their own kernel ms): how close the convs and
 * matmuls themselves come to the backend's peak, apart from everything around them.
 */
export function macThroughput(
  kernels: readonly TimedKernel[],
  /** Only calls of at least this many FLOPs (the heavy ones), e.g. 1e8. */
  minFlops = 0,
): { calls: number; flops: number; ms: number; gflops: number } {
  let flops = 0;
  let ms = 0;
  let calls = 0;
  for (const k of kernels) {
    const f = kernelFlops(k);
    if (!isMacKernel(k.name) || f < minFlops) continue;
    flops += f;
    ms += kernelMs(k);
    calls += 1;
  }
  return { calls, flops, ms, gflops: ms > 0 ? flops / ms / 1e6 : 0 };
}
