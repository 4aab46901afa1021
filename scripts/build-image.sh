#!/usr/bin/env bash
# Builds a one-layer OCI image layout from Debian's static busybox and tars it:
#   scripts/build-image.sh OUT_DIR [REF]
# -> OUT_DIR/busybox-oci.tar (an OCI image-layout archive, importable with `ctr images import`).
# Deterministic: same busybox binary -> same digests. Needs busybox-static (apt), tar, gzip, sha256sum.
set -euo pipefail
OUT=${1:?usage: build-image.sh OUT_DIR [REF]}
REF=${2:-docker.io/library/busybox:latest}
BB=/bin/busybox
[ -x "$BB" ] && "$BB" --list-full >/dev/null 2>&1 || { echo "build-image: $BB (busybox-static) missing" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,home/app,var}
chmod 1777 "$root/tmp"
cp "$BB" "$root/bin/busybox"
while read -r applet; do
  [ "$applet" = "bin/busybox" ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done < <("$BB" --list-full)
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
wheel:x:10:root,app
app:x:1000:
nogroup:x:65534:
G
echo 'rxcontainerd-lab' > "$root/etc/hostname"
chown -R 0:0 "$root"; chown 1000:1000 "$root/home/app"

blobs=$work/layout/blobs/sha256
mkdir -p "$blobs"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"
layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$blobs/$layer"

put() { # put FILE -> prints "digest size", moves FILE into blobs
  local d s; d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1"); mv "$1" "$blobs/$d"; echo "$d $s"
}
printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]},"history":[{"created_by":"rxcontainerd scripts/build-image.sh (busybox-static)"}]}' > "$work/config.json"
read -r cfg cfg_size < <(put "$work/config.json")
printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cfg"'","size":'"$cfg_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}' > "$work/manifest.json"
read -r man man_size < <(put "$work/manifest.json")
tag=${REF##*:}
printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$man"'","size":'"$man_size"',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"'"$REF"'","org.opencontainers.image.ref.name":"'"$tag"'"}}]}' > "$work/layout/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"

mkdir -p "$OUT"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/layout" -cf "$OUT/busybox-oci.tar" oci-layout index.json blobs
echo "build-image: $OUT/busybox-oci.tar ($REF, manifest sha256:$man, layer diff sha256:$diff_id)" >&2
