#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs everything Strata needs to build, run its demo and pass its tests
# on Debian 12 (bookworm). Run as root.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# llvm-14: llvm-symbolizer, so that ASan and UBSan reports name functions and
# lines (scripts/run-tests.sh). socat: scripts/demo.sh talks to the
# test-control socket with it. waypipe: the peer in bench/proxy.sh. bubblewrap:
# the cages. dbus-daemon: each level's session bus; dbus-bin (dbus-send) and
# fontconfig (fc-list, fc-match): tests/cages looks at them from a cage.
# libreoffice-writer, libreoffice-gtk3: tests/cages starts Writer in a cage.
# xdotool, xclip, x11-utils (xwininfo), tk (wish), xinput: tests/xwayland's X11
# programs, beside xterm and xwayland. dpkg-dev, debhelper, dh-sequence-*
# (in debhelper), lintian: scripts/build-deb.sh. mmdebstrap, squashfs-tools,
# cryptsetup-bin (veritysetup), fdisk (sfdisk), dosfstools, mtools: image/build.sh
# and image/update.sh. qemu-system-x86, ovmf: tests/image boots the image. wlcs: the Wayland
# conformance suite (headers and runners) that tests/wlcs runs against strata.
apt-get install -y --no-install-recommends \
	build-essential pkg-config meson ninja-build git ca-certificates \
	gcc clang clang-format clang-tools libclang-rt-14-dev llvm-14 \
	libwlroots-dev libwayland-dev wayland-protocols libxkbcommon-dev \
	libpixman-1-dev libcairo2-dev libpango1.0-dev libdrm-dev libxcb1-dev libgles-dev \
	libinput-dev libseat-dev libinih-dev libseccomp-dev libpng-dev zlib1g-dev libpam0g-dev \
	libsystemd-dev dbus-daemon passwd \
	scdoc fonts-dejavu-core xkb-data \
	weston foot wl-clipboard wayland-utils gtk-3-examples \
	xwayland xterm procps psmisc socat waypipe bubblewrap wtype sway cage gnuplot-nox \
	pipewire pipewire-bin pipewire-pulse libpipewire-0.3-dev pulseaudio-utils \
	sound-theme-freedesktop dbus-bin fontconfig libreoffice-writer libreoffice-gtk3 \
	xdotool xclip x11-utils tk xinput \
	dpkg-dev debhelper lintian mmdebstrap squashfs-tools cryptsetup-bin fdisk \
	dosfstools mtools qemu-system-x86 ovmf wlcs
