#!/usr/bin/env bash
# Installs Open MPI (mpirun and libmpi.so.40) for the MPI tests of @momentum-smoe/distributed, with apt, only when
# mpirun is absent. Idempotent. Where apt or root is not available it says so and exits 0: the MPI tests then skip
# with the reason printed.
set -euo pipefail

if command -v mpirun >/dev/null 2>&1; then
  echo "install-openmpi: $(mpirun --version 2>/dev/null | head -n 1) already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-openmpi: no apt-get on this machine; install Open MPI yourself, or the MPI tests skip" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-openmpi: not root and no sudo; install openmpi-bin yourself, or the MPI tests skip" >&2
    exit 0
  fi
  sudo=(sudo)
fi
# Waits for another apt run to release its lock instead of failing at once.
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -qq)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends openmpi-bin
echo "install-openmpi: $(mpirun --version | head -n 1) installed"
