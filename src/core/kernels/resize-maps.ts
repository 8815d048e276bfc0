import * as tf from '@tensorflow/tfjs';
import { FlatProgram, fusedBackend, runProgram } from './webgpu';

/**
 * Bilinear resize of single-channel [N,h,w] maps with align_corners=True (the sampling of
 * nn/resize.ts): four reads per output pixel, where the composite path is two interpolation-matrix
 * products, the second a batch of N·outH tiny products.
 */
class ResizeMapsProgram extends FlatProgram {
  variableNames = ['X'];

  constructor(n: number, outH: number, outW: number) {
    super([n, outH, outW], 'dmgrd_resize_maps_align_corners');
  }

  getUserCode(): string {
    return `
      fn axisTaps(o : i32, outSize : i32, inSize : i32) -> vec3<f32> {
        var scale = 0.0;
        if (outSize > 1) { scale = f32(inSize - 1) / f32(outSize - 1); }
        let src = f32(o) * scale;
        let i0 = min(i32(floor(src)), inSize - 1);
        let i1 = min(i0 + 1, inSize - 1);
        return vec3<f32>(f32(i0), f32(i1), src - f32(i0));
      }

      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let h = uniforms.xShape.y;
          let w = uniforms.xShape.z;
          let ty = axisTaps(coords.y, uniforms.outShape.y, h);
          let tx = axisTaps(coords.z, uniforms.outShape.z, w);
          let base = coords.x * h * w;
          let r0 = base + i32(ty.x) * w;
          let r1 = base + i32(ty.y) * w;
          let x0 = i32(tx.x);
          let x1 = i32(tx.y);
          let top = (1.0 - tx.z) * X[r0 + x0] + tx.z * X[r0 + x1];
          let bottom = (1.0 - tx.z) * X[r1 + x0] + tx.z * X[r1 + x1];
          setOutputAtIndex(index, (1.0 - ty.z) * top + ty.z * bottom);
        }
      }
    `;
  }
}

/** align_corners bilinear resize of [N,h,w] maps on WebGPU; null elsewhere (use nn/resize.ts). */
export function resizeMapsWebGPU(
  maps: tf.Tensor3D, // [N,h,w]
  outH: number,
  outW: number,
): tf.Tensor3D | null {
  const backend = fusedBackend();
  if (!backend) return null;
  return runProgram<tf.Tensor3D>(backend, new ResizeMapsProgram(maps.shape[0], outH, outW), [maps]);
}
