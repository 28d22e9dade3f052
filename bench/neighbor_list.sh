#!/usr/bin/env bash
# Neighbour-list build on Si diamond supercells (a = 5.431 Å, rc = 5 Å), 10^3 to 10^6 atoms: time per atom and
# pairs per second for full and half builds and for a skin update, and ASE's neighbor_list on the same
# structures as the named baseline (up to 10^5 atoms; skipped without python3 + ASE).
# Usage: bench/neighbor_list.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: neighbor_list.sh BUILD_DIR}
prog="$build/bench/bench_neighbor_list"
[ -x "$prog" ] || { echo "neighbor_list: $prog not built (make bench builds it: cmake -DMLP_BUILD_BENCH=ON, needs Google Benchmark)" >&2; exit 1; }
# The baseline needs a python3 with ASE (Debian's python3-ase is under /usr/bin; a python3 earlier on PATH may lack it).
python=${MLP_PYTHON3:-}
if [ -z "$python" ]; then
  python=python3
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import ase' 2>/dev/null; then python=$candidate; break; fi
  done
fi
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$prog" --benchmark_format=json --benchmark_min_time=0.5 >"$json" 2>/dev/null

"$python" - "$json" <<'PY'
import json, sys, time

runs = json.load(open(sys.argv[1]))["benchmarks"]
ctx = json.load(open(sys.argv[1]))["context"]

def silicon(n):
    # Same structure as bench_neighbor_list.cpp: cubic diamond n×n×n, rattled by the same LCG pattern.
    a = 5.431
    basis = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0),
             (.25, .25, .25), (.25, .75, .75), (.75, .25, .75), (.75, .75, .25)]
    state = 12345
    pos = []
    for x in range(n):
        for y in range(n):
            for z in range(n):
                for b in basis:
                    r = []
                    for c, o in zip((x, y, z), b):
                        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
                        r.append(a * (c + o) + ((state >> 8) / 16777216.0 - 0.5) * 0.05)
                    pos.append(r)
    return pos, a * n

def ase_time(n):
    """Best of a few ASE neighbor_list('ijdD') builds (what a model needs: indices, distances, vectors)."""
    try:
        import numpy as np
        from ase import Atoms
        from ase.neighborlist import neighbor_list
    except ImportError:
        return None, None
    pos, L = silicon(n)
    atoms = Atoms("Si%d" % len(pos), positions=np.array(pos), cell=[L, L, L], pbc=True)
    best, pairs = float("inf"), 0
    for _ in range(3 if len(pos) <= 20000 else 1):
        t0 = time.process_time()
        i, j, d, D = neighbor_list("ijdD", atoms, 5.0)
        best = min(best, time.process_time() - t0)
        pairs = len(i)
    return best, pairs

def row(name, r):
    atoms = r["atoms"]
    # CPU time of the process: the machines this runs on are often shared, which inflates wall-clock time.
    secs = r["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[r["time_unit"]]
    return atoms, secs, r["pairs_per_atom"] * atoms

by_kind = {}
for r in runs:
    kind, n = r["name"].split("/")[:2]
    by_kind.setdefault(kind, []).append((int(n), r))

print("# neighbour list, Si diamond a = 5.431 Å, rc = 5 Å, %d CPU(s) @ %s MHz, %s" %
      (ctx["num_cpus"], ctx["mhz_per_cpu"], ctx["date"]))
print("%-10s %9s %10s %12s %12s %14s %14s %9s" %
      ("kind", "atoms", "pairs", "ms/build", "ns/atom", "pairs/s", "ASE ns/atom", "ASE/mlp"))
for kind, title in (("BM_BuildFull", "full"), ("BM_BuildHalf", "half"), ("BM_UpdateFull", "update")):
    for n, r in by_kind.get(kind, []):
        atoms, secs, pairs = row(kind, r)
        base = ""
        ratio = ""
        if kind == "BM_BuildFull" and atoms <= 200000:
            t, ase_pairs = ase_time(n)
            if t is not None:
                if ase_pairs != int(pairs):
                    sys.exit("neighbor_list: ASE finds %d pairs, mlp %d" % (ase_pairs, pairs))
                base = "%.0f" % (t / atoms * 1e9)
                ratio = "%.1f" % (t / secs)
        print("%-10s %9d %10d %12.2f %12.0f %14.3e %14s %9s" %
              (title, atoms, pairs, secs * 1e3, secs / atoms * 1e9, pairs / secs, base or "-", ratio or "-"))
print("# times are CPU time of the process (mlp: mean over Google Benchmark's iterations; ASE: best of up to 3).")
print("# full/half: build from scratch; update: skin path (vectors and distances of stored pairs only).")
print("# ASE/mlp > 1 means mlp is faster; ASE builds the same full list ('ijdD') on the same structure.")
PY
