#!/usr/bin/env bash
# extxyz read throughput: mlp::ExtxyzReader (bench_extxyz_read) against ase.io.read(f, ':') (ASE, /usr/bin/python3)
# on the fitsnap_fe file(s) and the rMD17 aspirin training file of ../shared/data, in the same run.
# Usage: bench/extxyz_read.sh <build dir>      (run by bench/run.sh)
# Prints one table row per file: frames, size, frames/s and MB/s of each reader, and the speed ratio mlp/ASE.
# Both readers are timed over whole passes repeated for at least 1 s (mlp) / 2 s (ASE), file in the page cache;
# MB = 1e6 bytes of the file. Machine load matters: run it on a quiet machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: extxyz_read.sh <build dir>}" && pwd)
data="${MLP_SHARED_DATA:-$here/../../shared/data}"
if [ ! -d "$data" ]; then
  echo "SKIPPED: no shared datasets at $data"
  exit 0
fi
bin="$build/bench/bench_extxyz_read"
if [ ! -x "$bin" ]; then
  echo "bench_extxyz_read not built in $build (configure with -DMLP_BUILD_BENCH=ON and build target bench_extxyz_read)" >&2
  exit 1
fi
files=("$data"/fitsnap_fe/*.extxyz "$data"/rmd17/rmd17_aspirin_train01.extxyz)
for f in "${files[@]}"; do
  [ -e "$f" ] || { echo "SKIPPED: $f is missing"; exit 0; }
  cat "$f" >/dev/null  # warm the page cache
done
mlp_out=$("$bin" --min-time 1 "${files[@]}")
python=/usr/bin/python3
if "$python" -c 'import ase.io' 2>/dev/null; then
  ase_out=$("$python" "$here/extxyz_read_ase.py" --min-time 2 "${files[@]}")
  ase_version=$("$python" -c 'import ase; print(ase.__version__)')
else
  ase_out=""
  ase_version="not installed"
fi
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); ASE $ase_version"
printf '%-36s %7s %8s | %12s %9s | %12s %9s | %7s\n' file frames MB "mlp frames/s" "mlp MB/s" "ASE frames/s" "ASE MB/s" ratio
while read -r f frames bytes _ _ fps mbs; do
  name=$(basename "$f")
  afps="-"; ambs="-"; ratio="-"
  if [ -n "$ase_out" ]; then
    read -r _ _ _ _ _ afps ambs < <(grep -F "$f " <<<"$ase_out")
    ratio=$(awk -v a="$fps" -v b="$afps" 'BEGIN { printf "%.1fx", a / b }')
  fi
  printf '%-36s %7d %8.2f | %12.0f %9.1f | %12s %9s | %7s\n' "$name" "$frames" "$(awk -v b="$bytes" 'BEGIN{print b/1e6}')" \
    "$fps" "$mbs" "$afps" "$ambs" "$ratio"
done <<<"$mlp_out"
