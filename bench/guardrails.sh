#!/usr/bin/env bash
# Proof that the short-range guardrail works (issue 8): GFN2-xTB ethanol at 500 K (../shared/data/xtb-molecules),
# GAP (soap-small) and linear (acsf-small) models fitted with the default ZBL baseline and with --no-zbl;
#   1. mlp-check fusion (check 9) on each model;
#   2. dimer scans of every element pair, 3.0 → 0.3 Å in 0.02 Å steps and from the pair's shortest training
#      distance in 0.005 Å steps: position of the energy minimum and the largest energy fall inside it, with xtb reference curves when `xtb` is installed (then also how much deeper than xtb each
#      model falls inside the data's shortest distance);
#   3. two rigid ethanol molecules pushed onto each other (O···O approach), same analysis;
#   4. a short Langevin run at 3000 K with each model: smallest interatomic distance reached.
# Writes SVG curves and a TSV table to OUT (default share/mlp/examples) and prints the table.
# Usage: bench/guardrails.sh [BUILD_DIR [OUT_DIR]]     (BUILD_DIR holds mlp-fit, mlp-eval, mlp-check, mlp-md)
# FIT_ARGS: extra mlp-fit options for all four fits (e.g. "--inner-cutoff --inner-width 0.2").
# Runtime: about 2-4 minutes on one core, most of it the GAP fits and the fusion checks.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$HERE/build}
OUT=${2:-$HERE/share/mlp/examples}
DATA=${MLP_SHARED_DATA:-$HERE/../shared/data}/xtb-molecules
export MLP_DATA_DIR=${MLP_DATA_DIR:-$HERE/share/mlp}
if [ ! -f "$DATA/ethanol_500K.extxyz" ]; then
  echo "guardrails: SKIPPED: $DATA/ethanol_500K.extxyz not found (the shared datasets are not checked out)" >&2
  exit 77
fi
for t in mlp-fit mlp-eval mlp-check mlp-md; do
  [ -x "$BIN/$t" ] || { echo "guardrails: $BIN/$t not found (give the build directory)" >&2; exit 2; }
done
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
log() { echo "guardrails: $*" >&2; }

# Every 4th frame: 250 frames of 9 atoms, and the three free atoms at the same level of theory, so that the
# isolated-atom energies (the far end of every dimer curve) are GFN2-xTB's and not a least-squares guess from one
# composition. Energies of `xtb 6.5.1 m.xyz --gfn 2 --sp --uhf U --norestart` for one atom (U = 1 for H, 2 for C
# and O): -0.393482763936, -1.793296371365, -3.767606950376 Eh (× 27.211386 eV/Eh).
for a in "H -0.393482763936" "C -1.793296371365" "O -3.767606950376"; do
  set -- $a
  printf '1\nenergy=%.8f config_type=isolated_atom pbc="F F F"\n%s 0.0 0.0 0.0\n' \
    "$(awk -v e="$2" 'BEGIN{printf "%.8f", e * 27.211386}')" "$1"
done > "$W/train.xyz"
awk 'BEGIN{f=-1} NR%11==1{f++} f%4==0' "$DATA/ethanol_500K.extxyz" >> "$W/train.xyz"
head -11 "$DATA/ethanol_500K.extxyz" > "$W/ethanol.xyz"

log "fitting 4 models (GAP soap-small 200 sparse points, linear acsf-small; with and without ZBL)"
"$BIN/mlp-fit" -q ${FIT_ARGS:-} --model-type gap --preset soap-small --sparse-points 200 "$W/train.xyz" -o "$W/gap_zbl.mlp"
"$BIN/mlp-fit" -q ${FIT_ARGS:-} --model-type gap --preset soap-small --sparse-points 200 --no-zbl "$W/train.xyz" -o "$W/gap_nozbl.mlp"
"$BIN/mlp-fit" -q ${FIT_ARGS:-} --preset acsf-small "$W/train.xyz" -o "$W/linear_zbl.mlp"
"$BIN/mlp-fit" -q ${FIT_ARGS:-} --preset acsf-small --no-zbl "$W/train.xyz" -o "$W/linear_nozbl.mlp"

# Structures to scan: dimers of every pair (0.02 Å steps) and the ethanol pair approach.
python3 - "$W" <<'PY'
import sys
w = sys.argv[1]
pairs = [("H", "H"), ("H", "C"), ("H", "O"), ("C", "C"), ("C", "O"), ("O", "O")]
with open(f"{w}/dimers.xyz", "w") as f:
    for a, b in pairs:
        for k in range(136):
            r = 3.0 - 0.02 * k
            f.write(f'2\npair={a}-{b} r={r:.4f} pbc="F F F"\n{a} 0 0 0\n{b} {r:.6f} 0 0\n')
# Shortest distance of every element pair in the training frames (Å), "H-C" keys in atomic-number order; kept in
# r_data.json for the analysis below.
import json, math
shortest = {}
with open(f"{w}/train.xyz") as f:
    while (n := f.readline().strip()):
        f.readline()
        at = [f.readline().split() for _ in range(int(n))]
        for i in range(len(at)):
            for j in range(i):
                key = "-".join(sorted([at[i][0], at[j][0]], key=lambda s: {"H": 1, "C": 6, "O": 8}[s]))
                d = math.dist(list(map(float, at[i][1:4])), list(map(float, at[j][1:4])))
                shortest[key] = min(shortest.get(key, math.inf), d)
json.dump(shortest, open(f"{w}/r_data.json", "w"))
# Fine scans (0.005 Å steps) of each pair that the data contain, starting exactly at its shortest distance: a dive
# that starts right at the data edge falls between the 0.02 Å points above.
with open(f"{w}/fine.xyz", "w") as f:
    for pair, r0 in shortest.items():
        a, b = pair.split("-")
        for k in range(int((r0 - 0.3) / 0.005) + 1):
            f.write(f'2\npair={a}-{b} r={r0 - 0.005 * k:.6f} pbc="F F F"\n{a} 0 0 0\n{b} {r0 - 0.005 * k:.9f} 0 0\n')
lines = open(f"{w}/ethanol.xyz").read().splitlines()
atoms = [l.split()[0] for l in lines[2:11]]
xyz = [[float(v) for v in l.split()[1:4]] for l in lines[2:11]]
# Head-on approach of two ethanols, O first: molecule A with its O at the origin, u = unit vector from A's
# centroid to its O; molecule B is A inverted through the origin and moved to d·u, so the O atoms face each other
# at distance d and the rest of each molecule lies behind its O.
o = xyz[2]
rel = [[p[k] - o[k] for k in range(3)] for p in xyz]
c = [sum(p[k] for p in rel) / len(rel) for k in range(3)]
n = sum(v * v for v in c) ** 0.5
u = [-v / n for v in c]
with open(f"{w}/approach.xyz", "w") as f:
    for k in range(200):
        d = 6.0 - 0.05 * k  # O···O distance, Å
        b = [[-p[m] + d * u[m] for m in range(3)] for p in rel]
        closest = min(sum((p[m] - q[m]) ** 2 for m in range(3)) ** 0.5 for p in rel for q in b)
        if closest < 0.3:
            break
        f.write(f'18\nd_OO={d:.4f} closest={closest:.4f} pbc="F F F"\n')
        for s, p in zip(atoms + atoms, rel + b):
            f.write(f"{s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}\n")
# One bond of each kind compressed inside the molecule (the second atom moved along the bond, the rest fixed),
# 0.005 Å steps from the bond's length in the frame down to 0.5 Å: the pair as the model met it in training.
with open(f"{w}/bonds.xyz", "w") as f:
    for i, j in [(0, 6), (2, 3), (0, 1), (1, 2)]:  # C-H, O-H, C-C, C-O of ethanol.xyz (atoms C C O H H H H H H)
        r0 = math.dist(xyz[i], xyz[j])
        u = [(xyz[j][m] - xyz[i][m]) / r0 for m in range(3)]
        for k in range(int((r0 - 0.5) / 0.005) + 1):
            r = r0 - 0.005 * k
            f.write(f'9\npair={atoms[i]}{i}-{atoms[j]}{j} r={r:.6f} pbc="F F F"\n')
            for n, (s, p) in enumerate(zip(atoms, xyz)):
                q = [xyz[i][m] + r * u[m] for m in range(3)] if n == j else p
                f.write(f"{s} {q[0]:.6f} {q[1]:.6f} {q[2]:.6f}\n")
PY

for m in gap_zbl gap_nozbl linear_zbl linear_nozbl; do
  "$BIN/mlp-eval" -q --model "$W/$m.mlp" --terms "$W/dimers.xyz" -o "$W/dimers_$m.xyz"
  "$BIN/mlp-eval" -q --model "$W/$m.mlp" --terms "$W/approach.xyz" -o "$W/approach_$m.xyz"
  "$BIN/mlp-eval" -q --model "$W/$m.mlp" "$W/fine.xyz" -o "$W/fine_$m.xyz"
  "$BIN/mlp-eval" -q --model "$W/$m.mlp" "$W/bonds.xyz" -o "$W/bonds_$m.xyz"
done

# xtb reference dimer curves (optional): GFN2-xTB, spin from the electron count (lowest multiplicity).
if command -v xtb >/dev/null 2>&1 && [ -z "${MLP_NO_XTB:-}" ]; then
  log "xtb reference dimer curves"
  python3 - "$W" <<'PY'
import os, subprocess, sys, re
w = sys.argv[1]
Z = {"H": 1, "C": 6, "O": 8}
pairs = [("H", "H"), ("H", "C"), ("H", "O"), ("C", "C"), ("C", "O"), ("O", "O")]
os.makedirs(f"{w}/xtb", exist_ok=True)
with open(f"{w}/xtb.tsv", "w") as out:
    for a, b in pairs:
        uhf = (Z[a] + Z[b]) % 2
        for k in range(136):  # the model scans' distances
            r = 3.0 - 0.02 * k
            d = f"{w}/xtb/{a}{b}{k}"
            os.makedirs(d, exist_ok=True)
            open(f"{d}/m.xyz", "w").write(f"2\n\n{a} 0 0 0\n{b} {r:.6f} 0 0\n")
            p = subprocess.run(["xtb", "m.xyz", "--gfn", "2", "--sp", "--uhf", str(uhf), "--norestart"], cwd=d,
                               capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
            m = re.search(r"TOTAL ENERGY\s+(-?\d+\.\d+)\s+Eh", p.stdout)
            if m:
                out.write(f"{a}-{b}\t{r:.4f}\t{float(m.group(1)) * 27.211386:.8f}\n")
PY
fi

log "fusion checks (mlp-check --checks fusion)"
for m in gap_zbl gap_nozbl linear_zbl linear_nozbl; do
  "$BIN/mlp-check" -q --model "$W/$m.mlp" --checks fusion --report "$W/check_$m.json" --plot "$W/plots_$m" \
    "$W/ethanol.xyz" || true
done

log "Langevin MD at 3000 K, 2000 steps of 0.5 fs, with each model"
for m in gap_zbl gap_nozbl linear_zbl linear_nozbl; do
  "$BIN/mlp-md" -q --model "$W/$m.mlp" --ensemble langevin -T 3000 --dt 0.5 -n 2000 --traj-every 5 --seed 7 \
    --min-distance-factor 0.3 --stop-file "$W/stop_$m.xyz" "$W/ethanol.xyz" -o "$W/md_$m.xyz" \
    2> "$W/md_$m.err" && echo ok > "$W/md_$m.status" || echo "stopped: $(tail -1 "$W/md_$m.err")" > "$W/md_$m.status"
done

python3 - "$W" "$OUT" <<'PY'
import json, math, os, re, sys
w, out = sys.argv[1], sys.argv[2]
models = ["gap_zbl", "gap_nozbl", "linear_zbl", "linear_nozbl"]

def frames(path):
    with open(path) as f:
        while True:
            n = f.readline()
            if not n.strip():
                return
            n = int(n)
            info = f.readline()
            rows = [f.readline().split() for _ in range(n)]
            kv = {}
            for tok in info.replace('"', ' ').split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    kv[k] = v
            yield kv, rows

def curve(path, key):
    c = {}
    for kv, rows in frames(path):
        name = kv.get("pair", "ethanol")
        c.setdefault(name, []).append((float(kv[key]), float(kv["MLP_energy"]), float(kv.get("MLP_energy_zbl", 0.0))))
    return c

def analyse(points, r_data):
    """points from far to close (r, E). Returns: position of the lowest energy; the largest energy fall when
    walking inwards below r_data (the shortest such distance in the training data: there the model has seen
    nothing and only the baseline can keep atoms apart); whether the lowest energy is at the closest point."""
    es = [e for _, e in points]
    kmin = min(range(len(es)), key=lambda k: es[k])
    start = min(range(len(points)), key=lambda k: abs(points[k][0] - r_data))
    fall, peak = 0.0, es[start]
    for e in es[start + 1:]:
        peak = max(peak, e)
        fall = max(fall, peak - e)
    return points[kmin][0], fall, kmin == len(es) - 1

r_data = json.load(open(f"{w}/r_data.json"))  # shortest distance of each element pair in the training frames (Å)

dimers = {m: curve(f"{w}/dimers_{m}.xyz", "r") for m in models}
fine = {m: curve(f"{w}/fine_{m}.xyz", "r") for m in models}
bonds = {m: curve(f"{w}/bonds_{m}.xyz", "r") for m in models}
approach = {m: curve(f"{w}/approach_{m}.xyz", "d_OO") for m in models}
xtb = {}
if os.path.exists(f"{w}/xtb.tsv"):
    for line in open(f"{w}/xtb.tsv"):
        p, r, e = line.split("\t")
        xtb.setdefault(p, []).append((float(r), float(e)))

def below_reference(model_points, ref_points, r_data):
    """How much deeper than the reference the model falls inside r_data, both measured from their value at r_data:
    max of [E_ref(r) - E_ref(r_data)] - [E(r) - E(r_data)] (eV, >= 0) over the r < r_data where the model is below
    E(r_data), and where. A model whose fall is also the reference's (the bare dimer at the training data's level
    of theory) has 0; where the model is repulsive (ZBL) it is not compared: both repel, with different walls."""
    ref = {round(r, 3): e for r, e in ref_points}
    pts = [(round(r, 3), e) for r, e in model_points if round(r, 3) in ref]
    if not pts:
        return None
    start = min(range(len(pts)), key=lambda k: abs(pts[k][0] - r_data))
    r0, e0 = pts[start]
    worst, where = 0.0, r0
    for r, e in pts[start + 1:]:
        if e >= e0:
            continue
        d = (ref[r] - ref[r0]) - (e - e0)
        if d > worst:
            worst, where = d, r
    return worst, where

rows = [["system", "model", "r_data(A)", "r_min_noZBL(A)", "r_min_ZBL(A)", "fall<r_data_noZBL(eV)",
         "fall<r_data_ZBL(eV)", "fine_fall<r_data_ZBL(eV)", "verdict (below r_data)", "xtb_fall<r_data(eV)",
         "below_xtb_ZBL(eV)"]]
r_data["ethanol"] = 6.0  # no ethanol pairs in the data: the whole approach is unseen
for p in dimers["gap_zbl"]:
    r_data.setdefault(p, 3.0)  # a pair absent from the data (O-O in ethanol): the whole scan is unseen
for b in bonds["gap_zbl"]:  # "C0-H6": the shortest distance of its element pair
    x, y = (re.sub(r"\d", "", t) for t in b.split("-"))
    x, y = sorted([x, y], key=lambda s: {"H": 1, "C": 6, "O": 8}[s])
    r_data[b] = r_data[f"{x}-{y}"]
systems = [(p, dimers, p) for p in dimers["gap_zbl"]] + [("ethanol pair (d_OO)", approach, "ethanol")] + \
          [(f"bond {b} in ethanol", bonds, b) for b in bonds["gap_zbl"]]
for label, data, key in systems:
    for kind in ["gap", "linear"]:
        a = analyse([(r, e) for r, e, _ in data[f"{kind}_nozbl"][key]], r_data[key])
        b = analyse([(r, e) for r, e, _ in data[f"{kind}_zbl"][key]], r_data[key])
        def verdict(x):
            return "collapse" if x[2] else ("spurious minimum" if x[1] > 1e-6 else "ok")
        ref_fall, below = "-", "-"
        if key in xtb:
            ref_fall = f"{analyse(xtb[key], r_data[key])[1]:.3g}"
            c = below_reference([(r, e) for r, e, _ in data[f"{kind}_zbl"][key]], xtb[key], r_data[key])
            below = f"{c[0]:.3g} (at {c[1]:.2f} A)" if c and c[0] > 0 else "0"
        f = "-"
        if key in fine[f"{kind}_zbl"]:  # from exactly r_data, 0.005 Å steps
            pts = [(r, e) for r, e, _ in fine[f"{kind}_zbl"][key]]
            f = f"{analyse(pts, pts[0][0])[1]:.3g}"
        rows.append([label, kind, f"{r_data[key]:.2f}", f"{a[0]:.2f}", f"{b[0]:.2f}", f"{a[1]:.3g}", f"{b[1]:.3g}",
                     f, f"noZBL {verdict(a)}; ZBL {verdict(b)}", ref_fall, below])
checks = []
for m in models:
    try:
        r = json.load(open(f"{w}/check_{m}.json"))
        c = r["checks"][0]
        checks.append(f"{m}: fusion {c['status']}" + (f" ({c['message']})" if c.get("message") else ""))
    except Exception as e:
        checks.append(f"{m}: no report ({e})")
md = []
for m in models:
    dmin = math.inf
    for kv, atoms in frames(f"{w}/md_{m}.xyz"):
        p = [list(map(float, a[1:4])) for a in atoms]
        for i in range(len(p)):
            for j in range(i):
                dmin = min(dmin, math.dist(p[i], p[j]))
    status = open(f"{w}/md_{m}.status").read().strip()
    md.append(f"{m}: 3000 K Langevin (1 ps), smallest interatomic distance {dmin:.3f} A, {status}")

with open(f"{out}/guardrails.tsv", "w") as f:
    for r in rows:
        f.write("\t".join(r) + "\n")
    for c in checks + md:
        f.write("# " + c + "\n")
width = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
for r in rows:
    print("  ".join(v.ljust(width[k]) for k, v in enumerate(r)))
print()
for c in checks + md:
    print(c)

# SVG: one panel per pair (and the ethanol approach), E(r) − E(far end) on an asinh scale, GAP and linear with
# and without ZBL, xtb where available.
def svg(panels, path, title):
    cols, pw, ph = 4, 300, 230
    rows_n = (len(panels) + cols - 1) // cols
    W, H = cols * pw, rows_n * ph + 50
    s = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' font-family='sans-serif' font-size='11'>",
         "<rect width='100%' height='100%' fill='white'/>",
         f"<text x='{W/2}' y='18' text-anchor='middle' font-size='14' font-weight='bold'>{title}</text>"]
    styles = {"gap_zbl": ("#d62728", ""), "gap_nozbl": ("#1f77b4", ""), "linear_zbl": ("#d62728", "5,3"),
              "linear_nozbl": ("#1f77b4", "5,3"), "xtb": ("#000000", "1,3")}
    names = {"gap_zbl": "GAP + ZBL (default)", "gap_nozbl": "GAP --no-zbl", "linear_zbl": "linear + ZBL",
             "linear_nozbl": "linear --no-zbl", "xtb": "GFN2-xTB"}
    lo, hi = -4.0, 8.0
    for n, (name, series, xlabel) in enumerate(panels):
        ox, oy = (n % cols) * pw + 45, (n // cols) * ph + 40
        iw, ih = pw - 60, ph - 60
        xs = [x for pts in series.values() for x, _ in pts]
        x0, x1 = min(xs), max(xs)
        X = lambda x: ox + (x - x0) / (x1 - x0) * iw
        Y = lambda y: oy + ih - (max(lo, min(hi, y)) - lo) / (hi - lo) * ih
        s.append(f"<rect x='{ox}' y='{oy}' width='{iw}' height='{ih}' fill='none' stroke='#333'/>")
        s.append(f"<text x='{ox + iw/2}' y='{oy - 5}' text-anchor='middle' font-weight='bold'>{name}</text>")
        for t in range(int(math.ceil(x0 * 2)), int(x1 * 2) + 1):
            x = t / 2
            s.append(f"<text x='{X(x):.1f}' y='{oy + ih + 13}' text-anchor='middle'>{x:g}</text>")
        for e in [-10, -1, 0, 1, 10, 100, 1000]:
            y = math.asinh(e)
            if lo <= y <= hi:
                s.append(f"<line x1='{ox}' x2='{ox+iw}' y1='{Y(y):.1f}' y2='{Y(y):.1f}' stroke='#ddd'/>")
                s.append(f"<text x='{ox - 3}' y='{Y(y) + 4:.1f}' text-anchor='end'>{e}</text>")
        s.append(f"<text x='{ox + iw/2}' y='{oy + ih + 27}' text-anchor='middle'>{xlabel}</text>")
        for key, pts in series.items():
            if not pts:
                continue
            far = max(pts)[1]
            d = " ".join(f"{X(x):.1f},{Y(math.asinh(e - far)):.1f}" for x, e in sorted(pts))
            color, dash = styles[key]
            s.append(f"<polyline fill='none' stroke='{color}' stroke-width='1.5' stroke-dasharray='{dash}' points='{d}'/>")
    lx = 45
    for key in ["gap_zbl", "gap_nozbl", "linear_zbl", "linear_nozbl", "xtb"]:
        color, dash = styles[key]
        s.append(f"<line x1='{lx}' x2='{lx+25}' y1='{H-12}' y2='{H-12}' stroke='{color}' stroke-width='2' stroke-dasharray='{dash}'/>")
        s.append(f"<text x='{lx+30}' y='{H-8}'>{names[key]}</text>")
        lx += 190
    s.append(f"<text x='{W-10}' y='{H-8}' text-anchor='end' fill='#555'>E - E(far), eV (asinh scale)</text>")
    s.append("</svg>")
    open(path, "w").write("\n".join(s) + "\n")

panels = []
for p in dimers["gap_zbl"]:
    series = {m: [(r, e) for r, e, _ in dimers[m][p]] for m in models}
    if p in xtb:
        series["xtb"] = xtb[p]
    panels.append((p + " dimer", series, "r (Å)"))
panels.append(("two ethanols, O···O approach", {m: [(r, e) for r, e, _ in approach[m]["ethanol"]] for m in models},
               "d(O···O) (Å)"))
svg(panels, f"{out}/guardrails_dimers.svg", "Close contact: ethanol models (GFN2-xTB, 500 K) with and without ZBL")
PY
log "wrote $OUT/guardrails_dimers.svg and $OUT/guardrails.tsv"
