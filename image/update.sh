#!/bin/bash
# SPDX-License-Identifier: MIT
# Writes a new root into the inactive slot of a Strata disk (image/build.sh):
# the root and its dm-verity hash tree from slot A of NEW-IMAGE (a disk that
# image/build.sh made), its kernel and initrd, and a boot entry with a boot
# counter, so that the new version boots next and, if its session does not
# come up TRIES times, the machine goes back to the slot it came from.
#
# usage: image/update.sh [--tries N] [--slot a|b] [--force] DISK NEW-IMAGE
#
# DISK is a disk image file or a block device whose ESP is not mounted. The
# inactive slot is, in this order: --slot; the slot not named by strata.slot=
# on this machine's command line when DISK is the disk it booted from; a slot
# with no boot entry; a slot whose entry has no tries left (it failed); the
# slot with the older version. The new version must be newer than the one in
# the other slot (systemd-boot boots the newest entry that has tries left).
# A slot whose version is known to boot (its entry has no counter left) is
# never overwritten while the other slot holds none (a version not yet
# booted, or one that failed): that would leave nothing to fall back to
# (--force does it anyway). The slot written is checked against its root
# hash (veritysetup verify) before its entry is written.
# Order of the writes: the slot's old entry goes first, the new entry comes
# last, so an update cut short leaves a slot no entry points at, never one
# that boots half-written. Needs sfdisk, mtools, dd, python3.
set -euo pipefail

usage() {
	sed -n '/^# usage:/,/^# usage:/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "image/update.sh: $*" >&2
	exit 1
}

tries=3
slot=
force=0
while [ $# -gt 0 ]; do
	case $1 in
	--tries) tries=${2:?}; shift ;;
	--slot) slot=${2:?}; shift ;;
	--force) force=1 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 2 ] || usage
disk=$1
new=$2
[[ $tries =~ ^[1-9][0-9]?$ ]] || die "--tries: 1 to 99"
[ -z "$slot" ] || [[ $slot =~ ^[ab]$ ]] || die "--slot: a or b"
for f in "$disk" "$new"; do
	[ -r "$f" ] || die "$f: cannot read it"
done
for tool in sfdisk mcopy mdir mtype mdel dd python3 veritysetup; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing (packages fdisk, mtools, coreutils, python3, cryptsetup-bin)"
done
export MTOOLS_SKIP_CHECK=1

# part DISK NAME: "START SIZE UUID" (sectors of 512 bytes) of partition NAME.
part() {
	sfdisk --json "$1" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    if p.get("name") == sys.argv[1]:
        print(p["start"], p["size"], p["uuid"].lower())
        break
else:
    sys.exit(1)' "$2" || die "$1: no partition named $2 (not a Strata disk?)"
}

read -r disk_esp _ _ < <(part "$disk" strata-esp)
read -r new_esp _ _ < <(part "$new" strata-esp)
disk_fat="$disk@@$((disk_esp * 512))"
new_fat="$new@@$((new_esp * 512))"

# entries FAT: one line per entry of slot a or b: "SLOT VERSION TRIES FILE",
# TRIES being "-" for an entry without a counter (a good one).
entries() {
	local f text s v t
	for f in $(mdir -b -i "$1" ::/loader/entries 2>/dev/null | sed 's|.*/||' | grep '\.conf$'); do
		text=$(mtype -i "$1" "::/loader/entries/$f")
		s=$(printf '%s\n' "$text" | sed -n 's|^linux /\([ab]\)/vmlinuz.*|\1|p')
		v=$(printf '%s\n' "$text" | sed -n 's/^version //p')
		t=-
		if [[ $f =~ \+([0-9]+)(-[0-9]+)?\.conf$ ]]; then
			t=${BASH_REMATCH[1]}
		fi
		[ -n "$s" ] && echo "$s $v $t $f"
	done
}

new_entry=$(entries "$new_fat" | awk '$1 == "a"' | head -n1)
[ -n "$new_entry" ] || die "$new: no boot entry for slot a (not made by image/build.sh?)"
read -r _ new_version _ new_file <<<"$new_entry"
new_text=$(mtype -i "$new_fat" "::/loader/entries/$new_file")

current=$(entries "$disk_fat")
slot_line() { printf '%s\n' "$current" | awk -v s="$1" '$1 == s' | head -n1; }

if [ -z "$slot" ] && [ -b "$disk" ] && grep -qo 'strata.slot=[ab]' /proc/cmdline; then
	running=$(grep -o 'strata.slot=[ab]' /proc/cmdline | cut -d= -f2)
	root_disk=$(lsblk -no PKNAME "$(findmnt -no SOURCE /efi 2>/dev/null || echo /dev/null)" 2>/dev/null || true)
	if [ -n "$root_disk" ] && [ "/dev/$root_disk" = "$(realpath "$disk")" ]; then
		slot=$([ "$running" = a ] && echo b || echo a)
	fi
fi
if [ -z "$slot" ]; then
	a=$(slot_line a)
	b=$(slot_line b)
	if [ -z "$a" ]; then
		slot=a
	elif [ -z "$b" ]; then
		slot=b
	elif [ "$(echo "$a" | cut -d' ' -f3)" = 0 ]; then
		slot=a
	elif [ "$(echo "$b" | cut -d' ' -f3)" = 0 ]; then
		slot=b
	else
		older=$(printf '%s\n%s\n' "$(echo "$a" | cut -d' ' -f2)" "$(echo "$b" | cut -d' ' -f2)" |
			sort -V | head -n1)
		slot=$([ "$older" = "$(echo "$a" | cut -d' ' -f2)" ] && echo a || echo b)
	fi
fi
other=$([ "$slot" = a ] && echo b || echo a)
other_version=$(slot_line "$other" | cut -d' ' -f2)
if [ $force -eq 0 ] && [ "$(slot_line "$slot" | cut -d' ' -f3)" = - ] &&
	[ "$(slot_line "$other" | cut -d' ' -f3)" != - ]; then
	die "slot $slot holds version $(slot_line "$slot" | cut -d' ' -f2), the only one known to boot," \
		"and slot $other's ${other_version:-nothing} is not (yet): writing slot $slot would leave" \
		"nothing to fall back to (boot slot $other's version first, or --force)"
fi
if [ -n "$other_version" ] &&
	[ "$(printf '%s\n%s\n' "$other_version" "$new_version" | sort -V | tail -n1)" != "$new_version" -o \
	"$other_version" = "$new_version" ]; then
	die "version $new_version is not newer than slot $other's $other_version: it would never boot first"
fi

read -r src_root src_root_size _ < <(part "$new" strata-root-a)
read -r src_hash src_hash_size _ < <(part "$new" strata-verity-a)
read -r dst_root dst_root_size dst_root_uuid < <(part "$disk" "strata-root-$slot")
read -r dst_hash dst_hash_size dst_hash_uuid < <(part "$disk" "strata-verity-$slot")
# The squashfs says how long it is (bytes_used, at offset 40 of its superblock).
root_bytes=$(dd if="$new" bs=512 skip="$src_root" count=1 status=none | python3 -c '
import struct, sys
b = sys.stdin.buffer.read(48)
if b[:4] != b"hsqs":
    sys.exit("not a squashfs")
print(struct.unpack("<Q", b[40:48])[0])') || die "$new: slot a holds no squashfs root"
root_sectors=$(((root_bytes + 4095) / 4096 * 8))
[ "$root_sectors" -le "$dst_root_size" ] ||
	die "no space: the new root is $((root_bytes / 1048576)) MiB, slot $slot holds $((dst_root_size / 2048)) MiB"
[ "$src_hash_size" -le "$dst_hash_size" ] || die "no space: the new hash tree does not fit slot $slot's verity partition"

echo "image/update.sh: writing version $new_version into slot $slot of $disk (slot $other: ${other_version:-empty})"
# 1. The slot's old entry goes: nothing boots the slot while it is written.
old_file=$(slot_line "$slot" | cut -d' ' -f4)
if [ -n "$old_file" ]; then
	mdel -i "$disk_fat" "::/loader/entries/$old_file"
fi
# 2. The root and its hash tree, then the kernel and initrd.
dd if="$new" of="$disk" bs=512 skip="$src_root" seek="$dst_root" count="$root_sectors" \
	conv=notrunc status=none || die "writing the root into slot $slot failed"
dd if="$new" of="$disk" bs=512 skip="$src_hash" seek="$dst_hash" count="$src_hash_size" \
	conv=notrunc status=none || die "writing the hash tree into slot $slot failed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# What is in the slot now must verify against the root hash its entry will
# carry, before any entry points at it (a hash tree written over an older,
# larger one must not keep the old one's bytes).
roothash=$(printf '%s\n' "$new_text" | sed -n -E 's/.*strata\.verity=[^:]*:[^:]*:([0-9a-f]+).*/\1/p')
[ -n "$roothash" ] || die "$new: its boot entry carries no root hash"
dd if="$disk" of="$tmp/root" bs=512 skip="$dst_root" count="$root_sectors" status=none &&
	dd if="$disk" of="$tmp/hash" bs=512 skip="$dst_hash" count="$src_hash_size" status=none ||
	die "reading slot $slot back failed"
veritysetup verify "$tmp/root" "$tmp/hash" "$roothash" >"$tmp/verify.log" 2>&1 || {
	cat "$tmp/verify.log" >&2
	die "slot $slot does not verify against version $new_version's root hash after writing: no entry written"
}
rm -f "$tmp/root" "$tmp/hash"
for f in vmlinuz initrd.img; do
	mcopy -n -i "$new_fat" "::/a/$f" "$tmp/$f"
	mcopy -o -i "$disk_fat" "$tmp/$f" "::/$slot/$f" || die "no space on the ESP for slot $slot's $f"
done
sync
# 3. The entry, with the slot's partitions and a boot counter.
printf '%s\n' "$new_text" | sed -E \
	-e "s/\(slot a\)/(slot $slot)/" \
	-e "s|^linux /a/|linux /$slot/|" -e "s|^initrd /a/|initrd /$slot/|" \
	-e "s/strata\.slot=a/strata.slot=$slot/" \
	-e "s/strata\.verity=[^:]*:[^:]*:/strata.verity=$dst_root_uuid:$dst_hash_uuid:/" \
	>"$tmp/entry.conf"
mcopy -o -i "$disk_fat" "$tmp/entry.conf" "::/loader/entries/strata-$new_version+$tries.conf"
sync
echo "image/update.sh: slot $slot: version $new_version, $tries tries before slot $other boots again"
