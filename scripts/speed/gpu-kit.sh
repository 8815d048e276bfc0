#!/usr/bin/env bash
# The WebGPU speed check on a GPU machine without a browser, prepared so that one call does all of it.
#
#   bash scripts/speed/gpu-kit.sh pack [kit]   here: bench:speed as one Node program, a Node binary,
#                                              dawn.node and the Vulkan loader, into kit/ (git-ignored)
#   bash scripts/speed/gpu-kit.sh run [kit]    there, with kit/ carried: unpacks under /tmp, then the
#                                              kernel checks, the peak, WRN50 inference and training
#                                              (with and without the product filter gradients),
#                                              one JSON report each and a log under $OUT
#
# GPU_KIT_TEACHER changes the teacher (default wide_resnet50_2); GPU_KIT_ARGS adds bench:speed flags
# to every phase, after its own (a rehearsal here on SwiftShader: GPU_KIT_TEACHER=resnet50
# GPU_KIT_ARGS='--size 32 --infer-batches 1 --train-batches 2 --repeats 1 --memory-items 3').
#
# The GPU machine has no npm registry, browser or display (docs/performance.md, "On a GPU
# machine without a browser"). Each phase has its own time limit and the phases go from cheapest to dearest, so a call cut
# short still brings back what it finished. GPU_KIT_PHASES picks phases (default: all, in order).
set -euo pipefail

cmd=${1:-}
kit=${2:-gpu-kit}
# The Vulkan loader, and the GL dispatch libraries NVIDIA's Vulkan driver (libGLX_nvidia) links.
loader_debs=(libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2)

pack() {
  rm -rf "$kit"
  mkdir -p "$kit/debs"
  npm run -s bench:speed:bundle
  cp -r dist-node "$kit/dist-node"
  xz -T0 -6 -c "$(command -v node)" >"$kit/node.xz"
  xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$kit/dawn.node.xz"
  # Debian's amd64 packages whatever this machine is; the lists go to /tmp, not the system's.
  local lists=/tmp/gpu-kit-apt
  local apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists" -oAPT::Sandbox::User=root)
  mkdir -p "$lists/partial"
  apt-get "${apt[@]}" -qq update
  (cd "$kit/debs" && apt-get "${apt[@]}" -qq download "${loader_debs[@]}")
  du -sh "$kit"
  echo "Carry '$kit' and run: bash scripts/speed/gpu-kit.sh run $kit"
}

unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

run() {
  local out=${OUT:-bench-results/gpu-kit}
  local tmp=/tmp/gpu-kit
  mkdir -p "$out" "$tmp/root"
  exec > >(tee -a "$out/gpu-kit.log") 2>&1
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [[ -f $icd && -z ${VK_ICD_FILENAMES:-} ]]; then
    # The GPU machine is bare and disposable: the loaders go where its driver expects them.
    for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
    ldconfig
    export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
  else
    for f in "$kit"/debs/*.deb; do dpkg -x "$f" "$tmp/root"; done
    export LD_LIBRARY_PATH="$tmp/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  unxz_to "$kit/node.xz" "$tmp/node"
  unxz_to "$kit/dawn.node.xz" "$tmp/dawn.node"
  chmod +x "$tmp/node"
  nvidia-smi -L 2>/dev/null || echo "no nvidia-smi; Vulkan ICD: ${VK_ICD_FILENAMES:-default}"
  "$tmp/node" --version

  local bench=("$tmp/node" "$kit/dist-node/bench-speed.mjs" --dawn "$tmp/dawn.node" --weights random)
  local teacher=${GPU_KIT_TEACHER:-wide_resnet50_2}
  # GPU_KIT_ARGS goes last to every phase: smaller sizes for a rehearsal on a machine without a GPU.
  local extra=()
  read -r -a extra <<<"${GPU_KIT_ARGS:-}"
  local failed=0
  phase() {
    local name=$1 limit=$2
    shift 2
    [[ " ${GPU_KIT_PHASES:-kernels infer train train-fg} " == *" $name "* ]] || return 0
    echo "=== $name (at most ${limit} s) $(date -u +%T)"
    if timeout -k 10 "$limit" "${bench[@]}" "$@" "${extra[@]}" --out "$out/$name.json"; then
      echo "=== $name ok $(date -u +%T)"
    else
      echo "=== $name failed (exit $?)"
      failed=1
    fi
  }
  local train=(--teachers "$teacher" --methods dmgrd --infer-batches 1 --train-batches 8 --repeats 3 --no-peak --no-profile)
  phase kernels 90 --kernels --peak-only
  phase infer 200 --teachers "$teacher" --methods dmgrd,rd --infer-batches 1,8 --skip-train --repeats 5 --no-peak
  phase train 150 "${train[@]}"
  phase train-fg 150 "${train[@]}" --tf-flags DMGRD_WEBGPU_PRODUCT_FILTER_GRAD=false
  return "$failed"
}

case $cmd in
  pack) pack ;;
  run) run ;;
  *)
    sed -n '2,18p' "$0"
    exit 2
    ;;
esac
