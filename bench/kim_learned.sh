#!/usr/bin/env bash
# A learned model through the KIM driver in Debian's lmp against mlp-md with the same model and structure (issue
# 9 goal: overhead <= 10%, 2-rank speed-up >= 1.8x on >= 4000 atoms): a linear SOAP model (preset soap-small,
# r_cut 4.5 Å) fitted on the shipped Si frames, Si diamond 8x8x8 = 4096 atoms at 1000 K, NVE, 1 fs, one thread.
# Times are per atom and step: LAMMPS "Loop time" (and x "CPU use", which exposes a loaded machine), mlp-md wall
# time of N steps minus that of 0 steps (start-up, reading, first evaluation). Best of 2 runs each.
# Usage: bench/kim_learned.sh <build-dir> [steps]
set -euo pipefail
build=$(cd "${1:?usage: kim_learned.sh <build-dir> [steps]}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
steps=${2:-20}
driver="$build/kim/model-drivers/MLP_Driver/libkim-api-model-driver.so"
if ! command -v lmp > /dev/null || [ ! -r "$driver" ]; then
  echo "kim_learned: needs lmp and the KIM driver ($driver), skipped"; exit 0
fi
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
cd "$work"
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export KIM_API_MODEL_DRIVERS_DIR="$build/kim/model-drivers" KIM_API_PORTABLE_MODELS_DIR="$work/models"
"$build/mlp-fit" -q --preset soap-small "$src/share/mlp/examples/si_mlearn_test.extxyz" -o lin.mlp
"$src/kim/mlp-kim-install" --model "$work/lin.mlp" --name mlp_Lin_Si --species Si --dir "$work/models" > /dev/null
cat > in.kim << LMP
kim init mlp_Lin_Si metal
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 8 0 8 0 8
create_box 1 box
create_atoms 1 box
mass 1 28.0855
kim interactions Si
velocity all create 1000 4928 mom yes rot yes loop geom
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.001
fix 1 all nve
thermo $steps
run $steps
write_dump all custom start.dump id type x y z vx vy vz modify sort id
LMP
n=4096
lmp_best() {  # $1 ranks -> "loop_us cpu_us" per atom-step
  local bl=1e30 bc=1e30 l c
  for _ in 1 2; do
    if [ "$1" = 1 ]; then lmp -nocite -log none -in in.kim > out 2>&1; else mpirun -np "$1" lmp -nocite -log none -in in.kim > out 2>&1; fi
    read -r l c < <(awk -v n=$n -v s="$steps" '/^Loop time/ { t = $4 } /CPU use/ { u = $1 / 100 }
                      END { printf "%.3f %.3f\n", 1e6 * t / n / s, 1e6 * t * u / n / s }' out)
    bl=$(awk -v a="$l" -v b="$bl" 'BEGIN { print (a < b) ? a : b }')
    bc=$(awk -v a="$c" -v b="$bc" 'BEGIN { print (a < b) ? a : b }')
  done
  echo "$bl $bc"
}
read -r k1 k1c <<< "$(lmp_best 1)"
k2=-
if command -v mpirun > /dev/null; then read -r k2 _ <<< "$(lmp_best 2)"; fi
# The same 4096 atoms for mlp-md (LAMMPS's lattice, written by the 1-rank run).
awk 'BEGIN { L = 8 * 5.431 } /ITEM: ATOMS/ { on = 1; next } on { x[$1] = $3; y[$1] = $4; z[$1] = $5; n++ }
     END { printf "%d\nLattice=\"%g 0 0 0 %g 0 0 0 %g\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n", n, L, L, L
           for (i = 1; i <= n; i++) printf "Si %.10f %.10f %.10f\n", x[i], y[i], z[i] }' start.dump > si.xyz
md_time() {  # $1 steps -> seconds (best of 2)
  local best=1e30 t
  for _ in 1 2; do
    /usr/bin/time -f "%e" -o t "$build/mlp-md" -q --threads 1 -m lin.mlp -n "$1" -T 1000 --traj-every 1000000 \
      si.xyz -o /dev/null
    t=$(cat t)
    best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (a < b) ? a : b }')
  done
  echo "$best"
}
t0=$(md_time 0)
tn=$(md_time "$steps")
md=$(awk -v a="$tn" -v b="$t0" -v n=$n -v s="$steps" 'BEGIN { printf "%.3f", 1e6 * (a - b) / n / s }')
echo "# linear SOAP (soap-small) Si, $n atoms, $steps NVE steps, 1 thread per rank; µs per atom-step"
printf "%-34s %10s\n" "mlp-md (1 process)" "$md" "lmp + KIM driver, 1 rank (loop)" "$k1" "lmp + KIM driver, 1 rank (CPU)" "$k1c" \
  "lmp + KIM driver, 2 ranks (loop)" "$k2"
awk -v k="$k1" -v m="$md" -v k2="$k2" 'BEGIN { printf "KIM / mlp-md: %.2fx (overhead %+.0f%%)", k / m, 100 * (k / m - 1)
  if (k2 != "-") printf "; 2-rank speed-up %.2fx", k / k2; printf "\n" }'
echo "machine: $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
