#!/usr/bin/env python3
# liveavatar: goldens for the end-to-end parity test
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/e2e/data/goldens.safetensors: two clips (8 blocks of 3
latent frames, 4 steps) of Live Avatar's streaming generation at 64x64 on
the tiny model, computed by oracle_e2e.py in float64.

The model: the folder our C generator writes (la_tiny_model_write with
TINY_SEED, run through the e2e-write-tiny helper the e2e meson.build
builds); the oracle reads it as Live Avatar would: config.json, the bf16
shards through the index, liveavatar.safetensors merged with peft (r = the
file's rank, alpha 64), Wan2.1_VAE.pth through diffusers.

Inputs (stored, the test feeds them to la_avatar_generate):
  in.tiny_seed   I64 [1]           la_tiny_model_write's seed
  in.tiny_sha256 U8 [32]           SHA-256 of config.json, the index,
                                   liveavatar.safetensors, Wan2.1_VAE.pth
                                   and the shards (sorted), in that order
  in.picture     U8 [64, 64, 3]    a smooth deterministic picture (RGB)
  in.context     F32 [7, text_dim] random, as if umT5's output
  in.features    BF16 [96, 25, audio_dim]  random, as if wav2vec2's
                                   states, 12 video frames per block
  in.noise       BF16 [2, 16, 12, 8, 8]  clip r: torch.randn with a CPU
                 generator seeded SEED + r (Live Avatar: seed + r, bf16)
  in.draws       I32 [32]          sink distances in 4..30,
                                   draws[block * 4 + step]
Goldens (F32):
  cond.ref_latent [16, 1, 8, 8], cond.motion_latents [16, 19, 8, 8]
  block%04d.step%d [16, 3, 8, 8]   every block's latent after every step
  block0000.pixels [9, 3, 64, 64]  the first block's decoded pictures
  block0007.pixels.last4 [4, 3, 64, 64]  pictures 8..11 of block 7
                                   (the file stays < 1.5 MB)
Pictures are Live Avatar's stream_decode output: in [-1, 1], clamped.

Regenerate (needs torch, diffusers, safetensors and peft; CI does not run
this, the output is committed):
  meson setup build -Dcuda=disabled -Dgst=disabled && ninja -C build
  python3 tests/e2e/make_goldens.py build/tests/e2e/e2e-write-tiny
Options: --model DIR uses an existing folder instead of the writer;
--check also runs the float32 oracle, a manual LoRA merge and a few
variants (no sink refresh, other draws, no LoRA) and prints how far each
moves the goldens, so that the test can tell them apart. Measured:
float32 oracle 2.5e-5 (pictures), no LoRA 0.38, no sink refresh 4.3e-2,
other draws in clip 1 2.8e-2 (max |a - b| / max |b| of the worst tensor).
check_liveavatar.py runs Live Avatar's own generate on the same inputs.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oracle_e2e as oe  # noqa: E402

TINY_SEED = 20260425
SEED = 420                      # Live Avatar's launch scripts' base_seed
HEIGHT, WIDTH = 64, 64
N_BLOCKS = 8
STEPS = 4
CONTEXT_ROWS = 7
PIXEL_TAILS = (7,)
MODEL_INDEX = 'diffusion_pytorch_model.safetensors.index.json'
MODEL_FILES = ['config.json', MODEL_INDEX, 'liveavatar.safetensors',
               'Wan2.1_VAE.pth']


def picture():
    """smooth, all three channels different, no flat areas"""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    r = 128 + 100 * np.sin(x / 9.0 + y / 23.0)
    g = 128 + 90 * np.cos(y / 11.0 - x / 31.0)
    b = 128 + 60 * np.sin((x + 2 * y) / 17.0)
    return np.stack([r, g, b], -1).round().clip(0, 255).astype(np.uint8)


def inputs(cfg):
    g = torch.Generator().manual_seed(SEED)
    ctx = torch.randn(CONTEXT_ROWS, cfg['text_dim'], generator=g)
    feats = torch.randn(N_BLOCKS * 12, 25, cfg['audio_dim'], generator=g)
    feats = feats.to(torch.bfloat16)
    n_clips = (N_BLOCKS + 3) // 4
    noise = torch.stack([
        torch.randn(16, 12, HEIGHT // 8, WIDTH // 8,
                    generator=torch.Generator().manual_seed(SEED + r))
        for r in range(n_clips)]).to(torch.bfloat16)
    draws = torch.randint(4, 31, (N_BLOCKS * STEPS,), generator=g,
                          dtype=torch.int32)
    # the extremes, where the sink roll is largest / zero
    draws[N_BLOCKS * STEPS - 4] = 4
    draws[N_BLOCKS * STEPS - 1] = 30
    return ctx, feats, noise, draws


def model_digest(folder):
    """SHA-256 over the files the oracle reads, in MODEL_FILES order (the
    test recomputes it to tell a changed tiny model from a broken C)"""
    h = hashlib.sha256()
    with open(os.path.join(folder, MODEL_INDEX)) as f:
        shards = sorted(set(json.load(f)['weight_map'].values()))
    for name in MODEL_FILES + shards:
        with open(os.path.join(folder, name), 'rb') as f:
            h.update(f.read())
    return torch.frombuffer(bytearray(h.digest()), dtype=torch.uint8)


def rel(a, b):
    return float((a.double() - b.double()).abs().max() /
                 b.double().abs().max())


def worst(G, H):
    k = max(G, key=lambda k: rel(H[k], G[k]))
    return '%.2e (%s)' % (rel(H[k], G[k]), k)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('writer', nargs='?', help='e2e-write-tiny executable')
    ap.add_argument('--model', help='an existing model folder')
    ap.add_argument('--out', default=os.path.join(HERE, 'data'))
    ap.add_argument('--check', action='store_true')
    args = ap.parse_args()
    if not args.writer and not args.model:
        ap.error('give the writer or --model')

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model
        if not folder:
            folder = os.path.join(tmp, 'tiny')
            subprocess.run([args.writer, folder, str(TINY_SEED)], check=True)
        ck = oe.Checkpoint(folder, 'float64', 'peft')
        rgb = picture()
        ctx, feats, noise, draws = inputs(ck.cfg)
        run = (lambda c, **kw: oe.generate(c, rgb, ctx, feats.float(),
                                           noise.float(), kw.get('d', draws),
                                           N_BLOCKS, STEPS, **kw.get('o', {})))
        G = run(ck)
        digest = model_digest(folder)
        if args.check:
            print('float32 oracle vs float64:',
                  worst(G, run(oe.Checkpoint(folder, 'float32', 'peft'))))
            m = oe.Checkpoint(folder, 'float64', 'manual')
            print('manual LoRA merge vs peft: weights %.2e' % max(
                float((m.W[k] - ck.W[k]).abs().max()) for k in ck.W))
            print('no LoRA:', worst(G, run(oe.Checkpoint(folder, 'float64',
                                                         'none'))))
            print('no sink refresh at clip 1:',
                  worst(G, run(ck, o={'refresh_sink': False})))
            d2 = draws.clone()
            d2[4 * STEPS:] = 30
            print('draws of clip 1 all 30:', worst(G, run(ck, d=d2)))

    pix = {}
    for k, v in G.items():
        if k.endswith('.pixels'):
            pix[k] = v
    out = {k: v for k, v in G.items() if not k.endswith('.pixels')}
    out['block0000.pixels'] = pix['block0000.pixels']
    for b in PIXEL_TAILS:
        out['block%04d.pixels.last4' % b] = pix['block%04d.pixels' % b][-4:]
    sat = torch.cat([v.flatten() for v in pix.values()]).abs().ge(1)
    print('pictures clamped: %.2f%%' % (100 * float(sat.double().mean())))
    out.update({
        'in.tiny_seed': torch.tensor([TINY_SEED], dtype=torch.int64),
        'in.tiny_sha256': digest,
        'in.picture': torch.from_numpy(rgb),
        'in.context': ctx,
        'in.features': feats,
        'in.noise': noise,
        'in.draws': draws,
    })
    out = {k: (v.float() if v.dtype == torch.float64 else v).contiguous()
           for k, v in out.items()}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'goldens.safetensors')
    # one metadata key: safetensors writes a map's keys in no fixed order
    save_file(out, path, metadata={'generator': 'tests/e2e/make_goldens.py'})
    os.chmod(path, 0o644)
    print('%s: %d tensors, %d bytes' % (path, len(out),
                                        os.path.getsize(path)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
