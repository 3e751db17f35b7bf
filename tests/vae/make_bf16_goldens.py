#!/usr/bin/env python3
# liveavatar: bf16 golden data for the video VAE's bf16 test
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/vae/data/goldens-bf16.safetensors.

Live Avatar's TPP stream decode (see make_goldens.py) of the committed
fixtures (data/weights.safetensors, the stream.* inputs of
data/goldens.safetensors) by diffusers' AutoencoderKLWan in bfloat16 on
the CPU, as Live Avatar's WanVAE (dtype = bfloat16) holds it:
  - weights .to(bfloat16) (the fixture's e4m3 values are exact in bf16);
  - mean and std bf16 tensors, scale[1] = 1.0 / std in bf16, the latents
    denormalised as z / scale[1] + scale[0] in fp32 (fp32 latents with
    bf16 tables promote to fp32), then rounded to bf16 for conv2 (what
    autocast does at a convolution);
  - every later op in bf16 (CPU, no autocast: each op rounds to bf16,
    RMS_norm's F.normalize included; on a GPU autocast would keep that
    one in fp32 until the next convolution);
  - the pictures .float ().clamp_ (-1, 1).
Goldens (F32): stream.pictures0 [9, 3, 16, 16], stream.pictures1
[12, 3, 16, 16].

Needs torch, diffusers and safetensors (CPU is enough); CI does not run
this, the output is committed.
"""

import argparse
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_goldens as mg  # noqa: E402

BF16 = torch.bfloat16


def denormalise_bf16_tables(z):
    mean = torch.tensor(mg.MEAN, dtype=BF16).view(1, mg.Z_DIM, 1, 1, 1)
    std = torch.tensor(mg.STD, dtype=BF16).view(1, mg.Z_DIM, 1, 1, 1)
    inv_std = 1.0 / std  # bf16, as WanVAE's scale[1]
    return z / inv_std + mean  # fp32 z: computed in fp32


def stream_decode(vae, feat_map, z):
    # clamping to [-1, 1] in bf16 first changes nothing: both ends are
    # exact in bf16
    return mg.stream_decode(
        vae, feat_map, z,
        denorm=lambda z: denormalise_bf16_tables(z).to(BF16)).float()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=os.path.join(here, 'data'))
    args = ap.parse_args()

    stored = load_file(os.path.join(args.data, 'weights.safetensors'))
    weights = {k: (v, v.to(torch.float64)) for k, v in stored.items()}
    vae = mg.diffusers_vae(weights).to(BF16)
    for name, p in vae.state_dict().items():
        assert p.dtype == BF16, name
    fp32 = load_file(os.path.join(args.data, 'goldens.safetensors'))
    motion = fp32['stream.motion'].unsqueeze(0)
    blocks = [fp32['stream.block0'].unsqueeze(0),
              fp32['stream.block1'].unsqueeze(0)]

    with torch.no_grad():
        kept = mg.tpp_decode(vae, motion, blocks,
                             lambda fm, z: stream_decode(vae, fm, z))

    goldens = {}
    for b in range(2):
        name = 'stream.pictures%d' % b
        got = mg.frame_major(kept[b])
        want = fp32[name]
        mse = float(((got.double() - want.double()) ** 2).mean())
        print('%s: bf16 vs the float64 golden: max |d| %.3g, PSNR %.1f dB'
              % (name, float((got - want).abs().max()),
                 10 * torch.log10(torch.tensor(4.0 / mse)).item()))
        # a bf16 run, not a copy of the fp32 one
        assert mse > 0
        goldens[name] = got
    mg.write_safetensors(os.path.join(args.data, 'goldens-bf16.safetensors'),
                         goldens)
    return 0


if __name__ == '__main__':
    sys.exit(main())
