# liveavatar: test of the stats recipe
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""stats.sh on a WAV file of known length: it prints one liveavatar-stats
line per block, each parses back as a GstStructure, the blocks come in
order and cover every frame (one line per 12 frames, the last with the
remainder), their timestamps are the frames', and the stage fields match
the two-stage pipeline asked for (dit-devices=0,1 on the CPU backend)."""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W, H = 64, 64
N_SAMPLES = 2 * ru.RATE + 8000          # 2.5 s: 62.5 frames
FPB = 12


def get(s, kind, field):
    ok, v = getattr(s, "get_" + kind)(field)
    if not ok:
        ru.fail("no %s field %s" % (kind, field))
    return v


def array(s, field):
    ok, a = s.get_array(field)
    if not ok:
        ru.fail("field %s is not an array" % field)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [a.get_nth(i) for i in range(a.n_values)]


def main():
    ru.need_programs("bash", "sed", "gst-launch-1.0")
    ru.need_gst_elements("liveavatarfilter", "decodebin", "wavparse",
                         "fakesink")
    Gst = ru.import_gst()

    d = ru.work_dir("stats")
    wav = os.path.join(d, "speech.wav")
    ru.write_wav(wav, ru.bursts(N_SAMPLES, [(8000, 20000)]))
    n_frames = (N_SAMPLES + ru.SPF - 1) // ru.SPF
    n_blocks = (n_frames + FPB - 1) // FPB

    script = os.path.join(ru.PIPELINES, "stats.sh")
    out = ru.run(["bash", script, wav, "width=%d" % W, "height=%d" % H,
                  "backend=cpu", "dit-devices=0,1"], timeout=60)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    print("\n".join(lines))
    ru.check(all(ln.startswith("liveavatar-stats, ") for ln in lines),
             "the recipe prints only liveavatar-stats lines")
    ru.check(len(lines) == n_blocks,
             "%d lines for %d frames (%d expected)"
             % (len(lines), n_frames, n_blocks))

    covered = 0
    for b, line in enumerate(lines):
        s, end = Gst.Structure.from_string(line)
        if s is None:
            ru.fail("line %d does not parse as a GstStructure: %s"
                    % (b, line))
        block = get(s, "uint64", "block")
        frame = get(s, "uint64", "frame")
        count = get(s, "uint", "n-frames")
        pts = get(s, "uint64", "pts")
        if block != b or frame != b * FPB:
            ru.fail("line %d is block %d at frame %d" % (b, block, frame))
        if count != min(FPB, n_frames - frame):
            ru.fail("block %d has %d frames" % (b, count))
        covered += count
        if pts != frame * ru.FRAME_NS or \
                get(s, "uint64", "running-time") != pts:
            ru.fail("block %d at %d ns" % (b, pts))
        if get(s, "boolean", "skipped"):
            ru.fail("block %d skipped" % b)
        dit_us = array(s, "dit-us")
        if array(s, "dit-devices") != ["0", "1"] or len(dit_us) != 2 or \
                get(s, "int", "vae-device") != 1:
            ru.fail("block %d: stages %s" % (b, line))
        stages = [get(s, "int64", "audio-us")] + dit_us + \
            [get(s, "int64", "vae-us")]
        if min(stages) < 0 or get(s, "int64", "compute-us") != sum(stages) \
                or get(s, "int64", "block-us") < sum(stages):
            ru.fail("block %d: times %s" % (b, line))
        if len(array(s, "queue-depths")) != 4:
            ru.fail("block %d: queue depths %s" % (b, line))
        if get(s, "uint64", "latency") < 480 * 1000 * 1000:
            ru.fail("block %d: latency %s" % (b, line))
    ru.check(covered == n_frames,
             "the blocks cover all %d frames, in order, at their PTS"
             % n_frames)


if __name__ == "__main__":
    main()
