# liveavatar: liveavatar-cli generate and a gst-launch pipeline make the same frames
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Issue #4's "done means": on the tiny model, `liveavatar-cli generate`
(the one-thread generator, no GStreamer) and `liveavatarfilter
model=liveavatar` in a gst-launch-1.0 pipeline (the threaded engine, fed by
wavparse in 4096-sample buffers) give the same frames, byte for byte.

The picture is a PNG already at the output size, so neither side resizes
it (the CLI resizes as Pillow does, the element with videoscale). Audio:
exactly 2 clips of tone bursts (the CLI makes whole clips; with a partial
one its stream would end later than the element's drain, and the last
block's look-ahead would see other samples).
Usage: test_cli_vs_filter.py LIVEAVATAR_CLI"""

import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W = H = 64
SEED = 7
TOTAL = 2 * 4 * 7680
SPANS = [(3000, 9000), (20000, 41000), (50000, 60000)]


def write_png(path, w, h):
    """A smooth RGB picture with some structure, stored losslessly."""
    def px(x, y):
        return (40 + (x * 180) // w, 60 + (y * 150) // h,
                200 if (x - w // 2) ** 2 + (y - h // 2) ** 2 < (w // 3) ** 2
                else 90)
    rows = b"".join(b"\x00" + bytes(c for x in range(w) for c in px(x, y))
                    for y in range(h))

    def chunk(tag, data):
        body = tag + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


def main():
    cli = sys.argv[1]
    ru.need_programs("gst-launch-1.0")
    ru.need_gst_elements("liveavatarfilter", "wavparse", "pngdec")
    d = ru.work_dir("cli-vs-filter")
    model = os.path.join(d, "tiny-model")
    png = os.path.join(d, "face.png")
    wav = os.path.join(d, "speech.wav")
    cli_out = os.path.join(d, "cli.rgb")
    gst_out = os.path.join(d, "gst.rgb")

    ru.run([cli, "make-tiny-model", model], timeout=60)
    write_png(png, W, H)
    ru.write_wav(wav, ru.bursts(TOTAL, SPANS))

    ru.run([cli, "generate", "--model", model, "--image", png, "--audio", wav,
            "--size", "%dx%d" % (W, H), "--seed", str(SEED),
            "--out", cli_out], timeout=600)
    ru.run(["gst-launch-1.0", "-q",
            "filesrc", "location=" + wav, "!", "wavparse", "!",
            "audioconvert", "!", "audio/x-raw,format=F32LE", "!",
            "liveavatarfilter", "model=liveavatar", "model-path=" + model,
            "reference-image=" + png, "width=%d" % W, "height=%d" % H,
            "seed=%d" % SEED, "!", "video/x-raw,format=RGB", "!",
            "filesink", "location=" + gst_out], timeout=600)

    frame = W * H * 3
    a = open(cli_out, "rb").read()
    b = open(gst_out, "rb").read()
    want = -(-TOTAL // 640)
    ru.check(len(a) == 96 * frame,
             "the CLI wrote %d frames (want 2 clips = 96)" % (len(a) // frame))
    ru.check(len(b) == want * frame, "the filter made %d frames (want "
             "ceil(%d / 640) = %d)" % (len(b) // frame, TOTAL, want))
    for n in range(want):
        if a[n * frame:(n + 1) * frame] != b[n * frame:(n + 1) * frame]:
            diff = sum(1 for i in range(frame)
                       if a[n * frame + i] != b[n * frame + i])
            ru.fail("frame %d differs between the CLI and the filter "
                    "(%d of %d bytes)" % (n, diff, frame))
    moving = sum(1 for n in range(1, want)
                 if b[n * frame:(n + 1) * frame] !=
                 b[(n - 1) * frame:n * frame])
    ru.check(moving > want // 2, "the frames change (%d of %d differ from "
             "the one before)" % (moving, want - 1))
    print("%d frames identical between liveavatar-cli and liveavatarfilter"
          % want)


if __name__ == "__main__":
    main()
