#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Strata workstation image, built and booted as a user meets it.

Builds test images with image/build.sh (the base system and the package are
cached between runs), boots them under QEMU (TCG, UEFI with OVMF, virtio-vga,
virtio keyboard and tablet) and drives them through QMP, as a user would:

  1. version 1 in slot A boots to the session: power-on -> ready time;
  2. the screen, read back (screendump): the banner, a window of each level
     in its level's colour;
  3. a click into the high window, the banner turns to high's; Logo+Return
     opens a second high terminal (the high frames grow); a command typed
     (send-key) into the focused terminal paints a block of a colour nobody
     else draws, inside a high frame; the same in low;
  3b. the clipboard across levels as a user does it: wl-copy in the low
     terminal; in the high terminal wl-paste does not see it; Logo+V there
     opens strata's confirmation dialog, Return confirms, and wl-paste in
     high now returns exactly the copied text;
  4. a broken version (its session cannot start) written into slot B with
     image/update.sh: tried once, then the machine falls back to version 1;
  5. version 2 written into slot B with one byte of its root flipped:
     dm-verity refuses it, the machine restarts and boots version 1;
  6. version 2 written into slot B, whole: it boots, its session comes up.

Every step is a TAP test; a missing tool fails, it never skips. Saves the
session's screenshot (PNG) to doc/screenshots/image-qemu-session.png and the
serial console of each boot beside the images.

usage: test_image.py SOURCE_DIR WORK_DIR
"""
import json
import re
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib

SRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
WORK = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "build-image-test")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
READY = b"strata-ready: session ready"
LOW = (0x2E, 0x7D, 0x32)
HIGH = (0xC6, 0x28, 0x28)
IDLE = (0x3A, 0x3A, 0x3A)
BANNER_HEIGHT = 32
# What the typed commands paint, in the low and the high terminal.
MAGIC_LOW = (0x21, 0x43, 0xBD)
MAGIC_HIGH = (0x12, 0xAB, 0x34)
# What the high terminal paints when its paste is (or is not) low's copy,
# before the transfer and after it.
LEAKED, NOT_LEAKED = (0xE0, 0x6A, 0x11), (0x7A, 0x5C, 0x0F)
COPIED = (0x3D, 0xC2, 0xD0)  # low's own paste of its copy
PASTED, NOT_PASTED = (0xB3, 0x1D, 0x9E), (0x4F, 0x8E, 0xA7)
# compositor/transfer.c: the dialog, 760x420 centred below the banner, its
# body dark, its border (6 px) in the destination's colour.
DIALOG_BODY = (0x1C, 0x1C, 0x1C)
DIALOG_W, DIALOG_H = 760, 420
XFER_TEXT = "xfer42low"

count = 0
failed = 0
t0 = time.monotonic()


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def result(ok, name):
    global count, failed
    count += 1
    if not ok:
        failed += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (count, name), flush=True)
    return ok


def finish():
    print("1..%d" % count, flush=True)
    diag("image suite: %.0f s in all" % (time.monotonic() - t0))
    sys.exit(1 if failed else 0)


# ---- pictures --------------------------------------------------------------------


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError("%s: not a binary PPM of 8-bit samples" % path)
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1 : pos + 1 + w * h * 3]


def write_png(path, w, h, rgb):
    raw = b"".join(b"\0" + rgb[y * w * 3 : (y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        c = struct.pack(">I", len(body)) + kind + body
        return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path + ".tmp", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))
    os.replace(path + ".tmp", path)


class Shot:
    """A screendump: census of colours, where a colour is."""

    def __init__(self, path):
        self.path = path
        self.w, self.h, self.rgb = read_ppm(path)

    def pixel(self, x, y):
        i = (y * self.w + x) * 3
        return tuple(self.rgb[i : i + 3])

    def census(self, colour, y0=0, y1=None, tolerance=2):
        """Pixels of COLOUR (each channel within TOLERANCE) in rows y0..y1, and their box."""
        y1 = self.h if y1 is None else y1
        n, box = 0, None
        r0, g0, b0 = colour
        rgb, w = self.rgb, self.w
        for y in range(y0, y1, 2):
            row = rgb[y * w * 3 : (y + 1) * w * 3]
            for x in range(0, w, 2):
                r, g, b = row[3 * x], row[3 * x + 1], row[3 * x + 2]
                if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance:
                    n += 1
                    if box is None:
                        box = [x, y, x, y]
                    else:
                        box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
        return n * 4, box  # sampled every other pixel and row

    def banner(self):
        """The colour most of the banner is, among the idle and the levels' colours."""
        counts = {name: self.census(c, 0, BANNER_HEIGHT)[0] for name, c in (("idle", IDLE), ("low", LOW), ("high", HIGH))}
        name = max(counts, key=counts.get)
        return name, counts


# ---- QEMU and QMP ------------------------------------------------------------------

QCODES = {" ": "spc", "\n": "ret", "-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right",
          ";": "semicolon", "'": "apostrophe", "`": "grave_accent", "\\": "backslash", ",": "comma",
          ".": "dot", "/": "slash"}
SHIFTED = {"_": "minus", "+": "equal", "{": "bracket_left", "}": "bracket_right", ":": "semicolon",
           '"': "apostrophe", "~": "grave_accent", "|": "backslash", "<": "comma", ">": "dot", "?": "slash",
           "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0"}


class Machine:
    def __init__(self, disk, name):
        self.disk = disk
        self.name = name
        self.serial = os.path.join(WORK, name + ".serial.log")
        self.qmp_path = os.path.join(WORK, name + ".qmp")
        self.vars = os.path.join(WORK, "ovmf-vars.fd")
        if not os.path.exists(self.vars):
            shutil.copy(OVMF_VARS, self.vars)
        for p in (self.serial, self.qmp_path):
            if os.path.exists(p):
                os.unlink(p)
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            ["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-cpu", "max", "-smp", "2", "-m", "2048",
             "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
             "-drive", "if=pflash,format=raw,file=" + self.vars,
             "-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % disk,
             "-vga", "none", "-device", "virtio-vga", "-device", "virtio-keyboard-pci",
             "-device", "virtio-tablet-pci", "-display", "none", "-nic", "none",
             "-serial", "file:" + self.serial, "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(self.serial + ".qemu", "w"))
        self.sock = None
        self.buf = b""
        deadline = time.monotonic() + 30
        while self.sock is None:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.qmp_path)
                self.sock = s
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("QEMU did not open its QMP socket (%s.qemu)" % self.serial)
                time.sleep(0.2)
        self.sock.settimeout(60)
        self._read()  # greeting
        self.qmp("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("QMP closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def qmp(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (command, reply["error"]))
            return reply.get("return")

    def console(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def wait_serial(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.console()
            if predicate(text):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(1)
        return False

    def keys(self, *names):
        self.qmp("send-key", keys=[{"type": "qcode", "data": n} for n in names])

    def type(self, text):
        for ch in text:
            if ch.isalpha() and ch.isupper():
                self.keys("shift", ch.lower())
            elif ch.isalnum():
                self.keys(ch)
            elif ch in QCODES:
                self.keys(QCODES[ch])
            elif ch in SHIFTED:
                self.keys("shift", SHIFTED[ch])
            else:
                raise ValueError("cannot type %r" % ch)
            time.sleep(0.02)

    def click(self, x, y, w, h):
        ev = [{"type": "abs", "data": {"axis": "x", "value": int(x * 32767 / (w - 1))}},
              {"type": "abs", "data": {"axis": "y", "value": int(y * 32767 / (h - 1))}}]
        self.qmp("input-send-event", events=ev)
        time.sleep(0.2)
        self.qmp("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
        time.sleep(0.1)
        self.qmp("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])

    def screendump(self, name):
        path = os.path.join(WORK, name + ".ppm")
        if os.path.exists(path):
            os.unlink(path)
        self.qmp("screendump", filename=path)
        return Shot(path)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.qmp("quit")
            except (OSError, RuntimeError):
                pass
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock:
            self.sock.close()


def boots(text):
    """The boots in a serial log: (version, slot, ready, verity refused) of each."""
    out = []
    for part in text.split(b"Kernel command line: ")[1:]:
        line = part.split(b"\n", 1)[0].decode(errors="replace")
        args = dict(a.split("=", 1) for a in line.split() if "=" in a)
        out.append({"version": args.get("strata.version"), "slot": args.get("strata.slot"),
                    "ready": READY in part,
                    "verity": b"dm-verity device corrupted" in part
                    or re.search(rb"verity: \S+: (data|metadata) block \d+ is corrupted", part) is not None})
    return out


# ---- steps ------------------------------------------------------------------------------


def run(cmd, log):
    start = time.monotonic()
    with open(log, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    if rc != 0:
        with open(log) as f:
            diag("".join(f.readlines()[-25:]))
    return rc == 0, time.monotonic() - start


def build(name, version, *extra):
    out = os.path.join(WORK, name + ".img")
    ok, secs = run([os.path.join(SRC, "image/build.sh"), "--test", "--version", version,
                    "--theme", os.path.join(SRC, "tests/image/test-theme.ini"),
                    "--password-file", os.path.join(WORK, "password"), "--include", "wl-clipboard", *extra, out],
                   os.path.join(WORK, name + ".build.log"))
    size = os.stat(out).st_blocks * 512 if ok else 0
    result(ok, "image/build.sh %s (version %s%s): %.0f s, %d MiB on disk"
           % (name, version, ", " + " ".join(extra) if extra else "", secs, size >> 20))
    return ok


def update(disk, new, *extra):
    ok, _ = run([os.path.join(SRC, "image/update.sh"), *extra, disk, new], os.path.join(WORK, "update.log"))
    with open(os.path.join(WORK, "update.log")) as f:
        diag(f.read())
    return ok


def esp_entries(disk):
    """The boot entries on DISK's ESP (file names)."""
    out = subprocess.run(["sfdisk", "--json", disk], capture_output=True, text=True, check=True).stdout
    esp = [p for p in json.loads(out)["partitiontable"]["partitions"] if p.get("name") == "strata-esp"][0]
    out = subprocess.run(["mdir", "-b", "-i", "%s@@%d" % (disk, esp["start"] * 512), "::/loader/entries"],
                         capture_output=True, text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1")).stdout
    return sorted(line.rsplit("/", 1)[-1] for line in out.split())


LOCK = (0x15, 0x19, 0x1D)  # compositor/lock.c: LOCK_BACKGROUND
PASSWORD = "strata"


def unlock(m, timeout=60):
    """The session starts locked (strata --locked): the lock screen covers the output until the
    password of the lock's user is typed. Returns the share of the screen it covered."""
    deadline = time.monotonic() + timeout
    share = 0.0
    while time.monotonic() < deadline:
        shot = m.screendump("locked")
        share = shot.census(LOCK)[0] / float(shot.w * shot.h)
        if share > 0.5:
            break
        time.sleep(2)
    m.type(PASSWORD)
    m.keys("ret")
    return share


def wait_windows(m, timeout):
    deadline = time.monotonic() + timeout
    shot = None
    while time.monotonic() < deadline:
        shot = m.screendump("windows")
        low = shot.census(LOW, BANNER_HEIGHT)[0]
        high = shot.census(HIGH, BANNER_HEIGHT)[0]
        if low > 1000 and high > 1000:
            return shot
        time.sleep(3)
    return shot


def wait_colour(m, colour, least, timeout, name):
    deadline = time.monotonic() + timeout
    shot, n = None, 0
    while time.monotonic() < deadline:
        shot = m.screendump(name)
        n, box = shot.census(colour, BANNER_HEIGHT)
        if n >= least:
            return shot, n, box
        time.sleep(2)
    return shot, n, None


def enclosing_colour(shot, x, y):
    """The first colour left of (x, y) that is neither what the command
    painted nor the terminal's background: the frame of its window."""
    inside = shot.pixel(x, y)
    background = None
    for xx in range(x - 1, -1, -1):
        p = shot.pixel(xx, y)
        if max(abs(a - b) for a, b in zip(p, inside)) <= 2:
            continue
        if background is None:
            background = p
        if max(abs(a - b) for a, b in zip(p, background)) <= 2:
            continue
        return p
    return None


def terminal_in(m, level, colour, magic, shot):
    """Clicks into LEVEL's window, opens a terminal there with Logo+Return,
    types a command into it, and sees what it paints."""
    _, box = shot.census(colour, BANNER_HEIGHT)
    if not result(box is not None, "a %s window is on the screen" % level):
        return shot
    cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    m.click(cx, cy, shot.w, shot.h)
    time.sleep(2)
    shot = m.screendump(level + "-focused")
    name, counts = shot.banner()
    result(name == level, "after a click into the %s window the banner is %s's colour (%s)" % (level, level, counts))
    before = shot.census(colour, BANNER_HEIGHT)[0]
    m.keys("meta_l", "ret")
    deadline = time.monotonic() + 60
    grew = False
    while time.monotonic() < deadline and not grew:
        time.sleep(3)
        shot = m.screendump(level + "-two")
        grew = shot.census(colour, BANNER_HEIGHT)[0] > before * 1.3
    result(grew, "Logo+Return opened a second %s window (%s border pixels: %d -> %d)"
           % (level, level, before, shot.census(colour, BANNER_HEIGHT)[0]))
    time.sleep(3)
    r, g, b = magic
    m.type("for i in 1 2 3 4 5 6 7 8; do printf '\\033[48;2;%d;%d;%dm%%60s\\033[0m\\n' ''; done\n" % (r, g, b))
    shot, n, mbox = wait_colour(m, magic, 2000, 60, level + "-typed")
    frame = enclosing_colour(shot, mbox[0], (mbox[1] + mbox[3]) // 2) if mbox else None
    result(n >= 2000 and frame == colour,
           "what was typed reached a %s terminal and ran: %d pixels of its colour #%02x%02x%02x at %s, "
           "framed by %s" % (level, n, r, g, b, mbox, frame))
    name, counts = shot.banner()
    result(name == level, "the banner still shows %s (%s)" % (level, counts))
    return shot


def paint(colour):
    """A shell command that paints a block of COLOUR (24-bit SGR), 8 rows of 60 columns."""
    r, g, b = colour
    return "for i in 1 2 3 4 5 6 7 8; do printf '\\033[48;2;%d;%d;%dm%%60s\\033[0m\\n' ''; done" % (r, g, b)


def paste_check(m, name, yes, no):
    """Types into the focused (high) terminal a command that pastes and paints
    YES when it got exactly XFER_TEXT, NO otherwise; returns the screenshot
    once either colour shows (or the last one)."""
    m.type('if test "$(wl-paste -n)" = %s; then %s; else %s; fi\n' % (XFER_TEXT, paint(yes), paint(no)))
    deadline = time.monotonic() + 60
    shot = None
    while time.monotonic() < deadline:
        shot = m.screendump(name)
        if shot.census(yes, BANNER_HEIGHT)[0] >= 2000 or shot.census(no, BANNER_HEIGHT)[0] >= 2000:
            return shot
        time.sleep(2)
    return shot


def close_to(p, colour):
    return max(abs(a - b) for a, b in zip(p, colour)) <= 2


def dialog_on(shot):
    """Where strata's transfer dialog is: its sides in high's colour on every
    row sampled, and its body dark. (sides seen, rows sampled, body pixel)"""
    x0 = (shot.w - DIALOG_W) // 2
    y0 = BANNER_HEIGHT + (shot.h - BANNER_HEIGHT - DIALOG_H) // 2
    rows = range(y0 + 8, y0 + DIALOG_H - 8, 4)
    sides = sum(1 for y in rows if close_to(shot.pixel(x0 + 2, y), HIGH)
                and close_to(shot.pixel(x0 + DIALOG_W - 3, y), HIGH))
    return sides, len(rows), shot.pixel(x0 + DIALOG_W // 2, y0 + DIALOG_H - 40)


def transfer(m, shot):
    """Low copies, high cannot paste it; Logo+V in high, strata's dialog,
    Return: high pastes exactly what low copied."""
    m.type("printf %s %s | wl-copy\n" % ("%s", XFER_TEXT))
    # Keys typed ahead while a command starts can be lost (seen: a quote,
    # the next line left open): the shell's prompt first.
    time.sleep(3)
    # The copy is low's selection (its own paste returns it, within 10 s)
    # before high is asked: otherwise high's "not pasted" would prove nothing.
    m.type('for i in 1 2 3 4 5 6 7 8 9 10; do test "$(wl-paste -n)" = %s && break; sleep 1; done; '
           'test "$(wl-paste -n)" = %s && %s\n' % (XFER_TEXT, XFER_TEXT, paint(COPIED)))
    shot, n, _ = wait_colour(m, COPIED, 2000, 60, "transfer-copied")
    if not result(n >= 2000, "wl-copy in low: low's own wl-paste returns the text (%d px)" % n):
        return shot
    # Back into the high terminal that ran the first command: its block.
    _, box = shot.census(MAGIC_HIGH, BANNER_HEIGHT)
    if not result(box is not None, "the high terminal's block is still on the screen"):
        return shot
    m.click((box[0] + box[2]) // 2, (box[1] + box[3]) // 2, shot.w, shot.h)
    time.sleep(2)
    shot = m.screendump("transfer-focused")
    name, counts = shot.banner()
    result(name == "high", "a click into the high terminal: the banner is high's (%s)" % counts)
    shot = paste_check(m, "transfer-before", LEAKED, NOT_LEAKED)
    leaked, not_leaked = shot.census(LEAKED, BANNER_HEIGHT)[0], shot.census(NOT_LEAKED, BANNER_HEIGHT)[0]
    result(leaked == 0 and not_leaked >= 2000,
           "before any transfer, wl-paste in high does not get low's copy (%d px say not pasted, %d px pasted)"
           % (not_leaked, leaked))
    m.keys("meta_l", "v")
    deadline = time.monotonic() + 30
    seen = (0, 1, None)
    while time.monotonic() < deadline:
        time.sleep(2)
        shot = m.screendump("transfer-dialog")
        seen = dialog_on(shot)
        if seen[0] == seen[1] and close_to(seen[2], DIALOG_BODY):
            break
    if result(seen[0] == seen[1] and close_to(seen[2], DIALOG_BODY),
              "Logo+V in high opens strata's confirmation dialog, centred, framed in high's colour "
              "(%d of %d rows, body %s)" % seen):
        png = os.path.join(SRC, "doc/screenshots/image-qemu-transfer.png")
        write_png(png, shot.w, shot.h, shot.rgb)
        diag("screenshot: " + png)
    time.sleep(1)
    m.keys("ret")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(2)
        shot = m.screendump("transfer-confirmed")
        if dialog_on(shot)[0] == 0:
            break
    shot = paste_check(m, "transfer-after", PASTED, NOT_PASTED)
    pasted, box = shot.census(PASTED, BANNER_HEIGHT)
    frame = enclosing_colour(shot, box[0], (box[1] + box[3]) // 2) if box else None
    result(pasted >= 2000 and frame == HIGH and shot.census(NOT_PASTED, BANNER_HEIGHT)[0] == 0,
           "after Return, wl-paste in high returns exactly low's copy: %d px of #%02x%02x%02x at %s, framed by %s"
           % ((pasted,) + PASTED + (box, frame)))
    name, counts = shot.banner()
    result(name == "high", "the banner still shows high (%s)" % counts)
    return shot


def main():
    os.makedirs(WORK, exist_ok=True)
    missing = [t for t in ("qemu-system-x86_64", "mmdebstrap", "mksquashfs", "veritysetup", "sfdisk", "mcopy",
                           "mkfs.vfat", "dpkg-buildpackage") if not shutil.which(t)]
    missing += [f for f in (OVMF_CODE, OVMF_VARS) if not os.path.exists(f)]
    if not result(not missing and os.getuid() == 0, "tools and root (missing: %s)" % (", ".join(missing) or "none")):
        diag("scripts/install-deps.sh installs them")
        return finish()
    with open(os.path.join(WORK, "password"), "w") as f:
        f.write("strata\n")
    disk = os.path.join(WORK, "disk.img")
    if not (build("v1", "1") and build("v2", "2") and build("v3-broken", "3", "--break-session")):
        return finish()
    shutil.copy(os.path.join(WORK, "v1.img"), disk)
    if os.path.exists(os.path.join(WORK, "ovmf-vars.fd")):
        os.unlink(os.path.join(WORK, "ovmf-vars.fd"))

    # 1-3. Version 1, slot A: the session as a user meets it.
    m = Machine(disk, "boot1")
    try:
        up = m.wait_serial(lambda t: READY in t, 400)
        secs = time.monotonic() - m.start
        b = boots(m.console())
        result(up and b and b[-1]["version"] == "1" and b[-1]["slot"] == "a",
               "version 1 boots from slot A to the session: power-on -> ready %.1f s (%s)" % (secs, b))
        if up:
            share = unlock(m)
            result(share > 0.5, "the session starts locked: the lock screen covers %.0f %% of the output" % (share * 100))
            shot = wait_windows(m, 120)
            low, high = shot.census(LOW, BANNER_HEIGHT)[0], shot.census(HIGH, BANNER_HEIGHT)[0]
            result(low > 1000 and high > 1000, "%dx%d screen: a low window (%d px of #2e7d32) and a high window "
                   "(%d px of #c62828)" % (shot.w, shot.h, low, high))
            # No WLR_RENDERER in the image: strata chose (GLES2 on llvmpipe,
            # which crashes wlroots 0.15 in Mesa's kms_swrast, is not it).
            chose = re.search(rb"strata: renderer: [^\r\n]*", m.console())
            result(chose is not None and b"renderer: pixman" in chose.group(0),
                   "strata chose its renderer itself and draws: %s"
                   % (chose.group(0).decode(errors="replace") if chose else "no renderer line"))
            name, counts = shot.banner()
            result(sum(counts.values()) > shot.w * BANNER_HEIGHT * 0.5,
                   "the banner is drawn across the top (%s: %s)" % (name, counts))
            shot = terminal_in(m, "high", HIGH, MAGIC_HIGH, shot)
            shot = terminal_in(m, "low", LOW, MAGIC_LOW, shot)
            shot = transfer(m, shot)
            png = os.path.join(SRC, "doc/screenshots/image-qemu-session.png")
            os.makedirs(os.path.dirname(png), exist_ok=True)
            write_png(png, shot.w, shot.h, shot.rgb)
            diag("screenshot: " + png)
    finally:
        m.stop()

    # 4. A broken version in slot B: tried once, then back to version 1.
    if result(update(disk, os.path.join(WORK, "v3-broken.img"), "--tries", "1"),
              "image/update.sh writes the broken version 3 into slot B"):
        m = Machine(disk, "boot-broken")
        try:
            m.wait_serial(lambda t: len(boots(t)) >= 2 and boots(t)[-1]["ready"], 600)
            b = boots(m.console())
            result(len(b) >= 2 and b[0]["version"] == "3" and not b[0]["ready"] and b[-1]["version"] == "1"
                   and b[-1]["slot"] == "a" and b[-1]["ready"],
                   "version 3 (its session cannot start) is tried once, then version 1 boots again: %s" % b)
        finally:
            m.stop()

    # 5. Version 2 with a flipped byte in its root: dm-verity refuses it.
    if result(update(disk, os.path.join(WORK, "v2.img"), "--tries", "1"),
              "image/update.sh writes version 2 into slot B (the slot that failed)"):
        out = subprocess.run(["sfdisk", "--json", disk], capture_output=True, text=True, check=True).stdout
        parts = {p.get("name"): p for p in json.loads(out)["partitiontable"]["partitions"]}
        offset = parts["strata-root-b"]["start"] * 512 + 2000
        with open(disk, "r+b") as f:
            f.seek(offset)
            byte = f.read(1)
            f.seek(offset)
            f.write(bytes([byte[0] ^ 0x01]))
        diag("flipped the byte at %d (slot B's root + 2000): %02x -> %02x" % (offset, byte[0], byte[0] ^ 1))
        m = Machine(disk, "boot-corrupt")
        try:
            m.wait_serial(lambda t: len(boots(t)) >= 2 and boots(t)[-1]["ready"], 600)
            b = boots(m.console())
            result(len(b) >= 2 and b[0]["version"] == "2" and b[0]["verity"] and not b[0]["ready"]
                   and b[-1]["version"] == "1" and b[-1]["ready"],
                   "dm-verity refuses slot B's corrupted root and version 1 boots again: %s" % b)
        finally:
            m.stop()

    # 6. Version 2, whole, in slot B: the update boots.
    if result(update(disk, os.path.join(WORK, "v2.img"), "--tries", "1"),
              "image/update.sh writes version 2 again into slot B"):
        m = Machine(disk, "boot2")
        try:
            m.wait_serial(lambda t: READY in t, 400)
            secs = time.monotonic() - m.start
            b = boots(m.console())
            result(len(b) == 1 and b[0]["version"] == "2" and b[0]["slot"] == "b" and b[0]["ready"],
                   "version 2 boots from slot B to the session in %.1f s: %s" % (secs, b))
            if b and b[-1]["ready"]:
                unlock(m)
                shot = wait_windows(m, 120)
                low, high = shot.census(LOW, BANNER_HEIGHT)[0], shot.census(HIGH, BANNER_HEIGHT)[0]
                result(low > 1000 and high > 1000, "version 2's session shows both levels (%d, %d px)" % (low, high))
        finally:
            m.stop()
        entries = esp_entries(disk)
        result("strata-2.conf" in entries and "strata-1.conf" in entries,
               "systemd-bless-boot marked version 2 good (its counter is gone): %s" % entries)
    return finish()


if __name__ == "__main__":
    main()
