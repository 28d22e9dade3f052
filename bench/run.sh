#!/usr/bin/env bash
# Run every benchmark script (bench/*.sh except this one) against the build directory given as $1.
# A script that fails is reported and the others still run; the exit status says whether all succeeded.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
failed=()
for script in "$here"/*.sh; do
  [ "$(basename "$script")" = run.sh ] && continue
  echo "== $(basename "$script" .sh)"
  bash "$script" "$build" || failed+=("$(basename "$script")")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: failed: ${failed[*]}" >&2
  exit 1
fi
