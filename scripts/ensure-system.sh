#!/usr/bin/env bash
# Install the system parts clusterpack needs (LibreOffice Writer headless with its Python bridge,
# free CJK fonts and an emoji outline font, poppler-utils, qpdf) when missing. As root: apt-get installs them. Otherwise:
# print the exact command to run and fail.
set -euo pipefail

packages=(libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-noto-cjk fonts-lxgw-wenkai fonts-liberation2
          fonts-symbola fontconfig poppler-utils qpdf)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A venv needs ensurepip; Debian's python3 has it only with python3-venv.
if ! python3 -c 'import ensurepip' 2>/dev/null; then
  ver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  missing+=("python${ver}-venv")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

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
