#!/usr/bin/env bash
# Unpacks MPICH (mpiexec.hydra, libmpich.so.12) into .cache/mpich WITHOUT installing it, so that the tests of
# @momentum-smoe/distributed check the MPICH ABI for real next to the system's Open MPI (installing both would make
# them fight over the mpirun alternatives). Idempotent. Where apt is not available it says so and exits 0: the MPICH
# tests then skip with the reason printed.
set -euo pipefail

dest="$(cd "$(dirname "$0")/../.." && pwd)/.cache/mpich"
if [ -x "$dest/usr/bin/mpiexec.hydra" ]; then
  echo "fetch-mpich: MPICH already unpacked in $dest"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "fetch-mpich: no apt-get/dpkg-deb on this machine; the MPICH tests skip" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work" "$dest.part"' EXIT
cd "$work"
# MPICH, its library, and those of their direct dependencies that are not installed (hydra needs libslurm).
packages=(mpich libmpich12)
for dep in $(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances "${packages[@]}" 2>/dev/null | awk '/Depends:/ { print $2 }' | grep -v '^<' | sort -u); do
  dpkg -s "$dep" >/dev/null 2>&1 || packages+=("$dep")
done
if ! apt-get download -qq "${packages[@]}" 2>/dev/null; then
  echo "fetch-mpich: could not download ${packages[*]} (no package lists, or no network); the MPICH tests skip" >&2
  exit 0
fi
mkdir -p "$dest.part"
for deb in *.deb; do dpkg-deb -x "$deb" "$dest.part"; done
mv "$dest.part" "$dest"
echo "fetch-mpich: unpacked ${packages[*]} into $dest"
