#!/usr/bin/env bash
# An mlp model inside Debian's lmp through the KIM driver (kim/) against LAMMPS's native pair_style sw:
# Stillinger-Weber Si, 8000 atoms (10×10×10 diamond cells), 1000 K, NVE, 1 fs, neighbour skin 1 Å, 1 and 2 MPI
# ranks. Prints loop time per atom and step (µs) and CPU time (loop × LAMMPS's "CPU use", which exposes a
# shared machine); each configuration runs three times, the fastest counts.
# Usage: bench/kim_lammps.sh <build-dir> [steps]
set -euo pipefail
build=$(cd "${1:?usage: kim_lammps.sh <build-dir> [steps]}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
steps=${2:-300}
pot=/usr/share/lammps/potentials/Si.sw
driver="$build/kim/model-drivers/MLP_Driver/libkim-api-model-driver.so"
if ! command -v lmp > /dev/null || [ ! -r "$pot" ] || [ ! -r "$driver" ]; then
  echo "kim_lammps: needs lmp, $pot and the KIM driver ($driver), skipped"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export KIM_API_MODEL_DRIVERS_DIR="$build/kim/model-drivers" KIM_API_PORTABLE_MODELS_DIR="$work/models"
"$src/kim/mlp-kim-install" --model sw --name mlp_SW_Si --species Si --dir "$work/models" > /dev/null
body() {
  cat << LMP
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 10 0 10 0 10
create_box 1 box
create_atoms 1 box
mass 1 28.0855
$1
velocity all create 1000 4928 mom yes rot yes loop geom
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.001
fix 1 all nve
thermo $steps
run $steps
LMP
}
{ echo "units metal"; body "pair_style sw
pair_coeff * * $pot Si"; } > in.native
{ echo "kim init mlp_SW_Si metal"; body "kim interactions Si"; } > in.kim
best() {  # $1 input, $2 ranks -> "loop_us cpu_us" per atom-step (fastest of 3)
  local bl=1e30 bc=1e30 l c
  for _ in 1 2 3; do
    if [ "$2" = 1 ]; then lmp -nocite -log none -in "$1" > out 2>&1; else mpirun -np "$2" lmp -nocite -log none -in "$1" > out 2>&1; fi
    read -r l c < <(awk -v n=8000 -v s="$steps" '/^Loop time/ { t = $4 } /CPU use/ { u = $1 / 100 }
                      END { printf "%.4f %.4f\n", 1e6 * t / n / s, 1e6 * t * u / n / s }' out)
    bl=$(awk -v a="$l" -v b="$bl" 'BEGIN { print (a < b) ? a : b }')
    bc=$(awk -v a="$c" -v b="$bc" 'BEGIN { print (a < b) ? a : b }')
  done
  echo "$bl $bc"
}
printf "%-28s %12s %12s\n" "SW Si 8000 atoms, $steps steps" "loop µs/at/st" "CPU µs/at/st"
for np in 1 2; do
  command -v mpirun > /dev/null || [ "$np" = 1 ] || continue
  read -r nl nc <<< "$(best in.native $np)"
  read -r kl kc <<< "$(best in.kim $np)"
  printf "%-28s %12s %12s\n" "native sw, $np rank(s)" "$nl" "$nc" "KIM MLP_Driver sw, $np rank(s)" "$kl" "$kc"
  awk -v a="$kl" -v b="$nl" -v c="$kc" -v d="$nc" -v np="$np" \
    'BEGIN { printf "KIM / native, %d rank(s): loop %.2f×, CPU %.2f×\n", np, a / b, c / d }'
done
echo "machine: $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
