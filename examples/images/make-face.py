#!/usr/bin/env python3
# liveavatar: draws examples/images/face.png, the demo's reference picture
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A cartoon head and shoulders on a soft background, 512x512 RGB, written
as PNG with the standard library only (zlib), so anyone can regenerate it:

    python3 examples/images/make-face.py examples/images/face.png

The tiny demo model has random weights: it does not draw this face, but it
is encoded, primed and shown exactly as a real portrait would be.
"""
import struct
import sys
import zlib

W = H = 512


def inside_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def pixel(x, y):
    # background: vertical gradient
    t = y / (H - 1)
    rgb = (int(70 + 60 * t), int(90 + 50 * t), int(140 + 40 * t))
    if inside_ellipse(x, y, 256, 560, 230, 150):          # shoulders
        rgb = (40, 60, 110)
    if inside_ellipse(x, y, 256, 240, 120, 150):          # face
        rgb = (232, 192, 160)
    if inside_ellipse(x, y, 256, 130, 130, 70) and y < 150:  # hair
        rgb = (60, 40, 30)
    for ex in (206, 306):                                 # eyes
        if inside_ellipse(x, y, ex, 220, 18, 11):
            rgb = (250, 250, 250)
        if inside_ellipse(x, y, ex, 220, 7, 7):
            rgb = (40, 30, 30)
    if inside_ellipse(x, y, 256, 270, 10, 22):            # nose
        rgb = (215, 170, 140)
    if inside_ellipse(x, y, 256, 320, 45, 14):            # mouth
        rgb = (170, 60, 70)
    return rgb


def png(path):
    rows = b"".join(
        b"\x00" + bytes(c for x in range(W) for c in pixel(x, y))
        for y in range(H))

    def chunk(tag, data):
        body = tag + data
        return (struct.pack(">I", len(data)) + body +
                struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 9)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    png(sys.argv[1] if len(sys.argv) > 1 else "face.png")
