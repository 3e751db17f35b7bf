# liveavatar: helpers shared by the recipe tests
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Helpers for the tests of examples/pipelines: running the recipes with a
time limit, reading back what they wrote with GStreamer (never trusting the
writer), and the test model's picture (docs/recipes.md, "The test model").

Python stdlib plus Debian's python3-gi; nothing from PyPI."""

import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import wave

SKIP = 77

RATE = 16000                    # the elements' audio rate
SPF = 640                       # samples per video frame (25 fps)
FRAME_NS = 40 * 1000 * 1000     # one video frame

SOURCE_DIR = os.environ.get("LA_SOURCE_ROOT",
                            os.path.dirname(os.path.dirname(
                                os.path.dirname(os.path.abspath(__file__)))))
PIPELINES = os.path.join(SOURCE_DIR, "examples", "pipelines")


def skip(why):
    print("SKIP: " + why)
    sys.stdout.flush()
    sys.exit(SKIP)


def fail(why):
    print("FAIL: " + why)
    sys.stdout.flush()
    sys.exit(1)


def check(cond, what):
    if not cond:
        fail(what)
    print("ok: " + what)


def need_programs(*names):
    """SKIP unless every program is on PATH (or is an existing path)."""
    missing = [n for n in names
               if not (os.path.isabs(n) and os.access(n, os.X_OK))
               and shutil.which(n) is None]
    if missing:
        skip("not installed: " + ", ".join(missing))


def need_gst_elements(*names):
    """SKIP unless gst-inspect-1.0 finds every element (a package is
    missing); FAIL if ours are not found (the build is broken)."""
    need_programs("gst-inspect-1.0")
    missing = []
    for n in names:
        r = subprocess.run(["gst-inspect-1.0", "--exists",
                            "--atleast-version=0.0.0", n],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        if r.returncode != 0:
            missing.append(n)
    ours = [n for n in missing if n.startswith("liveavatar")]
    if ours:
        fail("our elements are not found (GST_PLUGIN_PATH=%s): %s"
             % (os.environ.get("GST_PLUGIN_PATH", ""), ", ".join(ours)))
    if missing:
        skip("GStreamer elements not installed: " + ", ".join(missing))


def import_gst():
    """Gst from python3-gi, initialised; SKIP when python3-gi is absent."""
    try:
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
    except (ImportError, ValueError) as e:
        skip("python3-gi with GStreamer introspection is not installed "
             "(Debian: python3-gi gir1.2-gstreamer-1.0): %s" % e)
    Gst.init(None)
    return Gst


def work_dir(name):
    """A fresh folder for a test's files, in the build tree when run by
    meson (MESON_BUILD_ROOT is not set for tests, so use the cwd)."""
    d = os.path.join(os.getcwd(), "recipes-tmp", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def free_port():
    """A TCP port on the loopback nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def run(cmd, timeout, env=None, cwd=None):
    """Runs a command to completion with a time limit; returns its output.
    FAILs (after showing the output) when it times out or exits non-zero."""
    print("run: " + " ".join(cmd))
    sys.stdout.flush()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout,
                           env=env, cwd=cwd, start_new_session=True)
    except subprocess.TimeoutExpired as e:
        out = e.output.decode(errors="replace") if e.output else ""
        print(out)
        fail("%s did not finish within %d s" % (cmd[0], timeout))
    out = r.stdout.decode(errors="replace")
    if r.returncode != 0:
        print(out)
        fail("%s exited with %d" % (" ".join(cmd), r.returncode))
    return out


class Background:
    """A process running beside the test, in its own process group, ended
    (TERM, then KILL) by stop() or at the end of a with block."""

    def __init__(self, cmd, env=None, cwd=None, log=None):
        print("start: " + " ".join(cmd))
        sys.stdout.flush()
        self.log = log
        out = open(log, "wb") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd, start_new_session=True)
        if log:
            out.close()

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(5) is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        return self.proc.returncode

    def output(self):
        if not self.log:
            return ""
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


# ---- test audio

def write_wav(path, samples, rate=RATE):
    """Writes float samples in [-1, 1] as 16-bit mono WAV."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", max(-32767, min(32767, int(round(s * 32767)))))
            for s in samples))


def bursts(total_samples, spans, amp=0.5, freq=440.0, rate=RATE):
    """Silence with sine bursts at [start, end) sample spans."""
    out = [0.0] * total_samples
    for start, end in spans:
        for i in range(start, min(end, total_samples)):
            out[i] = amp * math.sin(2 * math.pi * freq * i / rate)
    return out


# ---- the test model's picture (see common notes / docs/recipes.md)

BG = (40, 40, 60)
FACE = (230, 190, 150)
EYE = (30, 30, 30)
MOUTH = (120, 20, 30)


class TestPicture:
    """Geometry of the test model's frame of size w x h."""

    def __init__(self, w, h):
        self.w, self.h = w, h
        self.r = min(w, h - 8) * 3 // 8
        self.cx, self.cy = w // 2, h // 2 + 4
        self.s = max(2, self.r // 6)

    def mouth_h(self, rms):
        level = min(1.0, rms / 0.25)
        return int(math.floor(level * (self.r // 2) + 0.5))

    def face_point(self):
        """A pixel inside the face, away from eyes and mouth."""
        return (self.cx, self.cy - self.r // 3 - self.s - 4)

    def mouth_point(self):
        """The first row of the mouth: mouth colour when it is open."""
        return (self.cx, self.cy + self.r // 3 + 1)

    def background_point(self):
        """A pixel outside the face and below the index bits."""
        return (self.w - 3, self.h - 3)


def pixel(frame, x, y):
    """(r, g, b) of an RGB frame = (width, height, bytes)."""
    w, h, data = frame
    i = (y * w + x) * 3
    return tuple(data[i:i + 3])


def near(rgb, want, tol=24):
    return all(abs(a - b) <= tol for a, b in zip(rgb, want))


def decode_index(frame, ox=0, oy=0):
    """The frame index drawn at (ox, oy) by the test model: 32 cells of
    4x4 pixels, white for 1, read at each cell's centre."""
    n = 0
    for i in range(32):
        x = ox + 4 * (i % 16) + 2
        y = oy + 4 * (i // 16) + 2
        r, g, b = pixel(frame, x, y)
        if (r + g + b) // 3 >= 128:
            n |= 1 << i
    return n


def index_is_clean(frame, ox=0, oy=0):
    """True when every cell centre is clearly black or white: a picture
    that is not the test model's (or is misplaced) fails this."""
    for i in range(32):
        x = ox + 4 * (i % 16) + 2
        y = oy + 4 * (i // 16) + 2
        v = sum(pixel(frame, x, y)) // 3
        if 60 < v < 195:
            return False
    return True


# ---- reading a recording back

class Stream:
    def __init__(self, kind):
        self.kind = kind
        self.first_pts = None
        self.end = None             # last pts + duration
        self.count = 0
        self.frames = []            # video: (pts, analysis)
        self.samples = []           # audio: floats (mono)
        self.rate = 0


def read_media(path, analyse_frame, timeout=120, want_audio=True):
    """Decodes PATH with decodebin (any container the recipes write) and
    returns {"video": Stream, "audio": Stream}. Each decoded video frame is
    converted to RGB and passed as (width, height, bytes) to
    analyse_frame, whose result is kept with the frame's PTS. Audio is
    kept as mono float samples at its own rate, with the first PTS."""
    Gst = import_gst()
    pipe = Gst.Pipeline.new("reader")
    src = Gst.ElementFactory.make("filesrc")
    src.set_property("location", path)
    dec = Gst.ElementFactory.make("decodebin")
    pipe.add(src)
    pipe.add(dec)
    src.link(dec)
    streams = {"video": Stream("video"), "audio": Stream("audio")}
    lock = threading.Lock()

    def on_sample(sink, stream):
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        caps = sample.get_caps().get_structure(0)
        ok, info = buf.map(Gst.MapFlags.READ)
        try:
            pts = buf.pts
            with lock:
                if stream.first_pts is None:
                    stream.first_pts = pts
                if stream.kind == "video":
                    w = caps.get_value("width")
                    h = caps.get_value("height")
                    data = bytes(info.data)
                    stream.frames.append((pts, analyse_frame((w, h, data))))
                    stream.end = pts + buf.duration
                else:
                    stream.rate = caps.get_value("rate")
                    n = len(info.data) // 4
                    stream.samples.extend(
                        struct.unpack("<%df" % n, info.data[:4 * n]))
                    stream.end = pts + Gst.util_uint64_scale(
                        n, Gst.SECOND, stream.rate)
                stream.count += 1
        finally:
            buf.unmap(info)
        return Gst.FlowReturn.OK

    def branch(kind):
        if kind == "video":
            desc = ("queue ! videoconvert ! video/x-raw,format=RGB ! "
                    "appsink name=sink sync=false emit-signals=true")
        else:
            desc = ("queue ! audioconvert ! audio/x-raw,format=F32LE,"
                    "channels=1,layout=interleaved ! "
                    "appsink name=sink sync=false emit-signals=true")
        bin_ = Gst.parse_bin_from_description(desc, True)
        bin_.get_by_name("sink").connect("new-sample", on_sample,
                                         streams[kind])
        return bin_

    def on_pad(_dec, pad):
        name = pad.get_current_caps().get_structure(0).get_name()
        kind = name.split("/")[0]
        if kind not in ("video", "audio") or (kind == "audio" and
                                              not want_audio):
            b = Gst.ElementFactory.make("fakesink")
        else:
            b = branch(kind)
        pipe.add(b)
        b.sync_state_with_parent()
        sinkpad = b.get_static_pad("sink")
        pad.link(sinkpad)

    dec.connect("pad-added", on_pad)
    pipe.set_state(Gst.State.PLAYING)
    bus = pipe.get_bus()
    msg = bus.timed_pop_filtered(timeout * Gst.SECOND,
                                 Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is None:
        fail("reading %s took more than %d s" % (path, timeout))
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        fail("reading %s: %s (%s)" % (path, err.message, dbg))
    return streams


def onsets(samples, rate, first_pts_ns, threshold=0.1, hold=0.02):
    """Times (ns) where the audio goes from quiet to loud and back:
    [(start_ns, end_ns)] of stretches with |x| > threshold, stretches
    separated by less than `hold` seconds of quiet merged."""
    spans = []
    gap = int(hold * rate)
    start = last = None
    for i, x in enumerate(samples):
        if abs(x) > threshold:
            if start is None:
                start = i
            elif i - last > gap:
                spans.append((start, last + 1))
                start = i
            last = i
    if start is not None:
        spans.append((start, last + 1))
    to_ns = lambda i: first_pts_ns + i * 1000000000 // rate
    return [(to_ns(a), to_ns(b)) for a, b in spans]


def runs_of(flags):
    """[(first, end)] index spans where flags[i] is true."""
    out = []
    start = None
    for i, f in enumerate(flags + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append((start, i))
            start = None
    return out


def lip_sync(streams, label, frames=None):
    """How far the lips are from the sound: the tones' edges in the
    decoded soundtrack against the runs of frames whose mouth is open (the
    analysis of each frame must have its mouth-open flag at index 2).
    `frames` limits the video to a slice of the frame list.

    The test model opens the mouth in every frame that holds any tone, so
    the first open frame [s, s + 40 ms) holds the tone's start t shifted by
    the offset d (video minus audio): s <= t + d < s + 40 ms; the last
    open frame [e - 40 ms, e) holds its end. Each edge bounds d; the
    bounds of all edges together give d within [lo, hi). Tones whose
    edges fall at different places in a frame narrow that down; tones
    aligned on frame boundaries pin it. Edges within a frame of either
    stream's start or end are the recording's, not a tone's, and are left
    out. Prints the edges; returns (tone edges, mouth edges, lo, hi) in
    ns, lo > hi when the edges disagree."""
    v, a = streams["video"], streams["audio"]
    vf = v.frames if frames is None else v.frames[frames]
    heard = onsets(a.samples, a.rate, a.first_pts)
    seen = [(vf[s][0], vf[e - 1][0] + FRAME_NS)
            for s, e in runs_of([f[1][2] for f in vf])]
    first = max(a.first_pts, vf[0][0]) + FRAME_NS
    last = min(a.end, vf[-1][0] + FRAME_NS) - FRAME_NS
    print("tones heard at %s" % ", ".join("[%s, %s)" % (ms(s), ms(e))
                                          for s, e in heard))
    print("mouth open at  %s" % ", ".join("[%s, %s)" % (ms(s), ms(e))
                                          for s, e in seen))
    h_on = [s for s, _ in heard if first <= s <= last]
    h_off = [e for _, e in heard if first <= e <= last]
    s_on = [s for s, _ in seen if first <= s <= last]
    s_off = [e for _, e in seen if first <= e <= last]
    lo, hi = -10 * FRAME_NS, 10 * FRAME_NS
    for t in h_on:
        if s_on:
            s = min(s_on, key=lambda x: abs(x - t))
            lo, hi = max(lo, s - t), min(hi, s + FRAME_NS - t)
    for t in h_off:
        if s_off:
            e = min(s_off, key=lambda x: abs(x - t))
            lo, hi = max(lo, e - FRAME_NS - t), min(hi, e - t)
    print("measured A/V offset (%s, video minus audio): between %s and %s "
          "(%d tone edges)" % (label, ms(lo), ms(hi), len(h_on) + len(h_off)))
    return len(h_on) + len(h_off), len(s_on) + len(s_off), lo, hi


def lips_in_sync(lo, hi, early=FRAME_NS, late=FRAME_NS):
    """The edges agree and put the video no more than `early` before and
    `late` after the sound."""
    return lo <= hi and -early <= lo and hi <= late


def ms(ns):
    return "%.1f ms" % (ns / 1e6)
