#!/usr/bin/env bash
# Builds rft3d.jar as it was at a commit, for before/after runs on the GPU machine:
#   bash bench/jar-at.sh COMMIT OUT_JAR [MAVEN_FLAG...]
# (a temporary git worktree, removed afterwards; the short commit id goes beside the jar, in OUT_JAR.commit).
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n 2,4p "$0"; exit 2; }
commit=$1 out=$(realpath -m "$2"); shift 2
tree=$(mktemp -d)
git worktree add -q --detach "$tree" "$commit"
trap 'git worktree remove --force "$tree"' EXIT
(cd "$tree" && mvn -q -B -ntp "$@" package -DskipTests)
mkdir -p "$(dirname "$out")" && cp "$tree/target/rft3d.jar" "$out"
git rev-parse --short "$commit" > "$out.commit"
