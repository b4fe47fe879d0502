#!/usr/bin/env bash
# The project's test command (README, .ci/run): compiles everything, CUDA kernels included when nvcc is
# present, and runs every test; GPU tests skip with a message where there is no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
mvn -B -ntp package
