#!/usr/bin/env bash
# Install the system parts clusterpack needs (LibreOffice Writer headless with its Python bridge,
# free CJK fonts and an emoji outline font, poppler-utils, qpdf; Chromium and its driver for the web app's browser
# tests) when missing. As root: apt-get installs them. Otherwise:
# print the exact command to run and fail.
set -euo pipefail

packages=(libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-noto-cjk fonts-lxgw-wenkai fonts-liberation2
          fonts-symbola fontconfig poppler-utils qpdf chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A venv needs ensurepip; Debian's python3 has it only with python3-venv.
if ! python3 -c 'import ensurepip' 2>/dev/null; then
  ver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  missing+=("python${ver}-venv")
fi
# The 仿宋 role: the only free 仿宋 in Debian with full GB2312 coverage is FandolFang (GPL with the font
# exception), shipped inside texlive-lang-chinese (49 MB, and 274 MiB with the TeX Live it pulls in).
# Only its one 7 MB file is kept: the package is fetched with apt-get download and that file taken out.
FANG_DIR=/usr/local/share/fonts/clusterpack
FANG="$FANG_DIR/FandolFang-Regular.otf"
install_fang() {
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) || { [ -n "${1:-}" ] || apt-get update -qq; (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null); }
  dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb \
    | tar -x -C "$tmp" --wildcards '*/fandol/FandolFang-Regular.otf' --wildcards '*/doc/texlive-doc/fonts/fandol/README'
  mkdir -p "$FANG_DIR"
  install -m 0644 "$(find "$tmp" -name FandolFang-Regular.otf)" "$FANG"
  install -m 0644 "$(find "$tmp" -path '*fandol/README')" "$FANG_DIR/FandolFang-README"
  rm -rf "$tmp"
  fc-cache -f "$FANG_DIR" >/dev/null 2>&1 || true
}
if [ ${#missing[@]} -eq 0 ]; then
  [ -f "$FANG" ] && exit 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "缺少仿宋字体 FandolFang (missing the free 仿宋 face): run this script as root once (sudo bash scripts/ensure-system.sh)" >&2
    exit 6
  fi
  install_fang
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统组件 (missing system packages): ${missing[*]}" >&2
  echo "请以 root 运行 (run as root):  sudo apt-get update && sudo $cmd" >&2
  exit 6
fi
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -f "$FANG" ] || install_fang updated
