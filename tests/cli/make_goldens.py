#!/usr/bin/env python3
# liveavatar: goldens for liveavatar-cli's picture reading and fitting
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/cli/data/: what Pillow makes of a few pictures, the way
Live Avatar prepares its reference picture (causal_s2v_pipeline_tpp.py):

    Image.open (path).convert ('RGB')
    transforms.Resize (min (H, W))        PIL resize, BILINEAR
    transforms.CenterCrop ((H, W))

pictures.safetensors (uint8 [h, w, 3] each):
  "src"                  a seeded 37x23 RGB picture (also src.ppm)
  "resize_WxH"           Image.resize ((W, H), BILINEAR) of src
  "fit_WxH"              Resize (min (W, H)) + CenterCrop ((H, W)) of src,
                         torchvision's arithmetic written out below
                         (_compute_resized_output_size, center_crop: pad
                         with 0, (out - in) // 2 before; crop from
                         int (round ((in - out) / 2.0)))
  "png_<name>"           Image.open ("<name>.png").convert ("RGB") for the
                         PNG files written next to it (palette, grey,
                         grey + alpha, RGBA, 16-bit RGB, interlaced)

Regenerate with Pillow 12 (numpy, safetensors too), e.g.:
  pip install --target /tmp/pil12 pillow==12.0.0
  PYTHONPATH=/tmp/pil12 python3 tests/cli/make_goldens.py
Only Pillow's output is the reference: the C code is checked against it
byte for byte. Pillow up to 12 (the versions of Live Avatar's time; its
requirements do not pin Pillow) always resamples horizontally first;
Pillow 13 sometimes resamples vertically first (seen where the height
shrinks much more than the width), which moves some pixels by 1. The script
refuses Pillow 13 or later.
"""

import os

import numpy as np
from PIL import Image
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

RESIZES = [(16, 10), (5, 3), (64, 40), (37, 11), (20, 23), (1, 1), (111, 7)]
FITS = [(16, 16), (32, 16), (16, 32), (64, 48), (24, 8), (40, 40)]


def fit(img, w, h):
    """torchvision Resize (min (h, w)) then CenterCrop ((h, w)) on PIL."""
    size = min(h, w)
    iw, ih = img.size
    short, long = (iw, ih) if iw <= ih else (ih, iw)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if iw <= ih else (new_long, new_short)
    img = img.resize((nw, nh), Image.BILINEAR)
    arr = np.asarray(img)
    out = np.zeros((h, w, 3), np.uint8)
    # pad where smaller
    if w > nw or h > nh:
        left, top = (w - nw) // 2 if w > nw else 0, (h - nh) // 2 if h > nh else 0
        padded = np.zeros((max(h, nh), max(w, nw), 3), np.uint8)
        padded[top:top + nh, left:left + nw] = arr
        arr = padded
        nh, nw = arr.shape[:2]
    top = int(round((nh - h) / 2.0))
    left = int(round((nw - w) / 2.0))
    out[:] = arr[top:top + h, left:left + w]
    return out


def main():
    import PIL
    if int(PIL.__version__.split(".")[0]) >= 13:
        raise SystemExit("Pillow %s: use Pillow 12 (see the docstring)"
                         % PIL.__version__)
    os.makedirs(DATA, exist_ok=True)
    rng = np.random.default_rng(20260)
    # smooth gradients plus noise: both edges and flat areas matter
    y, x = np.mgrid[0:23, 0:37]
    base = np.stack([x * 7, y * 11, (x + y) * 4], -1).astype(np.float64)
    src = np.clip(base + rng.integers(0, 60, base.shape), 0, 255)
    src = src.astype(np.uint8)
    tensors = {"src": src}
    with open(os.path.join(DATA, "src.ppm"), "wb") as f:
        f.write(b"P6\n# seeded test picture\n37 23\n255\n")
        f.write(src.tobytes())

    img = Image.fromarray(src, "RGB")
    for w, h in RESIZES:
        tensors["resize_%dx%d" % (w, h)] = np.asarray(
            img.resize((w, h), Image.BILINEAR)).copy()
    for w, h in FITS:
        tensors["fit_%dx%d" % (w, h)] = fit(img, w, h)

    small = src[:9, :13]
    pngs = {
        "rgb": Image.fromarray(small, "RGB"),
        "rgba": Image.fromarray(np.concatenate(
            [small, rng.integers(0, 256, small.shape[:2] + (1,),
                                 dtype=np.uint8)], -1), "RGBA"),
        "grey": Image.fromarray(small[..., 0], "L"),
        "greyalpha": Image.fromarray(small[..., :2], "LA"),
        "palette": Image.fromarray(small, "RGB").quantize(7),
        "rgb16": Image.fromarray(small, "RGB"),
    }
    for name, im in pngs.items():
        path = os.path.join(DATA, name + ".png")
        if name == "rgb16":
            write_png16(path, small.astype(np.uint16) * 257 +
                        rng.integers(0, 257, small.shape).astype(np.uint16))
        elif name == "rgb":
            im.save(path, interlace=1)
        else:
            im.save(path)
        tensors["png_" + name] = np.asarray(
            Image.open(path).convert("RGB")).copy()

    save_file(tensors, os.path.join(DATA, "pictures.safetensors"))


def write_png16(path, arr):
    """A 16-bit RGB PNG by hand (Pillow cannot write one)."""
    import struct
    import zlib

    h, w, _ = arr.shape
    raw = b"".join(b"\0" + arr[r].astype(">u2").tobytes() for r in range(h))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
