# liveavatar: test of the example application (examples/app)
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Runs liveavatar-control (the path is the first argument) on the test
model with a synchronised fakesink and two small PNG reference images, and
checks what it prints: the prompt changed while playing; reference-image
changed the way its flags say: live if it is PLAYING-mutable (no warning,
one run), else refused in PLAYING with the element's WARNING, the old
value kept, and changed through a READY cycle; the latency the element
adds (at least one block, 480 ms); EOS; frames in proportion to the time
played; exit status 0. Then a missing model-path: the element's error is
printed and the program fails, without hanging."""

import os
import re
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

SECONDS = 4


# what the program's pipeline is made of, besides our plugin, and what the
# element may use to decode a reference image
ELEMENTS = ["audiotestsrc", "audioconvert", "audioresample", "capsfilter",
            "videoconvert", "fakesink", "filesrc", "decodebin", "pngdec",
            "videoscale", "typefindfunctions"]


def write_png(path, w, h, rgb):
    """A w x h PNG of one colour, with the standard library."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" +
                chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def plugin_dir(d):
    """A folder with links to the plugins of ELEMENTS only. The program
    loads just those: under LeakSanitizer, the one-time allocations of
    every installed plugin (fontconfig, camera drivers, ...) would drown
    its report, and the registry scan runs in process there."""
    env = dict(os.environ)
    env["GST_REGISTRY"] = os.path.join(d, "inspect.registry")
    env.pop("GST_REGISTRY_FORK", None)
    os.makedirs(os.path.join(d, "plugins"))
    for e in ELEMENTS:
        out = subprocess.run(["gst-inspect-1.0", e], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env,
                             timeout=60).stdout.decode(errors="replace")
        m = re.search(r"^\s+Filename\s+(\S+)$", out, re.M)
        if m is None:
            ru.skip("GStreamer element or plugin %s is not installed" % e)
        link = os.path.join(d, "plugins", os.path.basename(m.group(1)))
        if not os.path.exists(link):
            os.symlink(m.group(1), link)
    return os.path.join(d, "plugins")


def run_app(app, args, env, timeout=40):
    cmd = [app] + args
    print("run: " + " ".join(cmd))
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, env=env,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        print(e.output.decode(errors="replace") if e.output else "")
        ru.fail("liveavatar-control did not finish within %d s" % timeout)
    out = r.stdout.decode(errors="replace")
    print(out)
    return r.returncode, out


def find(out, pattern, what):
    m = re.search(pattern, out, re.M)
    ru.check(m is not None, what)
    return m


def main():
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        ru.fail("usage: test_app.py PATH/TO/liveavatar-control")
    app = sys.argv[1]
    ru.need_programs("gst-inspect-1.0")
    d = ru.work_dir("app")
    env = dict(os.environ)
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = plugin_dir(d)
    first, second = os.path.join(d, "first.png"), os.path.join(d, "second.png")
    write_png(first, 64, 64, (200, 150, 120))
    write_png(second, 64, 64, (120, 150, 200))

    rc, out = run_app(app, ["--sink", "fakesink sync=true", "--seconds",
                            str(SECONDS), "--size", "64",
                            "--reference-image", first,
                            "--new-reference-image", second,
                            "--new-prompt", "second prompt"], env)
    ru.check(rc == 0, "liveavatar-control exits with 0 (got %d)" % rc)
    find(out, r"prompt: '.*' -> 'second prompt'$",
         "prompt changed while playing and reads back")
    live = find(out, r"reference-image may change while playing: (yes|no)",
                "the program reads the property's flags").group(1) == "yes"
    if live:
        find(out, r"reference-image is now '%s'$" % re.escape(second),
             "reference-image changed while playing")
        ru.check("warning from avatar" not in out and
                 "READY cycle" not in out,
                 "without a warning or a READY cycle")
        runs = 1
    else:
        warn = find(out, r"warning from avatar: Property 'reference-image' "
                    r"can only be changed in the NULL or READY state",
                    "reference-image in PLAYING: the element's warning is "
                    "printed")
        kept = find(out, r"reference-image is still '%s'$" % re.escape(first),
                    "reference-image in PLAYING: the old value is kept")
        cycled = find(out, r"reference-image is now '%s'$"
                      % re.escape(second),
                      "reference-image after a READY cycle: the new value")
        ru.check(kept.start() < cycled.start() and
                 warn.start() < cycled.start(),
                 "the READY cycle comes after the refusal")
        runs = 2
    lat = find(out, r"liveavatarfilter adds (\d+):(\d+):(\d+)\.(\d+)",
               "a latency message is printed with the element's latency")
    ns = ((int(lat.group(1)) * 60 + int(lat.group(2))) * 60 +
          int(lat.group(3))) * 10**9 + int(lat.group(4))
    ru.check(ns >= 480 * 10**6, "the element adds at least a block "
             "(%.0f ms)" % (ns / 1e6))
    ru.check(len(re.findall(r"pipeline PAUSED -> PLAYING", out)) == runs,
             "the pipeline went to PLAYING %d time(s)" % runs)
    find(out, r"\] EOS$", "EOS arrives after it is sent")
    frames = int(find(out, r"(\d+) frames left", "frames are counted")
                 .group(1))
    # 25 a second while PLAYING (from about 0.5 s to SECONDS + 0.5 s, less
    # the restart of a READY cycle), plus what EOS drains: loosely
    ru.check(25 * SECONDS // 2 <= frames <= 25 * (SECONDS + 1),
             "%d frames for %d s of playing" % (frames, SECONDS))

    rc, out = run_app(app, ["--sink", "fakesink", "--model-path",
                            "/nonexistent/liveavatar-model"], env)
    ru.check(rc != 0, "a missing model-path fails (exit %d)" % rc)
    find(out, r"error from avatar: .*model-path",
         "the element's error names model-path")
    print("PASS")


if __name__ == "__main__":
    main()
