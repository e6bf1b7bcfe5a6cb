#!/usr/bin/env bash
# Install the Debian packages jjj needs, and only those that are missing; safe to run again and again.
# Used by `make demo` and `make test` on a fresh Debian machine. Prints what it installs.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && SUDO="sudo" || { echo "install-system: need root or sudo to install packages" >&2; exit 1; }
fi

missing=()
need_cmd() {  # need_cmd COMMAND PACKAGE: the package that provides a command
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}
need_pkg() {  # need_pkg PACKAGE: a library package, checked with dpkg
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1")
}

need_cmd redis-server redis-server
need_cmd redis-cli redis-tools
# PostgreSQL: the adapter storage tests run against a real server.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi
need_cmd pg_isready postgresql-client
# A Python with venv and pip (Debian splits them out of python3).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv python3-pip)
fi
need_cmd git git
need_cmd make make
need_cmd gcc gcc
# The report PDF (broker/pdf/): weasyprint's pango and HarfBuzz subsetting (much faster than fontTools), the
# CJK font every report is set in, and poppler's pdftotext/pdfdetach/pdffonts, which the PDF tests read with.
need_pkg libpango-1.0-0
need_pkg libpangoft2-1.0-0
need_pkg libharfbuzz-subset0
need_pkg fonts-noto-cjk
need_cmd pdftotext poppler-utils
# NSS's certutil: the PDF tests give poppler's pdfsig a certificate database that trusts the test CA.
need_cmd certutil libnss3-tools
# The portal's browser tests (tests/broker/web/browser/): Debian's Chromium, driven by Playwright for Python (no
# browser download: Playwright is pointed at /usr/bin/chromium).
need_cmd chromium chromium

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
