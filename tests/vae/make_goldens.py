#!/usr/bin/env python3
# liveavatar: golden data for the video VAE parity test
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/vae/data/{weights,goldens}.safetensors.

The reference is diffusers' AutoencoderKLWan (a port of Wan's
wan/modules/vae2_1.py) on a TINY random configuration: base dim 4, z_dim 16,
dim_mult [1, 2, 4, 4], 2 residual blocks, temporal downsampling
[False, True, True] -- Wan2.1_VAE.pth's architecture with 24x fewer channels.

Weights are written under the OFFICIAL checkpoint names
("decoder.upsamples.3.time_conv.weight", ...), then renamed for diffusers
with diffusers' own convert_wan_vae_to_diffusers() and loaded strictly, so a
wrong or missing name here fails the load. They are random values rounded to
float8 e4m3 (stored as F8_E4M3, to keep the file small); the model runs
them exactly, in float64, so the goldens carry no rounding of their own.

Goldens (all F32; pictures frame-major [T, 3, H, W] in [-1, 1], latents
channel-first [16, T, h, w], normalised with Wan's mean/std tables):
  decode.z [16, 3, 2, 3]     -> decode.pictures [9, 3, 16, 24]
      AutoencoderKLWan.decode (z * std + mean): one latent frame at a time
      with the causal feature cache, as Wan's decode; clamped.
  stream.motion [16, 9, 2, 2], stream.block0 / block1 [16, 3, 2, 2]
      -> stream.pictures0 [9, 3, 16, 16], stream.pictures1 [12, 3, 16, 16]
      Live Avatar's TPP decode (causal_s2v_pipeline_tpp.py with
      vae_streaming.py): stream_decode (motion[:, :, :7]) on a fresh cache,
      discarded; then each block with the cache carried on, keeping its
      last 12 pictures, and the first block drops its first 3.
  encode.video [9, 3, 16, 24] -> encode.z [16, 3, 2, 3]
      AutoencoderKLWan.encode: chunks 1, 4, 4; mu; (mu - mean) / std.

Needs torch and diffusers (pip, CPU is enough); CI does not run this, the
output is committed. Optional cross-checks against Wan's and Live Avatar's
own modules (not on PyPI):
  --wan-vae PATH           wan/modules/vae2_1.py of Wan-Video/Wan2.2
  --liveavatar-vae PATH    liveavatar/models/wan/wan_2_2/modules/
                           vae_streaming.py of Alibaba-Quark/LiveAvatar
                           (with its conditional_compile import removed)
"""

import argparse
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch

SEED = 20260101
DIM = 4
Z_DIM = 16
DIM_MULT = [1, 2, 4, 4]
NUM_RES_BLOCKS = 2
TEMPERAL_DOWNSAMPLE = [False, True, True]

MEAN = [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
        0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921]
STD = [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
       3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160]

# Live Avatar's TPP decode (causal_s2v_pipeline_tpp.py)
PRIME_LATENTS = 7
FIRST_DROP = 3
KEEP = 12  # -(infer_frames) // num_blocks = 48 / 4


# ---- the official parameter names, mirroring WanVAE_'s constructor ----

def official_shapes():
    shapes = {}

    def conv3d(name, cin, cout, k):
        shapes[name + '.weight'] = (cout, cin) + tuple(k)
        shapes[name + '.bias'] = (cout,)

    def conv2d(name, cin, cout, k):
        shapes[name + '.weight'] = (cout, cin, k, k)
        shapes[name + '.bias'] = (cout,)

    def rms(name, dim, images):
        shapes[name + '.gamma'] = (dim, 1, 1) if images else (dim, 1, 1, 1)

    def residual(p, cin, cout):
        rms(p + '.residual.0', cin, False)
        conv3d(p + '.residual.2', cin, cout, (3, 3, 3))
        rms(p + '.residual.3', cout, False)
        conv3d(p + '.residual.6', cout, cout, (3, 3, 3))
        if cin != cout:
            conv3d(p + '.shortcut', cin, cout, (1, 1, 1))

    def attention(p, dim):
        rms(p + '.norm', dim, True)
        conv2d(p + '.to_qkv', dim, 3 * dim, 1)
        conv2d(p + '.proj', dim, dim, 1)

    def resample(p, dim, mode):
        if mode.startswith('up'):
            conv2d(p + '.resample.1', dim, dim // 2, 3)
            if mode == 'upsample3d':
                conv3d(p + '.time_conv', dim, 2 * dim, (3, 1, 1))
        else:
            conv2d(p + '.resample.1', dim, dim, 3)
            if mode == 'downsample3d':
                conv3d(p + '.time_conv', dim, dim, (3, 1, 1))

    # Encoder3d (z_dim * 2 outputs)
    dims = [DIM * u for u in [1] + DIM_MULT]
    conv3d('encoder.conv1', 3, dims[0], (3, 3, 3))
    i_layer = 0
    for i, (cin, cout) in enumerate(zip(dims[:-1], dims[1:])):
        for _ in range(NUM_RES_BLOCKS):
            residual('encoder.downsamples.%d' % i_layer, cin, cout)
            i_layer += 1
            cin = cout
        if i != len(DIM_MULT) - 1:
            mode = 'downsample3d' if TEMPERAL_DOWNSAMPLE[i] else 'downsample2d'
            resample('encoder.downsamples.%d' % i_layer, cout, mode)
            i_layer += 1
    residual('encoder.middle.0', cout, cout)
    attention('encoder.middle.1', cout)
    residual('encoder.middle.2', cout, cout)
    rms('encoder.head.0', cout, False)
    conv3d('encoder.head.2', cout, 2 * Z_DIM, (3, 3, 3))
    conv3d('conv1', 2 * Z_DIM, 2 * Z_DIM, (1, 1, 1))
    conv3d('conv2', Z_DIM, Z_DIM, (1, 1, 1))

    # Decoder3d
    up = TEMPERAL_DOWNSAMPLE[::-1]
    dims = [DIM * u for u in [DIM_MULT[-1]] + DIM_MULT[::-1]]
    conv3d('decoder.conv1', Z_DIM, dims[0], (3, 3, 3))
    residual('decoder.middle.0', dims[0], dims[0])
    attention('decoder.middle.1', dims[0])
    residual('decoder.middle.2', dims[0], dims[0])
    i_layer = 0
    for i, (cin, cout) in enumerate(zip(dims[:-1], dims[1:])):
        if i in (1, 2, 3):
            cin = cin // 2
        for _ in range(NUM_RES_BLOCKS + 1):
            residual('decoder.upsamples.%d' % i_layer, cin, cout)
            i_layer += 1
            cin = cout
        if i != len(DIM_MULT) - 1:
            mode = 'upsample3d' if up[i] else 'upsample2d'
            resample('decoder.upsamples.%d' % i_layer, cout, mode)
            i_layer += 1
    rms('decoder.head.0', cout, False)
    conv3d('decoder.head.2', cout, 3, (3, 3, 3))
    return shapes


def random_weights(shapes, gen):
    """Random weights, rounded to e4m3: {name: (fp8 tensor, float64 tensor)}"""
    out = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith('.gamma'):
            w = 1.0 + 0.25 * torch.randn(shape, generator=gen)
        elif name.endswith('.bias'):
            w = 0.1 * torch.randn(shape, generator=gen)
        else:
            fan_in = int(np.prod(shape[1:]))
            # the last conv makes the pictures: keep them mostly inside
            # [-1, 1] so that the clamp hides little
            gain = 0.4 if name == 'decoder.head.2.weight' else 1.0
            w = gain * torch.randn(shape, generator=gen) / fan_in ** 0.5
        w8 = w.to(torch.float8_e4m3fn)
        out[name] = (w8, w8.to(torch.float64))
    return out


# ---- safetensors, written by hand (F32 and F8_E4M3 only) ----

def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.float32:
            dtype, data = 'F32', t.numpy().astype('<f4').tobytes()
        elif t.dtype == torch.float8_e4m3fn:
            dtype, data = 'F8_E4M3', t.view(torch.uint8).numpy().tobytes()
        else:
            raise ValueError(name)
        header[name] = {'dtype': dtype, 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header['__metadata__'] = {'generator': 'tests/vae/make_goldens.py'}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ---- the reference, on diffusers' modules ----

def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def diffusers_vae(weights):
    from diffusers import AutoencoderKLWan
    from diffusers.loaders.single_file_utils import (
        convert_wan_vae_to_diffusers)

    vae = AutoencoderKLWan(base_dim=DIM, z_dim=Z_DIM, dim_mult=DIM_MULT,
                           num_res_blocks=NUM_RES_BLOCKS,
                           temperal_downsample=TEMPERAL_DOWNSAMPLE)
    vae = vae.to(torch.float64).eval()
    sd = convert_wan_vae_to_diffusers({k: v[1] for k, v in weights.items()})
    vae.load_state_dict(sd, strict=True)
    return vae


def stats(dtype):
    mean = torch.tensor(MEAN, dtype=dtype).view(1, Z_DIM, 1, 1, 1)
    std = torch.tensor(STD, dtype=dtype).view(1, Z_DIM, 1, 1, 1)
    return mean, std


def reference_vae(path, name, weights):
    """WanVAE_ of the source file @path (Wan's vae2_1.py or Live Avatar's
    vae_streaming.py) in float64 with @weights, and its scale argument."""
    module = load_module(path, name)
    model = module.WanVAE_(dim=DIM, z_dim=Z_DIM, dim_mult=DIM_MULT,
                           num_res_blocks=NUM_RES_BLOCKS,
                           temperal_downsample=TEMPERAL_DOWNSAMPLE)
    model = model.to(torch.float64).eval()
    model.load_state_dict({k: v[1] for k, v in weights.items()}, strict=True)
    mean, std = stats(torch.float64)
    return model, [mean.flatten(), 1.0 / std.flatten()]


def denormalise(z):
    # Wan: z / scale[1] + scale[0] with scale = [mean, 1 / std]
    mean, std = stats(z.dtype)
    return z / (1.0 / std) + mean


def stream_decode(vae, feat_map, z, denorm=denormalise):
    """WanVAE_.stream_decode of vae_streaming.py on diffusers' modules:
    one latent frame per decoder call, the cache carried in feat_map;
    denorm takes the latents to post_quant_conv's input."""
    x = vae.post_quant_conv(denorm(z))
    outs = []
    for i in range(z.shape[2]):
        idx = [0]
        outs.append(vae.decoder(x[:, :, i:i + 1], feat_cache=feat_map,
                                feat_idx=idx, first_chunk=all(
                                    f is None for f in feat_map)))
    return torch.cat(outs, 2).clamp(-1, 1)


def tpp_decode(vae, motion, blocks, decode_fn):
    """What the TPP pipeline's VAE rank keeps of each block."""
    feat_map = [None] * vae._cached_conv_counts['decoder']
    decode_fn(feat_map, motion[:, :, :PRIME_LATENTS])
    kept = []
    for b, block in enumerate(blocks):
        image = decode_fn(feat_map, block)[:, :, -KEEP:]
        if b == 0:
            image = image[:, :, FIRST_DROP:]
        kept.append(image)
    return kept


def encode(vae, video):
    mean, std = stats(video.dtype)
    mu = vae.encode(video).latent_dist.mode()
    return (mu - mean) * (1.0 / std)


def frame_major(pictures):
    """[1, 3, T, H, W] -> [T, 3, H, W] float32"""
    return pictures[0].permute(1, 0, 2, 3).contiguous().to(torch.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'data'))
    ap.add_argument('--wan-vae', help="Wan's wan/modules/vae2_1.py")
    ap.add_argument('--liveavatar-vae', help="Live Avatar's vae_streaming.py")
    args = ap.parse_args()

    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    weights = random_weights(official_shapes(), gen)
    vae = diffusers_vae(weights)

    # inputs: latents as the DiT would give them (normalised), pictures
    z_dec = torch.randn(1, Z_DIM, 3, 2, 3, generator=gen, dtype=torch.float64)
    motion = torch.randn(1, Z_DIM, 9, 2, 2, generator=gen, dtype=torch.float64)
    blocks = [torch.randn(1, Z_DIM, 3, 2, 2, generator=gen,
                          dtype=torch.float64) for _ in range(2)]
    video = 2 * torch.rand(1, 3, 9, 16, 24, generator=gen,
                           dtype=torch.float64) - 1
    # stored in float32: the reference sees exactly what the test loads
    z_dec, motion, video = (t.float().double() for t in (z_dec, motion, video))
    blocks = [b.float().double() for b in blocks]

    with torch.no_grad():
        pictures = vae.decode(denormalise(z_dec)).sample
        kept = tpp_decode(vae, motion, blocks,
                          lambda fm, z: stream_decode(vae, fm, z))
        z_enc = encode(vae, video)

        for what, p in (('decode', pictures), ('stream', kept[1])):
            print('%s: |x| max %.3f, std %.3f, clamped %.1f%%' % (
                what, float(p.abs().max()), float(p.std()),
                100 * float((p.abs() >= 1).double().mean())))

        if args.wan_vae:
            model, scale = reference_vae(args.wan_vae, 'wan_vae2_1', weights)
            d = (model.decode(z_dec, scale).clamp(-1, 1) - pictures).abs()
            e = (model.encode(video, scale) - z_enc).abs()
            print("Wan's vae2_1.py vs diffusers: decode %.3g, encode %.3g"
                  % (float(d.max()), float(e.max())))
            assert float(d.max()) < 1e-12 and float(e.max()) < 1e-12

        if args.liveavatar_vae:
            model, scale = reference_vae(args.liveavatar_vae,
                                         'la_vae_streaming', weights)
            model.first_decode = True
            model.stream_decode(motion[:, :, :PRIME_LATENTS], scale)
            for b, block in enumerate(blocks):
                image = model.stream_decode(block, scale).clamp(-1, 1)
                image = image[:, :, -KEEP:]
                if b == 0:
                    image = image[:, :, FIRST_DROP:]
                diff = float((image - kept[b]).abs().max())
                print("Live Avatar's stream_decode vs ours, block %d: %.3g"
                      % (b, diff))
                assert diff < 1e-12

    goldens = {
        'decode.z': z_dec[0].float(),
        'decode.pictures': frame_major(pictures),
        'stream.motion': motion[0].float(),
        'stream.block0': blocks[0][0].float(),
        'stream.block1': blocks[1][0].float(),
        'stream.pictures0': frame_major(kept[0]),
        'stream.pictures1': frame_major(kept[1]),
        'encode.video': frame_major(video),
        'encode.z': z_enc[0].float(),
    }
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, 'weights.safetensors'),
                      {k: v[0] for k, v in weights.items()})
    write_safetensors(os.path.join(args.out, 'goldens.safetensors'), goldens)
    for k, v in goldens.items():
        print('%-18s %s' % (k, list(v.shape)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
