import * as tf from '@tensorflow/tfjs';
import { addRelu } from '../kernels/add-relu';
import { foldBatchNorm, frozenConv, type FrozenBatchNorm } from '../nn/frozen-conv';
import { ParamStore, Scope } from '../nn/params';
import { layerPlan, type BlockKind, type BlockPlan } from '../nn/resblock';

/**
 * A ResNet for inference only, as the teachers run it: every BatchNorm folded into the convolution
 * before it, so each convolution is one kernel with its bias and ReLU (`frozenConv`). The store
 * holds `<conv>.weight` and `<conv>.bias` under torchvision's module names (`conv1`,
 * `layer1.0.conv1` … `layer1.0.conv3`, `layer1.0.downsample`); both the torchvision ResNets and
 * the Keras ResNet50 fold onto them (`foldResNet`).
 */
export interface ResNetSpec {
  block: BlockKind;
  /** Blocks per layer: three for the teacher taps, a fourth for an ImageNet classifier. */
  layers: readonly number[];
  widthPerGroup: number;
  /**
   * Where a downsampling block's stride sits besides its shortcut: on the 3×3 (torchvision's v1.5)
   * or on the first 1×1 (the original ResNet, as Keras builds it).
   */
  strideOn: '3x3' | '1x1';
}

const PLANES = [64, 128, 256, 512] as const;

/** The block plans of each layer. */
export function resnetPlans(spec: ResNetSpec): BlockPlan[][] {
  let cin = 64;
  return spec.layers.map((blocks, i) => {
    const p = layerPlan(spec.block, cin, PLANES[i], blocks, i === 0 ? 1 : 2, spec.widthPerGroup, false);
    cin = p[p.length - 1].cout;
    return p;
  });
}

/** One convolution of the network: its folded name, filter shape and place. */
export interface ConvSite {
  /** Name in the folded store, e.g. `layer2.0.downsample`. */
  name: string;
  /** [K,K,Cin,Cout] */
  shape: [number, number, number, number];
  /** Null for the stem's `conv1`. */
  layer: number | null;
  block: number;
  /** 1–3 for conv1–conv3 of a block, 0 for its shortcut. */
  part: number;
}

/** Every convolution, stem first, in the order the forward pass runs them. */
export function convSites(spec: ResNetSpec): ConvSite[] {
  const sites: ConvSite[] = [{ name: 'conv1', shape: [7, 7, 3, 64], layer: null, block: 0, part: 1 }];
  resnetPlans(spec).forEach((plans, layer) =>
    plans.forEach((p, block) => {
      const at = (part: number, shape: ConvSite['shape'], local: string): void => {
        sites.push({ name: `layer${layer + 1}.${block}.${local}`, shape, layer, block, part });
      };
      if (p.kind === 'basic') {
        at(1, [3, 3, p.cin, p.width], 'conv1');
        at(2, [3, 3, p.width, p.cout], 'conv2');
      } else {
        at(1, [1, 1, p.cin, p.width], 'conv1');
        at(2, [3, 3, p.width, p.width], 'conv2');
        at(3, [1, 1, p.width, p.cout], 'conv3');
      }
      if (p.projection) at(0, [1, 1, p.cin, p.cout], 'downsample');
    }),
  );
  return sites;
}

/** A convolution's weights as a checkpoint holds them: filter, BatchNorm, and bias if it has one. */
export interface UnfoldedConv {
  filter: tf.Tensor4D; // [K,K,Cin,Cout]
  bn: FrozenBatchNorm;
  bias?: tf.Tensor1D; // [Cout]
}

/**
 * The folded store of a network whose convolutions `weightsOf` reads (tensors it owns, read and
 * left alone). A filter of the wrong shape throws, naming it, before anything is kept.
 */
export function foldResNet(
  spec: ResNetSpec,
  weightsOf: (site: ConvSite) => UnfoldedConv,
  label: string,
): ParamStore {
  const store = new ParamStore();
  try {
    for (const site of convSites(spec)) {
      const w = weightsOf(site);
      if (w.filter.shape.join() !== site.shape.join())
        throw new Error(`${label}: ${site.name} has a [${w.filter.shape}] filter, expected [${site.shape}]`);
      const { filter, bias } = foldBatchNorm(w.filter, w.bn, w.bias);
      store.addParam(`${site.name}.weight`, filter, false);
      store.addParam(`${site.name}.bias`, bias, false);
    }
    return store;
  } catch (e) {
    store.dispose();
    throw e;
  }
}

/**
 * The output of each of the first `layers` layers, NHWC at strides 4, 8, 16 (32): conv1 7×7/2 →
 * ReLU → max-pool 3×3/2 → layer1 …, on an input already normalised as the weights expect.
 */
export function frozenResNetForward(
  store: ParamStore,
  spec: ResNetSpec,
  x: tf.Tensor4D, // [N,H,W,3]
  layers = spec.layers.length,
): tf.Tensor4D[] {
  return tf.tidy(() => {
    const s = new Scope(store);
    let h = maxPool3x3s2(conv(s.sub('conv1'), x, 2, 3, true));
    return resnetPlans(spec)
      .slice(0, layers)
      .map(
        (plans, l) => (h = plans.reduce((y, p, i) => block(s.sub(`layer${l + 1}`).sub(i), y, p, spec), h)),
      );
  });
}

function conv(s: Scope, x: tf.Tensor4D, stride: number, pad: number, relu: boolean): tf.Tensor4D {
  return frozenConv(
    x,
    s.get('weight') as tf.Tensor4D,
    s.get('bias') as tf.Tensor1D,
    stride,
    pad,
    relu ? 'relu' : 'linear',
  );
}

function block(s: Scope, x: tf.Tensor4D, p: BlockPlan, spec: ResNetSpec): tf.Tensor4D {
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (p.kind === 'basic') {
      y = conv(s.sub('conv1'), x, p.stride, 1, true);
      y = conv(s.sub('conv2'), y, 1, 1, false);
    } else {
      const [first, middle] = spec.strideOn === '1x1' ? [p.stride, 1] : [1, p.stride];
      y = conv(s.sub('conv1'), x, first, 0, true);
      y = conv(s.sub('conv2'), y, middle, 1, true);
      y = conv(s.sub('conv3'), y, 1, 0, false);
    }
    const identity = p.projection ? conv(s.sub('downsample'), x, p.stride, 0, false) : x;
    return addRelu(y, identity);
  });
}

/** MaxPool 3×3/2 with padding 1: padding never wins a max, hence −Infinity, not zeros. */
function maxPool3x3s2(x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = tf.pad(
      x,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      -Infinity,
    );
    return tf.maxPool(padded, 3, 2, 'valid');
  });
}
