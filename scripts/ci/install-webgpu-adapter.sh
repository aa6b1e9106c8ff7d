#!/usr/bin/env bash
# Installs a software WebGPU adapter for `--backend webgpu` tests, only when it is absent (idempotent): Mesa's
# llvmpipe behind EGL, which Dawn (the `webgpu` npm package) drives through its OpenGL ES backend. Dawn opens the
# unversioned libEGL.so (libegl-dev); libegl-mesa0 is Mesa's EGL vendor and libgl1-mesa-dri holds llvmpipe
# (swrast_dri.so). @momentum-smoe/core picks this adapter with no environment variable set (docs/gpu.md).
set -euo pipefail
lib=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
have() { [ -e "$lib/libEGL.so" ] && [ -e "$lib/libEGL_mesa.so.0" ] && [ -e "$lib/dri/swrast_dri.so" ]; }
if have; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-webgpu-adapter: Mesa's EGL is missing and this is not root; install it with:" \
    "sudo apt-get install -y libegl-dev libegl-mesa0 libgl1-mesa-dri" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl-dev libegl-mesa0 libgl1-mesa-dri >/dev/null
have || { echo "install-webgpu-adapter: installed, but $lib/libEGL.so or swrast_dri.so is still missing" >&2; exit 1; }
echo "install-webgpu-adapter: Mesa $(dpkg-query -W -f='${Version}' libegl-mesa0) (llvmpipe through EGL)"
