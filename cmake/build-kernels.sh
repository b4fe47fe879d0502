#!/usr/bin/env bash
# Compiles cuda-kernels/ into target/classes/rft3d/cuda/rft3d_kernels.fatbin via CMake.
# Without nvcc or cmake the build goes on without GPU kernels (the engine then runs on the CPU) and says so.
set -euo pipefail
target="${1:?usage: build-kernels.sh TARGET_DIR}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$target/classes/rft3d/cuda"
if ! command -v nvcc >/dev/null 2>&1 || ! command -v cmake >/dev/null 2>&1; then
  echo "[rft3d] nvcc or cmake not found: building without CUDA kernels (the GPU engine will be unavailable)"
  exit 0
fi
cmake -S "$root/cmake" -B "$target/cuda-build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$target/cuda-build" >/dev/null
mkdir -p "$out"
cp "$target/cuda-build/rft3d_kernels.fatbin" "$out/"
echo "[rft3d] CUDA kernels: $out/rft3d_kernels.fatbin ($(wc -c <"$out/rft3d_kernels.fatbin") bytes)"
