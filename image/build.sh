#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds a bootable disk image of a Strata workstation from Debian 12, with
# mmdebstrap (only the Debian archive needs to be reachable) and the strata
# package of this checkout (scripts/build-deb.sh). Run as root.
#
# usage: image/build.sh [OPTIONS] OUTPUT
#
#   --theme NAME|FILE   the levels: themes/NAME.ini, themes/examples/NAME.ini
#                       or an INI file (default: default)
#   --user NAME         whose password unlocks the screen lock (default: user)
#   --password-file F   that user's password, first line of F (default: none,
#                       the account is locked and so is the screen once locked)
#   --version V         the image's version, what boot entries sort by: a
#                       newer version boots first (default: UTC date and time)
#   --slot-size MIB     size of each root slot (default: 1024)
#   --var-size MIB      size of the writable /var (default: 1024)
#   --test              a test build: kernel and systemd on a serial console
#                       (ttyS0), no "quiet"; never for a workstation
#   --break-session     (tests) a root whose session cannot start: strata's
#                       configuration is invalid, so boot counting must fall
#                       back to the other slot
#   --include PKGS      more Debian packages in the image, comma-separated
#   --deb DIR           use the strata*.deb in DIR instead of building them
#   --cache-dir DIR     what is kept between runs (default: $STRATA_IMAGE_CACHE
#                       or /var/cache/strata-image): the base system tarball,
#                       keyed by its package list, and the built .deb
#
# The disk (GPT, UEFI):
#   1 strata-esp      vfat: systemd-boot, /a and /b (kernel, initrd of each
#                     slot), /loader/entries/strata-VERSION[+TRIES].conf
#   2 strata-root-a   squashfs, the read-only root of slot A
#   3 strata-verity-a dm-verity hash tree of slot A
#   4 strata-root-b   5 strata-verity-b   the same for slot B (empty at first)
#   6 strata-var      ext4, writable: /var (the levels' homes and the audit
#                     log in /var/lib/strata, the journal)
#
# Boot: systemd-boot picks the entry with the highest version among those
# that have tries left (Boot Loader Specification sort-key and version); the
# kernel command line carries the slot's dm-verity root hash
# (strata.verity=DATA-PARTUUID:HASH-PARTUUID:ROOTHASH), which the initramfs
# (initramfs-tools, image/initramfs/) opens with --restart-on-corruption: a
# block that does not match its hash restarts the machine. A slot written by
# image/update.sh gets an entry with a boot counter (strata-V+3.conf);
# systemd-boot counts down each try, and systemd-bless-boot removes the
# counter once boot-complete.target is reached, which requires
# strata-ready.service: the session said READY=1. If the session does not
# come up, strata-ready.service fails and restarts the machine; once the
# counter is at 0 the entry sorts last and the previous slot boots. No
# getty, no root password (root is locked), no editing of the kernel command
# line in the boot loader, no shell in the initramfs (panic= reboots).
#
# The image is built as OUTPUT.tmp.PID and renamed to OUTPUT at the very
# end: a failed build never leaves anything in place of a good image.
set -euo pipefail

usage() {
	sed -n '/^# usage:/,/^#   --cache-dir/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "image/build.sh: $*" >&2
	exit 1
}

log() {
	echo "image/build.sh: [$(date +%H:%M:%S)] $*"
}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
theme=default
user=user
password_file=
version=$(date -u +%Y%m%d%H%M%S)
slot_mib=1024
var_mib=1024
esp_mib=256
verity_mib=32
test_build=0
break_session=0
deb_dir=
extra_packages=
cache_dir=${STRATA_IMAGE_CACHE:-/var/cache/strata-image}
suite=bookworm
mirror=http://deb.debian.org/debian
security_mirror=http://deb.debian.org/debian-security

while [ $# -gt 0 ]; do
	case $1 in
	--theme) theme=${2:?}; shift ;;
	--user) user=${2:?}; shift ;;
	--password-file) password_file=${2:?}; shift ;;
	--version) version=${2:?}; shift ;;
	--slot-size) slot_mib=${2:?}; shift ;;
	--var-size) var_mib=${2:?}; shift ;;
	--test) test_build=1 ;;
	--break-session) break_session=1 ;;
	--deb) deb_dir=${2:?}; shift ;;
	--include) extra_packages=${2:?}; shift ;;
	--cache-dir) cache_dir=${2:?}; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || usage
output=$1

# ---- checks before anything is written -------------------------------------

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap --mode=root, chroot, mounts)"
missing=()
for tool in mmdebstrap:mmdebstrap mksquashfs:squashfs-tools veritysetup:cryptsetup-bin \
	sfdisk:fdisk mkfs.vfat:dosfstools mcopy:mtools mkfs.ext4:e2fsprogs dpkg-deb:dpkg; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool%%:*} (package ${tool#*:})")
done
[ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (scripts/install-deps.sh)"
[[ $version =~ ^[0-9A-Za-z.~_-]+$ ]] || die "--version '$version': letters, digits and . ~ _ - only"
[[ $user =~ ^[a-z_][a-z0-9_-]*$ ]] || die "--user '$user' is not a valid user name"
[[ $slot_mib =~ ^[0-9]+$ && $slot_mib -ge 256 ]] || die "--slot-size: a number of MiB, at least 256"
[[ $var_mib =~ ^[0-9]+$ && $var_mib -ge 64 ]] || die "--var-size: a number of MiB, at least 64"
if [ -n "$password_file" ]; then
	[ -r "$password_file" ] || die "--password-file $password_file: cannot read it"
fi

case $theme in
*/* | *.ini) theme_file=$theme ;;
*)
	theme_file=$srcdir/themes/$theme.ini
	[ -f "$theme_file" ] || theme_file=$srcdir/themes/examples/$theme.ini
	;;
esac
[ -f "$theme_file" ] || die "theme '$theme': no such theme (themes/*.ini, themes/examples/*.ini or a file)"
theme_file=$(realpath "$theme_file")

output=$(realpath -m "$output")
outdir=$(dirname "$output")
[ -d "$outdir" ] || die "$outdir: no such directory"
# Root's alone: the cached roots hold /etc/shadow with the user's hash.
mkdir -p "$cache_dir" && chmod 0700 "$cache_dir" || die "cannot make the cache directory $cache_dir (0700)"

# Space: the root tree (~1.5 GiB) and the sparse disk while it is written.
need_kib=$(((slot_mib * 2 + 2048) * 1024))
for dir in "$cache_dir" "$outdir"; do
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
	[ "$avail" -ge "$need_kib" ] ||
		die "no space: $dir has $((avail / 1024)) MiB free, the build needs about $((need_kib / 1024)) MiB"
done

# ---- work area, cleaned whatever happens -------------------------------------

work=$(mktemp -d "$cache_dir/work.XXXXXX")
tmp_image=$output.tmp.$$
mounted=()
cleanup() {
	local m
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	rm -rf "$work"
	rm -f "$tmp_image"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the strata package ----------------------------------------------------------

if [ -z "$deb_dir" ]; then
	# Keyed by the content of every file of the checkout the package is made
	# from (not tests/, image/, doc/screenshots/: nothing of them is packaged).
	src_key=$(cd "$srcdir" && scripts/build-deb.sh --list-files |
		grep -zvE '^(tests/|image/|doc/screenshots/)' |
		sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
	deb_dir=$cache_dir/deb-$src_key
	if ! ls "$deb_dir"/strata_*.deb >/dev/null 2>&1; then
		log "building the strata package (scripts/build-deb.sh $deb_dir)"
		rm -rf "$deb_dir"
		"$srcdir/scripts/build-deb.sh" "$deb_dir" >"$work/build-deb.log" 2>&1 || {
			tail -n 30 "$work/build-deb.log" >&2
			die "building the strata package failed (above: the end of its log)"
		}
	else
		log "strata package: cached in $deb_dir"
	fi
fi
deb=$(ls "$deb_dir"/strata_*_amd64.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "no strata_*_amd64.deb in $deb_dir"

# ---- the base system, cached -------------------------------------------------------

# What the workstation runs besides strata: the kernel, systemd and logind,
# the initramfs with veritysetup, systemd-boot's EFI binary, the terminal the
# levels open, Mesa for GLES2 where it works. strata's own dependencies come
# from its package (the first of each alternative).
base_packages=(
	linux-image-amd64 initramfs-tools systemd systemd-sysv systemd-boot udev dbus
	libpam-systemd kmod cryptsetup-bin e2fsprogs dosfstools
	foot fonts-dejavu-core xkb-data libgl1-mesa-dri libegl-mesa0 libgles2
	passwd login
)
deb_depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' |
	grep -v '^$')
mapfile -t packages < <(printf '%s\n' "${base_packages[@]}" $deb_depends ${extra_packages//,/ } | sort -u)

mmdebstrap_version=$(mmdebstrap --version | awk '{ print $2 }')
base_key=$(printf '%s\n' "$suite" "$mirror" "$security_mirror" "$mmdebstrap_version" "${packages[@]}" |
	sha256sum | cut -c1-16)
base_tar=$cache_dir/base-$base_key.tar
if [ ! -f "$base_tar" ]; then
	log "base system: mmdebstrap $suite, ${#packages[@]} packages (cache: $base_tar)"
	start=$SECONDS
	if ! mmdebstrap --variant=apt --mode=root --format=tar \
		--aptopt='APT::Install-Recommends "false"' \
		--include="$(
			IFS=,
			echo "${packages[*]}"
		)" \
		"$suite" "$work/base.tar" \
		"deb $mirror $suite main" \
		"deb $mirror $suite-updates main" \
		"deb $security_mirror $suite-security main" >"$work/mmdebstrap.log" 2>&1; then
		grep -E '^(E:|W:)|Unable to locate|has no installation candidate|No space' \
			"$work/mmdebstrap.log" | head -n 20 >&2 || true
		tail -n 10 "$work/mmdebstrap.log" >&2
		die "mmdebstrap failed (above: what apt said; a missing package is named there)"
	fi
	mv "$work/base.tar" "$base_tar.tmp" && mv "$base_tar.tmp" "$base_tar"
	log "base system: $((SECONDS - start)) s"
else
	log "base system: cached ($base_tar)"
fi

# ---- the root tree, cached------------------------------------------------------------

# build_root: the root tree from the base, the package, the theme; then its
# squashfs, hash tree, kernel, initrd and first /var, into $root_cache.
build_root() {
root=$work/root
mkdir "$root"
tar -C "$root" -xf "$base_tar"
for fs in proc sys dev; do
	case $fs in
	proc) mount -t proc proc "$root/proc" ;;
	sys) mount -t sysfs sys "$root/sys" ;;
	dev) mount --bind /dev "$root/dev" ;;
	esac
	mounted+=("$root/$fs")
done
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

log "installing $(basename "$deb")"
cp "$deb" "$root/tmp/strata.deb"
in_root dpkg -i /tmp/strata.deb >"$work/dpkg.log" 2>&1 || {
	tail -n 20 "$work/dpkg.log" >&2
	die "installing $(basename "$deb") in the image failed (its dependencies are in the base list?)"
}
rm "$root/tmp/strata.deb"

# The configuration: the theme, then whose password unlocks the lock.
cp "$theme_file" "$root/etc/strata/strata.ini"
ini=$root/etc/strata/strata.ini
if grep -qE '^[[:space:]]*user[[:space:]]*=[[:space:]]*$' "$ini"; then
	sed -i -E "s/^[[:space:]]*user[[:space:]]*=[[:space:]]*$/user = $user/" "$ini"
elif grep -qE '^[[:space:]]*user[[:space:]]*=' "$ini"; then
	user=$(sed -n -E 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*([^[:space:];]+).*/\1/p' "$ini" | head -n1)
	log "the theme names the lock's user: $user"
elif grep -qE '^\[lock\]' "$ini"; then
	sed -i "/^\[lock\]/a user = $user" "$ini"
else
	printf '\n[lock]\nuser = %s\n' "$user" >>"$ini"
fi
if [ $break_session -eq 1 ]; then
	printf '\n[session]\nbanner_height = 1000000\n' >>"$root/etc/strata/strata.ini"
else
	in_root strata --validate -c /etc/strata/strata.ini >"$work/validate.log" 2>&1 || {
		cat "$work/validate.log" >&2
		die "theme '$theme' ($theme_file) is not a valid strata configuration (above)"
	}
fi

# The user whose password unlocks the screen: no home, no shell.
in_root useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
if [ -n "$password_file" ]; then
	printf '%s:%s\n' "$user" "$(head -n1 "$password_file")" | in_root chpasswd
else
	log "no --password-file: $user's account is locked, a locked screen cannot be unlocked"
fi
in_root passwd --lock root >/dev/null

# A test build shows strata's start-up lines (the renderer it chose, and
# why) on the serial console, once the session is up.
if [ $test_build -eq 1 ]; then
	mkdir -p "$root/etc/systemd/system/strata-ready.service.d"
	cat >"$root/etc/systemd/system/strata-ready.service.d/test-console.conf" <<'EOF'
# Test builds only: strata's "strata: ..." lines to the kernel log (serial).
[Service]
ExecStartPre=/bin/sh -c 'journalctl -b -u strata.service -o cat | grep "^strata: " | while read -r l; do echo "strata-ready: $l" >/dev/kmsg; done; true'
EOF
fi

# No magic SysRq (its SAK and reboot keys would end or restart the session
# from the keyboard: the boot entry's sysctl.kernel.sysrq=0 closes it when
# the kernel starts init, before any service; this file again after any
# sysctl reload) and no debug shell on tty9.
printf '# Strata workstation: no magic SysRq key.\nkernel.sysrq = 0\n' \
	>"$root/etc/sysctl.d/50-strata.conf"
in_root systemctl mask debug-shell.service >/dev/null 2>&1

# The session on tty1, nothing else on any console.
in_root systemctl enable strata.service strata-ready.service >/dev/null 2>&1
in_root systemctl set-default graphical.target >/dev/null 2>&1
in_root systemctl mask getty@.service serial-getty@.service autovt@.service \
	console-getty.service systemd-firstboot.service >/dev/null 2>&1
mkdir -p "$root/etc/systemd/logind.conf.d"
cat >"$root/etc/systemd/logind.conf.d/strata.conf" <<'EOF'
# Strata's session owns tty1; no getty is started on any other VT.
[Login]
NAutoVTs=0
ReserveVT=0
EOF
# A failed boot restarts the machine (and counts a try) instead of a shell.
for unit in emergency.service rescue.service; do
	mkdir -p "$root/etc/systemd/system/$unit.d"
	cat >"$root/etc/systemd/system/$unit.d/strata.conf" <<'EOF'
# No shell on a Strata workstation: restart, and let boot counting decide.
[Service]
ExecStart=
ExecStart=/bin/systemctl --force reboot
EOF
done
# Read-only root: /var and /tmp are mounted, the ESP when bless-boot needs it.
mkdir -p "$root/efi"
cat >"$root/etc/fstab" <<'EOF'
# Strata workstation: the root is read-only (squashfs under dm-verity).
PARTLABEL=strata-var  /var  ext4   defaults,nodev,nosuid  0 2
PARTLABEL=strata-esp  /efi  vfat   noauto,x-systemd.automount,umask=0077,nodev,nosuid,noexec  0 0
tmpfs                 /tmp  tmpfs  nodev,nosuid,mode=1777  0 0
EOF
: >"$root/etc/machine-id"

# The initramfs: veritysetup and the script that opens the root.
install -m 0755 "$srcdir/image/initramfs/hook" "$root/etc/initramfs-tools/hooks/strata-verity"
install -m 0755 "$srcdir/image/initramfs/local-top" \
	"$root/etc/initramfs-tools/scripts/local-top/strata-verity"
printf 'squashfs\ndm-verity\ndm-mod\nvirtio_blk\nvirtio_pci\n' >>"$root/etc/initramfs-tools/modules"
log "initramfs"
in_root update-initramfs -u -k all >"$work/initramfs.log" 2>&1 || {
	tail -n 20 "$work/initramfs.log" >&2
	die "update-initramfs failed (above)"
}

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$root/boot/initrd.img-${kernel##*/vmlinuz-}
sd_boot=$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -f "$kernel" ] && [ -f "$initrd" ] || die "no kernel or initrd in the image's /boot"
[ -f "$sd_boot" ] || die "no systemd-bootx64.efi in the image (package systemd-boot-efi)"
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"
cp "$sd_boot" "$work/systemd-bootx64.efi"

for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
	umount "${mounted[$i]}"
done
mounted=()

# /var starts as the image's /var; /boot is on the ESP, not in the root.
log "file systems"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
mkdir -p "$root/var/lib/strata" && chmod 0711 "$root/var/lib/strata"
mkfs.ext4 -q -L strata-var -d "$root/var" "$work/var.img" "${var_mib}M" ||
	die "mkfs.ext4 of /var failed (is --var-size $var_mib MiB enough?)"
rm -rf "${root:?}"/boot/*
mksquashfs "$root" "$work/root.squashfs" -comp zstd -Xcompression-level 3 -noappend -quiet -no-progress \
	>"$work/mksquashfs.log" 2>&1 || {
	tail -n 10 "$work/mksquashfs.log" >&2
	die "mksquashfs failed (above)"
}
veritysetup format "$work/root.squashfs" "$work/root.verity" >"$work/verity.txt" ||
	die "veritysetup format failed"
awk '/^Root hash:/ { print $3 }' "$work/verity.txt" >"$work/roothash"
local part=$root_cache.tmp.$$
rm -rf "$part"
mkdir "$part"
mv "$work"/{root.squashfs,root.verity,roothash,vmlinuz,initrd.img,systemd-bootx64.efi,var.img} "$part/"
touch "$part/done"
rm -rf "$root_cache"
mv "$part" "$root_cache"
rm -rf "$root"
# Keep the three newest roots.
ls -1dt "$cache_dir"/root-* 2>/dev/null | tail -n +4 | xargs -r rm -rf

}

# Everything the root is made from; not the version, which only the boot
# entry carries (strata.version= on the kernel command line).
# The password counts salted with a secret of the cache, so that the key
# (in the log) tells nothing about it.
salt_file=$cache_dir/key-salt
[ -s "$salt_file" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$salt_file") ||
	die "cannot write $salt_file"
root_key=$( (
	echo "$base_key $user $var_mib $break_session $test_build"
	sha256sum "$deb" "$theme_file" "$srcdir/image/build.sh" "$srcdir"/image/initramfs/* | cut -d' ' -f1
	[ -z "$password_file" ] || { cat "$salt_file"; head -n1 "$password_file"; } | sha256sum
) | sha256sum | cut -c1-16)
root_cache=$cache_dir/root-$root_key
if [ -f "$root_cache/done" ]; then
	log "root: cached ($root_cache)"
else
	build_root
fi
roothash=$(cat "$root_cache/roothash")
[ ${#roothash} -eq 64 ] || die "no root hash in $root_cache"
squash_bytes=$(stat -c %s "$root_cache/root.squashfs")
[ "$squash_bytes" -le $((slot_mib * 1024 * 1024)) ] ||
	die "no space: the root is $((squash_bytes / 1048576)) MiB, a slot only $slot_mib MiB (--slot-size)"
[ "$(stat -c %s "$root_cache/root.verity")" -le $((verity_mib * 1024 * 1024)) ] ||
	die "no space: the hash tree does not fit its $verity_mib MiB partition"
for f in root.squashfs root.verity vmlinuz initrd.img systemd-bootx64.efi var.img; do
	ln -sf "$root_cache/$f" "$work/$f"
done

# ---- the disk --------------------------------------------------------------------

log "disk $tmp_image"
total_mib=$((1 + esp_mib + 2 * (slot_mib + verity_mib) + var_mib + 1))
truncate -s "${total_mib}M" "$tmp_image"
esp_type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
root_type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
verity_type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5
var_type=4D21B016-B534-45C2-A9FB-5C16E091FD2D
sfdisk --quiet "$tmp_image" <<EOF || die "sfdisk failed on $tmp_image"
label: gpt
size=${esp_mib}MiB, type=$esp_type, name=strata-esp
size=${slot_mib}MiB, type=$root_type, name=strata-root-a
size=${verity_mib}MiB, type=$verity_type, name=strata-verity-a
size=${slot_mib}MiB, type=$root_type, name=strata-root-b
size=${verity_mib}MiB, type=$verity_type, name=strata-verity-b
size=${var_mib}MiB, type=$var_type, name=strata-var
EOF

# put_part IMAGE N FILE: FILE at the start of partition N.
put_part() {
	local start
	start=$(sfdisk --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['partitiontable']['partitions'][$2 - 1]['start'])")
	dd if="$3" of="$1" bs=512 seek="$start" conv=notrunc,sparse status=none ||
		die "writing $3 to partition $2 of $1 failed"
}

# The ESP: systemd-boot at the removable-media path, slot A's kernel.
mkfs.vfat -n STRATA-ESP -C "$work/esp.img" $((esp_mib * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/a ::/b
mcopy -i "$work/esp.img" "$work/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/esp.img" "$work/vmlinuz" ::/a/vmlinuz
mcopy -i "$work/esp.img" "$work/initrd.img" ::/a/initrd.img
# editor no: nobody edits the kernel command line (init=/bin/sh) at boot.
printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n' \
	>"$work/loader.conf"
mcopy -i "$work/esp.img" "$work/loader.conf" ::/loader/loader.conf

partuuid() {
	sfdisk --part-uuid "$tmp_image" "$1" | tr 'A-Z' 'a-z'
}
if [ $test_build -eq 1 ]; then
	console_args="console=ttyS0,115200 loglevel=6"
else
	console_args="quiet loglevel=3 systemd.show_status=false vt.global_cursor_default=0"
fi
# The template update.sh fills for the slot it writes (@SLOT@, @DATA@, @HASH@).
cat >"$work/strata-$version.conf" <<EOF
title Strata $version (slot @SLOT@)
sort-key strata
version $version
linux /@SLOT@/vmlinuz
initrd /@SLOT@/initrd.img
options root=/dev/mapper/root rootfstype=squashfs ro strata.slot=@SLOT@ strata.version=$version strata.verity=@DATA@:@HASH@:$roothash panic=10 systemd.gpt_auto=0 sysctl.kernel.sysrq=0 $console_args
EOF
sed -e "s/@SLOT@/a/g" -e "s/@DATA@/$(partuuid 2)/" -e "s/@HASH@/$(partuuid 3)/" \
	"$work/strata-$version.conf" >"$work/entry.conf"
mcopy -i "$work/esp.img" "$work/entry.conf" "::/loader/entries/strata-$version.conf"

put_part "$tmp_image" 1 "$work/esp.img"
put_part "$tmp_image" 2 "$work/root.squashfs"
put_part "$tmp_image" 3 "$work/root.verity"
put_part "$tmp_image" 6 "$work/var.img"
sync -f "$tmp_image"
mv "$tmp_image" "$output"
log "done: $output ($total_mib MiB, sparse; root $((squash_bytes / 1048576)) MiB squashfs, version $version, slot A, root hash $roothash)"
