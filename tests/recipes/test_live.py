# liveavatar: test of the live conferencing recipe
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""live-conference.sh on loopback UDP ports: a receiver decodes the
avatar's RTP video as it arrives, a talker sends its voice as RTP/Opus
only part of the time (or never), and the test checks that the video
never stalls: frames arrive at 25 per second with no long gap, numbered
without a hole or a repeat, and the mouth opens while the talker talks
and only then.
Usage: test_live.py part|none"""

import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W, H = 128, 128
RUN = 6.0                       # seconds the recipe runs
TALK = [(1.2, 2.2), (3.4, 4.4)]  # when the talker sends (s after start)
MAX_GAP = 0.25                  # a stall: no frame for this long


def free_udp_ports(n):
    """A base port such that base..base+n-1 are free UDP ports."""
    for _ in range(50):
        base = ru.free_udp_port()
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    ru.fail("no %d consecutive free UDP ports" % n)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "part"
    talk = TALK if mode == "part" else []
    ru.need_programs("bash", "gst-launch-1.0")
    ru.need_gst_elements("liveavatarsrc", "rtpbin", "x264enc", "opusenc",
                         "opusdec", "avdec_h264", "valve")
    Gst = ru.import_gst()

    d = ru.work_dir("live-" + mode)
    out_port = free_udp_ports(4)
    in_port = ru.free_udp_port()
    pic = ru.TestPicture(W, H)

    # the far end: decodes the video as it comes and notes when
    recv = Gst.parse_launch(
        "udpsrc address=127.0.0.1 port=%d caps=\"application/x-rtp,"
        "media=video,clock-rate=90000,encoding-name=H264,payload=96\" ! "
        "rtpjitterbuffer latency=50 ! rtph264depay ! avdec_h264 ! "
        "videoconvert ! video/x-raw,format=RGB ! "
        "appsink name=sink emit-signals=true sync=false" % out_port)
    got = []
    lock = threading.Lock()

    def on_sample(sink):
        buf = sink.emit("pull-sample").get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        f = (W, H, bytes(info.data))
        buf.unmap(info)
        with lock:
            got.append((time.monotonic(), ru.decode_index(f),
                        ru.index_is_clean(f),
                        ru.near(ru.pixel(f, *pic.mouth_point()), ru.MOUTH)))
        return Gst.FlowReturn.OK

    recv.get_by_name("sink").connect("new-sample", on_sample)
    # the talker: a tone whose packets are let through only while talking,
    # like a sender with silence suppression: RTP timestamps jump over the
    # pauses, sequence numbers do not. (Gating before the encoder instead
    # makes opusenc stamp the first packets after a pause wrongly.)
    talker = Gst.parse_launch(
        "audiotestsrc is-live=true wave=sine freq=220 volume=0.5 ! "
        "audioconvert ! audioresample ! audio/x-raw,rate=48000 ! opusenc ! "
        "valve name=valve drop=true ! rtpopuspay pt=97 ! "
        "udpsink host=127.0.0.1 port=%d" % in_port)
    valve = talker.get_by_name("valve")

    recv.set_state(Gst.State.PLAYING)
    talker.set_state(Gst.State.PLAYING)
    rec = ru.Background(["bash", os.path.join(ru.PIPELINES,
                                              "live-conference.sh"),
                         str(in_port), "127.0.0.1", str(out_port),
                         "width=%d" % W, "height=%d" % H],
                        log=os.path.join(d, "recipe.out"))
    t0 = time.monotonic()
    try:
        events = sorted([(s, False) for s, _ in talk] +
                        [(e, True) for _, e in talk])
        for at, drop in events:
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            valve.set_property("drop", drop)
            print("%.2f s: talker %s" % (time.monotonic() - t0,
                                         "stops" if drop else "talks"))
        time.sleep(max(0.0, t0 + RUN - time.monotonic()))
        ru.check(rec.running(), "the recipe is still running after %.0f s"
                 % RUN)
        os.killpg(rec.proc.pid, signal.SIGINT)
        rc = rec.wait(20)
        if rc != 0:
            print(rec.output())
            ru.fail("the recipe did not stop cleanly on Ctrl-C (%s)" % rc)
    finally:
        rec.stop()
        talker.set_state(Gst.State.NULL)
        time.sleep(0.3)
        recv.set_state(Gst.State.NULL)

    with lock:
        frames = list(got)
    ru.check(len(frames) > 25, "the receiver decoded %d frames" % len(frames))
    ru.check(all(f[2] for f in frames), "every frame is the test model's")
    idx = [f[1] for f in frames]
    steps = sorted(set(b - a for a, b in zip(idx, idx[1:])))
    ru.check(steps == [1], "frame indices %d..%d without a hole or a repeat "
             "(steps %s)" % (idx[0], idx[-1], steps))
    times = [f[0] for f in frames]
    gaps = [b - a for a, b in zip(times, times[1:])]
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span
    first = times[0] - t0
    print("measured: first frame %.2f s after start, %.2f fps over %.1f s, "
          "longest gap %.0f ms" % (first, rate, span, 1000 * max(gaps)))
    ru.check(span >= RUN - 2.0, "frames keep coming until the end (%.1f s)"
             % span)
    ru.check(22.0 <= rate <= 28.0, "about 25 fps (%.2f)" % rate)
    ru.check(max(gaps) < MAX_GAP, "no stall: no gap of %.0f ms or more "
             "(longest %.0f ms)" % (1000 * MAX_GAP, 1000 * max(gaps)))

    opened = [f[3] for f in frames]
    runs = ru.runs_of(opened)
    print("mouth open in frames %s" % ", ".join("%d..%d" % (idx[s], idx[e - 1])
                                               for s, e in runs))
    if not talk:
        ru.check(not any(opened), "no talker: the mouth stays closed")
    else:
        # the avatar talks in one run about as long as the talker did,
        # with idle frames before and after it
        ru.check(len(runs) == len(talk), "%d talk spurt(s) seen (want %d)"
                 % (len(runs), len(talk)))
        for (s, e), (ts, te) in zip(runs, talk):
            want = (te - ts) * 25
            ru.check(abs((e - s) - want) <= 6, "the mouth is open for %d "
                     "frames (talked %.1f s = %.0f frames)"
                     % (e - s, te - ts, want))
        ru.check(not opened[0] and not opened[-1],
                 "idle before and after the talker")
    print("PASS")


if __name__ == "__main__":
    main()
