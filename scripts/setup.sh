#!/usr/bin/env bash
# Shared setup for scripts/demo and scripts/test: system packages, a virtualenv, the project installed.
# Idempotent: a second run installs nothing new. Runs as root on Debian (as CI and the dev machines do).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
python_ok() { have python3 && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

python_ok || need_apt+=(python3 python3-venv python3-pip)
for pkg in "$@"; do
  case "$pkg" in
    espeak-ng) have espeak-ng || need_apt+=(espeak-ng) ;;
    lame) have lame || need_apt+=(lame) ;;
    sox) have sox || need_apt+=(sox) ;;
    chromium) have chromium || need_apt+=(chromium) ;;
    postgresql) have pg_ctlcluster || need_apt+=(postgresql) ;;
    node) have node && have npm || need_apt+=(nodejs npm) ;;
    libreoffice) have soffice || need_apt+=(libreoffice-calc-nogui) ;;
    java) have java || need_apt+=(default-jre-headless) ;;
  esac
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
extra="${STEGVIS_PIP_EXTRA:-}"
stamp=.venv/.stegvis-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== pip install -e .$extra"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".$extra"
  touch "$stamp"
fi
