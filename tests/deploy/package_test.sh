#!/usr/bin/env bash
# The .deb: `cpack -G DEB` on the build directory, then `dpkg-deb --contents` must list the binary,
# the dashboard's files, the unit, the example sessions, the config (a conffile) and the docs, and
# `dpkg-deb --field` must name the package and its dependencies.
# Usage: package_test.sh CPACK BUILD_DIR WORKDIR
set -euo pipefail
cpack=$1 build=$2 workdir=$3
command -v dpkg-deb >/dev/null || { echo "FAIL: dpkg-deb not installed"; exit 1; }
rm -rf "$workdir" && mkdir -p "$workdir"
(cd "$workdir" && "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$workdir") >"$workdir/cpack.log" 2>&1 ||
  { echo "FAIL: cpack"; cat "$workdir/cpack.log"; exit 1; }
deb=$(find "$workdir" -maxdepth 1 -name 'headroom_*.deb' | head -1)
[[ -n "$deb" ]] || { echo "FAIL: no .deb in $workdir"; cat "$workdir/cpack.log"; exit 1; }
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
missing=0
for path in ./usr/bin/headroom ./usr/share/headroom/web/ ./usr/share/headroom/sessions/demo.json \
            ./usr/share/headroom/sessions/home-studio.json ./usr/lib/systemd/system/headroom.service \
            ./etc/headroom/headroom.json ./usr/share/doc/headroom/DEPLOY.md ./usr/share/doc/headroom/DEMO.md; do
  if grep -qx -- "$path" <<<"$contents"; then echo "  has $path"; else echo "FAIL: missing $path"; missing=1; fi
done
if [[ -f "$(dirname "$0")/../../web/index.html" ]]; then
  grep -qx -- "./usr/share/headroom/web/index.html" <<<"$contents" || { echo "FAIL: missing web/index.html"; missing=1; }
fi
web_files=$(grep -c "^./usr/share/headroom/web/.*[^/]$" <<<"$contents" || true)
((web_files > 0)) || { echo "FAIL: no dashboard files under /usr/share/headroom/web"; missing=1; }
echo "  $web_files files under /usr/share/headroom/web"
((missing == 0)) || { dpkg-deb --contents "$deb"; exit 1; }

[[ "$(dpkg-deb --field "$deb" Package)" == headroom ]] || { echo "FAIL: package name"; exit 1; }
depends=$(dpkg-deb --field "$deb" Depends)
for dep in "libjack-jackd2-0 | libjack0" libsndfile1 libssl3 adduser; do
  grep -qF "$dep" <<<"$depends" || { echo "FAIL: Depends lacks '$dep': $depends"; exit 1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles | grep -qx /etc/headroom/headroom.json ||
  { echo "FAIL: /etc/headroom/headroom.json is not a conffile"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./postinst | grep -q "adduser --system" ||
  { echo "FAIL: postinst does not create the headroom user"; exit 1; }
# The binary in the package runs (stripped, nothing missing).
mkdir -p "$workdir/root" && dpkg-deb -x "$deb" "$workdir/root"
"$workdir/root/usr/bin/headroom" --help >/dev/null || { echo "FAIL: the packaged headroom does not run"; exit 1; }
echo "PASS"
