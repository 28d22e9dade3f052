#!/usr/bin/env bash
# Install the Debian 12 packages mlp needs to build and test, if any is missing.
set -euo pipefail
packages=(cmake g++ make libcli11-dev libeigen3-dev gemmi-dev tao-pegtl-dev libstb-dev zlib1g-dev libxtensor-dev
          xtl-dev libxsimd-dev nlohmann-json3-dev catch2 libbenchmark-dev
          python3-ase python3-numpy lammps lammps-data man-db groff-base xtb libkim-api-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "mlp: installing Debian packages: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
