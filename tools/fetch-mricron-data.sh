#!/bin/sh
# Fetch a real brain MRI with atlas labels on the same grid from Debian's mricron-data package: the Colin27 T1
# brain (ch2bet.nii.gz, 181x217x181, 1 mm, uint8) and the AAL atlas (aal.nii.gz, labels 0..116, names in
# aal.nii.txt), for the brain demos (configs/demo/brain_*.json) and spec/datasets/mricron.spec.ts.
#
#   tools/fetch-mricron-data.sh [dest]      dest: $SEGVIT_MRICRON, else data/mricron
#
# Needs apt-get (Debian/Ubuntu; `apt-get update` first on a fresh machine) and dpkg-deb; no root, nothing is
# installed: the .deb is only unpacked in a temporary folder. Nothing here is committed (data/ is git-ignored); see
# the package's copyright file (copied next to the data) before redistributing the atlas.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-${SEGVIT_MRICRON:-$(dirname "$here")/data/mricron}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download mricron-data >/dev/null)
deb=$(ls "$work"/mricron-data_*.deb)
dpkg-deb -x "$deb" "$work/x"
templates="$work/x/usr/share/mricron/templates"
mkdir -p "$dest"
cp "$templates/ch2bet.nii.gz" "$templates/aal.nii.gz" "$templates/aal.nii.txt" "$dest/"
cp "$work/x/usr/share/doc/mricron-data/copyright" "$dest/copyright" 2>/dev/null || true
echo "source=$(basename "$deb")" > "$dest/SOURCE"
echo "mricron-data ready in $dest"
