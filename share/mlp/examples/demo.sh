#!/usr/bin/env bash
# The 60-second demo: Stillinger-Weber silicon against PBE reference frames (see README.md here).
# Usage: demo.sh [build-dir]; outputs go to ./mlp-demo/
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-build}" && pwd)
data="$here/si_mlearn_test.extxyz"
out=${MLP_DEMO_OUT:-mlp-demo}
mkdir -p "$out"

echo "== 1. evaluate Stillinger-Weber Si on 25 PBE frames: predictions, error table, parity plot"
"$bin/mlp-eval" --model sw "$data" --per-atom -o "$out/predicted.extxyz" --table "$out/errors.tsv" --plot "$out/parity.svg"

echo "   (SW's zero of energy is separated atoms, VASP's is its pseudopotential reference: the energy error is"
echo "    mostly that constant offset per atom; forces and stress compare directly)"
echo "== 2. the same through a pipe (gzip in, extxyz out), only energies shown"
gzip -c "$data" | "$bin/mlp-eval" --model sw -q - | grep -o 'MLP_energy=[^ ]*' | head -3

echo "== 3. ZBL + Lennard-Jones as a sum of terms, with per-term energies"
head -n 65 "$data" | "$bin/mlp-eval" --model 'zbl+lj:epsilon=0.02,sigma=2.1' --terms -q - | grep -o 'MLP_energy[a-z_]*=[^ ]*'

echo "== 4. molecular dynamics: 300 steps of Bussi NVT at 800 K from the AIMD-NVT frame, thermo table and plot"
awk '!left { left = $1 + 2; f++ } f == 10 { print } { left-- }' "$data" |
  "$bin/mlp-md" --model sw --ensemble bussi --temperature 800 --steps 300 --traj-every 50 --thermo-every 50 \
    --thermo "$out/md_thermo.tsv" --plot "$out/md.svg" -o "$out/md_traj.extxyz" -
cut -f 1-4,9 "$out/md_thermo.tsv"

echo "== 5. descriptors: SOAP rows of every atom as a NumPy matrix with an index, and as a verified binary stream"
"$bin/mlp-describe" -q --preset soap-small --format npy "$data" -o "$out/soap.npy"
"$bin/mlp-describe" -q --preset soap-small --gradients "$data" -o "$out/soap.desc"
"$bin/mlp-describe" --inspect "$out/soap.desc" | head -n 6

echo "== 6. fit a sparse Gaussian-process (GAP) model on 20 frames, validate on 5 (errors on stderr)"
"$bin/mlp-fit" --model-type gap --preset soap-small --sparse-points 100 --valid-fraction 0.2 "$data" \
  -o "$out/si-gap.mlp" 2>&1 | grep -A2 "validation set errors"

echo "== 7. the fitted model: predictions with uncertainty, the physics battery, MD that collects uncertain frames"
"$bin/mlp-eval" -q --model "$out/si-gap.mlp" --uncertainty "$data" -o "$out/gap_predicted.extxyz"
grep -o 'MLP_energy_std=[^ ]*' "$out/gap_predicted.extxyz" | head -3
awk '!left { left = $1 + 2; f++ } f == 10 { print } { left-- }' "$data" > "$out/start.extxyz"
"$bin/mlp-check" --model "$out/si-gap.mlp" --checks 1,2,3,5,6,7 "$out/start.extxyz" 2>&1 | grep -E "^[0-9]+ |exit status"
"$bin/mlp-md" -q --model "$out/si-gap.mlp" --ensemble bussi --temperature 1200 --steps 100 --traj-every 50 \
  --max-uncertainty 0.015 --collect "$out/uncertain.extxyz" "$out/start.extxyz" -o "$out/gap_md.extxyz"
echo "   frames with an atom above 0.015 eV uncertainty, for relabelling: $(grep -c md_step "$out/uncertain.extxyz" || true)"

echo "== outputs in $out/: predicted.extxyz (MLP_energy, MLP_forces, MLP_stress, MLP_energies), errors.tsv, parity.svg,"
echo "   md_traj.extxyz (positions, velocities in Å/fs, MLP_*), md_thermo.tsv, md.svg, soap.npy (+ index, params),"
echo "   soap.desc, si-gap.mlp (model file), gap_predicted.extxyz (MLP_*_std), gap_md.extxyz, uncertain.extxyz"
