# liveavatar: test of the composition recipes
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""composite-pip.sh / composite-lower-third.sh: runs the live scene for a
few seconds with a ticking tone as the speaker, stops it with Ctrl-C
(EOS), decodes the recording and checks, in every frame, the pixels the
layout fixes: the test model's frame index at the avatar box's corner
(consecutive from frame to frame: nothing dropped or repeated), its face
where the model draws it, the border or banner, the background around
the box; and that the mouth opens with the tone (lip sync in the scene).
Usage: test_composite.py pip|lower-third"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

RUN_SECONDS = 5.0
SLIDE = (0x1f, 0x3a, 0x5f)
# the layouts the scripts' headers document: avatar box (x, y, size),
# the panel behind it (x, y, w, h, colour)
LAYOUTS = {
    "pip": {"avatar": (464, 184, 160),
            "panel": (460, 180, 168, 168, (255, 255, 255))},
    "lower-third": {"avatar": (8, 240, 112),
                    "panel": (0, 232, 640, 128, (0xc0, 0x39, 0x2b))},
}
# 0.3 s of tone every 0.61 s: each tone starts 10 ms later within a frame
# than the one before, which narrows down the measured A/V offset
SPEECH = ("audiotestsrc is-live=true wave=ticks tick-interval=610000000 "
          "sine-periods-per-tick=66 freq=220 volume=0.5")


def main():
    layout = sys.argv[1] if len(sys.argv) > 1 else "pip"
    spec = LAYOUTS[layout]
    ru.need_programs("bash", "gst-launch-1.0")
    ru.need_gst_elements("liveavatarsrc", "compositor", "x264enc", "opusenc",
                         "matroskamux", "avdec_h264")
    ru.import_gst()

    d = ru.work_dir("composite-" + layout)
    out = os.path.join(d, "scene.mkv")
    env = dict(os.environ, SPEECH=SPEECH)
    rec = ru.Background(["bash", os.path.join(ru.PIPELINES,
                                              "composite-%s.sh" % layout),
                         out], env=env, log=os.path.join(d, "recipe.out"))
    try:
        time.sleep(RUN_SECONDS)
        ru.check(rec.running(), "the scene is still running after %.0f s"
                 % RUN_SECONDS)
        os.killpg(rec.proc.pid, signal.SIGINT)   # gst-launch -e: EOS
        rc = rec.wait(30)
        if rc != 0:
            print(rec.output())
            ru.fail("the recipe did not finish cleanly after Ctrl-C (%s)" % rc)
    finally:
        rec.stop()

    ax, ay, size = spec["avatar"]
    px, py, pw, ph, pcol = spec["panel"]
    pic = ru.TestPicture(size, size)
    fx, fy = pic.face_point()
    mx, my = pic.mouth_point()
    # a panel pixel just outside the avatar box, a background pixel just
    # outside the panel (above it, both layouts leave room there)
    panel_pt = (ax - 2, ay + size // 2) if ax >= 2 else (ax + size + 8, ay + 8)
    slide_pt = (px + pw // 2, py - 4)

    def analyse(f):
        # the index cells, and the avatar's own background in the box's
        # far corner (what shows through when the avatar is absent would
        # decode too: the white border reads as 0xffffffff)
        clean = (ru.index_is_clean(f, ax, ay) and
                 ru.near(ru.pixel(f, ax + size - 3, ay + size - 3), ru.BG))
        return (ru.decode_index(f, ax, ay) if clean else None, clean,
                ru.near(ru.pixel(f, ax + mx, ay + my), ru.MOUTH),
                ru.near(ru.pixel(f, ax + fx, ay + fy), ru.FACE),
                ru.near(ru.pixel(f, *panel_pt), pcol),
                ru.near(ru.pixel(f, *slide_pt), SLIDE))

    st = ru.read_media(out, analyse)
    frames = [f for _, f in st["video"].frames]
    n = len(frames)
    with_avatar = [i for i, f in enumerate(frames) if f[1]]
    ru.check(n >= 20 * (RUN_SECONDS - 1.5), "the scene has %d frames "
             "(%.0f s recorded)" % (n, n / 25.0))
    # as for the avatar below, the first or last frame of a live recording
    # cut by Ctrl-C may be incomplete; every other frame must be right
    off = [i for i, f in enumerate(frames) if not (f[4] and f[5])]
    ru.check(len(off) <= 2 and all(i <= 1 or i >= n - 2 for i in off),
             "panel at (%d,%d) and background at (%d,%d) have their colours "
             "in every frame but the first or last (wrong in %s)"
             % (panel_pt + slide_pt + (off,)))
    ru.check(len(with_avatar) >= n - 2 and with_avatar[0] <= 1,
             "the avatar's index cells are at (%d,%d) from the start (%d of %d "
             "frames)" % (ax, ay, len(with_avatar), n))
    first, last = with_avatar[0], with_avatar[-1]
    idx = [frames[i][0] for i in range(first, last + 1)]
    # after EOS the compositor repeats the avatar's last frame
    while len(idx) > 1 and idx[-1] == idx[-2]:
        idx.pop()
    steps = [b - a for a, b in zip(idx, idx[1:])]
    ru.check(steps and all(s == 1 for s in steps), "the avatar's frame index "
             "goes up by one each scene frame (%d..%d; steps %s)"
             % (idx[0], idx[-1], sorted(set(steps))))
    ru.check(all(frames[i][3] for i in with_avatar), "the face is at (%d,%d) "
             "in every frame" % (ax + fx, ay + fy))
    heard, seen, lo, hi = ru.lip_sync(st, "scene " + layout,
                                      slice(first, first + len(idx)))
    ru.check(heard >= 10 and heard == seen,
             "%d tone edges heard, %d mouth edges seen" % (heard, seen))
    # The avatar alone is in sync with its sound (test_record, test_live).
    # The scene adds up to one frame: for each of its frames the compositor
    # shows the latest avatar frame that has started, and the avatar's
    # frames start a few ms after the scene's (each source's frame grid
    # starts when the source does), so the one shown is up to 40 ms old.
    # Which avatar frame that is depends on when each arrived, so the edges
    # may each see a slightly different offset: they must agree within one
    # scene frame (lo may pass hi by that much), all within the bounds.
    ru.check(lo <= hi + ru.FRAME_NS and -ru.FRAME_NS <= lo and
             hi <= 2 * ru.FRAME_NS,
             "lips follow the soundtrack within one frame, plus up to one for "
             "the scene's frame grid (offset in [%s, %s])"
             % (ru.ms(lo), ru.ms(hi)))
    print("PASS")


if __name__ == "__main__":
    main()
