# liveavatar: test of the record recipes (MP4 and Matroska)
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""record-mp4.sh / record-mkv.sh: runs the recipe on a WAV with tone bursts
at known times, then decodes the file it wrote (decodebin, not the
writer's word) and checks:
- the video has exactly ceil(samples / 640) frames, numbered 0..n-1 by
  the test model's index bits, 40 ms apart;
- audio and video start and end within one frame of each other;
- the mouth opens and closes where the tones start and stop in the
  decoded soundtrack (the A/V offset that a viewer sees), within a frame.
Prints the measured offsets. Usage: test_record.py mp4|mkv"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W, H = 128, 128
# 3.01 s: not a whole number of frames, so the last frame is padded
TOTAL = 48160
# tones start and stop on frame boundaries: frame k is all tone or silence
SPANS = [(25 * ru.SPF, 45 * ru.SPF), (60 * ru.SPF, 70 * ru.SPF)]


def main():
    fmt = sys.argv[1] if len(sys.argv) > 1 else "mp4"
    script = os.path.join(ru.PIPELINES, "record-%s.sh" % fmt)
    ru.need_programs("bash", "gst-launch-1.0")
    enc = {"mp4": ["mp4mux", "avenc_aac"], "mkv": ["matroskamux", "opusenc"]}
    ru.need_gst_elements("liveavatarfilter", "x264enc", "avdec_h264",
                         *enc[fmt])
    Gst = ru.import_gst()

    d = ru.work_dir("record-" + fmt)
    wav = os.path.join(d, "in.wav")
    out = os.path.join(d, "out." + fmt)
    ru.write_wav(wav, ru.bursts(TOTAL, SPANS))

    ru.run(["bash", script, wav, out, "width=%d" % W, "height=%d" % H],
           timeout=120)
    ru.check(os.path.getsize(out) > 0, "%s wrote %s" % (script, out))

    pic = ru.TestPicture(W, H)

    def analyse(frame):
        open_ = ru.near(ru.pixel(frame, *pic.mouth_point()), ru.MOUTH)
        face = ru.near(ru.pixel(frame, *pic.face_point()), ru.FACE)
        return (ru.decode_index(frame), ru.index_is_clean(frame), open_, face)

    st = ru.read_media(out, analyse)
    v, a = st["video"], st["audio"]
    want = -(-TOTAL // ru.SPF)
    ru.check(v.count == want, "video has %d frames (want ceil(%d / 640) = %d)"
             % (v.count, TOTAL, want))
    idx = [f[1][0] for f in v.frames]
    ru.check(all(f[1][1] for f in v.frames),
             "every frame carries a readable test-model index")
    ru.check(idx == list(range(want)), "frames are numbered 0..%d in order"
             % (want - 1))
    ru.check(all(f[1][3] for f in v.frames), "the face is where the model "
             "draws it in every frame")
    pts = [f[0] for f in v.frames]
    ru.check(all(pts[i] - pts[0] == i * ru.FRAME_NS for i in range(len(pts))),
             "video PTS are exactly n x 40 ms from the first")
    ru.check(a.count > 0 and a.rate > 0, "the file has a soundtrack (%d Hz)"
             % a.rate)

    start_off = v.first_pts - a.first_pts
    end_off = v.end - a.end
    print("measured: video starts %s after audio, ends %s after audio"
          % (ru.ms(start_off), ru.ms(end_off)))
    ru.check(abs(start_off) <= ru.FRAME_NS, "audio and video start within "
             "one frame (%s)" % ru.ms(start_off))
    ru.check(abs(end_off) <= ru.FRAME_NS, "audio and video end within "
             "one frame (%s)" % ru.ms(end_off))

    # lip sync: edges of the tones in the decoded soundtrack against the
    # frames whose mouth is open
    heard, seen, lo, hi = ru.lip_sync(st, fmt)
    ru.check(heard == 2 * len(SPANS) and seen == 2 * len(SPANS),
             "%d tone edges heard and %d mouth edges seen (want %d)"
             % (heard, seen, 2 * len(SPANS)))
    ru.check(ru.lips_in_sync(lo, hi), "lips follow the soundtrack within "
             "one frame (offset in [%s, %s])" % (ru.ms(lo), ru.ms(hi)))
    print("PASS")


if __name__ == "__main__":
    main()
