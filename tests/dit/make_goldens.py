#!/usr/bin/env python3
# liveavatar: goldens for the DiT core tests
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/dit/data/: config.json and model.safetensors (a tiny
random DiT with the official tensor names) and goldens.safetensors (inputs
and oracle outputs, see oracle.py). Needs torch, numpy, safetensors:

  python3 tests/dit/make_goldens.py [OUTDIR]
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

CFG = {
    "_class_name": "WanModel_S2V",
    "model_type": "s2v",
    "dim": 32,
    "ffn_dim": 48,
    "num_heads": 2,
    "num_layers": 2,
    "in_dim": 4,
    "out_dim": 4,
    "text_dim": 24,
    "text_len": 8,
    "freq_dim": 16,
    "eps": 1e-06,
    "cond_dim": 4,
    "audio_dim": 12,
    "num_audio_token": 4,
    "enable_adain": True,
    "adain_mode": "attn_norm",
    "audio_inject_layers": [0, 1],
    "zero_init": True,
    "zero_timestep": True,
    "enable_motioner": False,
    "add_last_motion": True,
    "enable_tsm": False,
    "trainable_token_pos_emb": False,
    "motion_token_num": 1024,
    "enable_framepack": True,
    "framepack_drop_mode": "padd",
}


def weights(g):
    d, fd, c = CFG["dim"], CFG["ffn_dim"], CFG["in_dim"]

    def r(*shape, scale=None):
        fan_in = shape[-1] if len(shape) > 1 else 1
        if len(shape) == 5:
            fan_in = shape[1] * shape[2] * shape[3] * shape[4]
        s = scale if scale is not None else fan_in ** -0.5
        return (torch.randn(*shape, generator=g) * s).float()

    W = {
        "patch_embedding.weight": r(d, c, 1, 2, 2),
        "patch_embedding.bias": r(d, scale=0.1),
        "cond_encoder.weight": r(d, CFG["cond_dim"], 1, 2, 2),
        "cond_encoder.bias": r(d, scale=0.1),
        "trainable_cond_mask.weight": r(3, d, scale=0.1),
        "text_embedding.0.weight": r(d, CFG["text_dim"]),
        "text_embedding.0.bias": r(d, scale=0.1),
        "text_embedding.2.weight": r(d, d),
        "text_embedding.2.bias": r(d, scale=0.1),
        "time_embedding.0.weight": r(d, CFG["freq_dim"]),
        "time_embedding.0.bias": r(d, scale=0.1),
        "time_embedding.2.weight": r(d, d),
        "time_embedding.2.bias": r(d, scale=0.1),
        "time_projection.1.weight": r(6 * d, d),
        "time_projection.1.bias": r(6 * d, scale=0.1),
        "head.head.weight": r(4 * CFG["out_dim"], d),
        "head.head.bias": r(4 * CFG["out_dim"], scale=0.1),
        "head.modulation": r(1, 2, d, scale=d ** -0.5),
    }
    for i in range(CFG["num_layers"]):
        p = "blocks.%d." % i
        for a in ("self_attn", "cross_attn"):
            for n in "qkvo":
                W[p + a + "." + n + ".weight"] = r(d, d)
                W[p + a + "." + n + ".bias"] = r(d, scale=0.1)
            W[p + a + ".norm_q.weight"] = 1 + r(d, scale=0.1)
            W[p + a + ".norm_k.weight"] = 1 + r(d, scale=0.1)
        W[p + "norm3.weight"] = 1 + r(d, scale=0.1)
        W[p + "norm3.bias"] = r(d, scale=0.1)
        W[p + "ffn.0.weight"] = r(fd, d)
        W[p + "ffn.0.bias"] = r(fd, scale=0.1)
        W[p + "ffn.2.weight"] = r(d, fd)
        W[p + "ffn.2.bias"] = r(d, scale=0.1)
        W[p + "modulation"] = r(1, 6, d, scale=d ** -0.5)
    return W


def audio_weights(g):
    """casual_audio_encoder.* and audio_injector.*, from their own
    generator so that the core's weights and goldens stay as they were"""
    d, a, n = CFG["dim"], CFG["audio_dim"], CFG["num_audio_token"]

    def r(*shape, scale=None):
        fan_in = 1
        for s in shape[1:]:
            fan_in *= s
        s = scale if scale is not None else fan_in ** -0.5
        return (torch.randn(*shape, generator=g) * s).float()

    e = "casual_audio_encoder.encoder."
    W = {
        "casual_audio_encoder.weights": r(1, 25, 1, 1, scale=1.0),
        e + "conv1_local.conv.weight": r(d // 4 * n, a, 3),
        e + "conv1_local.conv.bias": r(d // 4 * n, scale=0.1),
        e + "conv1_global.conv.weight": r(d // 4, a, 3),
        e + "conv1_global.conv.bias": r(d // 4, scale=0.1),
        e + "conv2.conv.weight": r(d // 2, d // 4, 3),
        e + "conv2.conv.bias": r(d // 2, scale=0.1),
        e + "conv3.conv.weight": r(d, d // 2, 3),
        e + "conv3.conv.bias": r(d, scale=0.1),
        e + "final_linear.weight": r(d, d),
        e + "final_linear.bias": r(d, scale=0.1),
        e + "padding_tokens": r(1, 1, 1, d, scale=1.0),
    }
    for k in range(len(CFG["audio_inject_layers"])):
        p = "audio_injector.injector.%d." % k
        for x in "qkvo":
            W[p + x + ".weight"] = r(d, d)
            W[p + x + ".bias"] = r(d, scale=0.1)
        W[p + "norm_q.weight"] = 1 + r(d, scale=0.1)
        W[p + "norm_k.weight"] = 1 + r(d, scale=0.1)
        p = "audio_injector.injector_adain_layers.%d.linear." % k
        W[p + "weight"] = r(2 * d, d)
        W[p + "bias"] = r(2 * d, scale=0.1)
    return W


def framepack_weights(g):
    d, c = CFG["dim"], CFG["in_dim"]
    W = {}
    for name, (kt, kh) in (("proj", (1, 2)), ("proj_2x", (2, 4)),
                           ("proj_4x", (4, 8))):
        fan_in = c * kt * kh * kh
        W["frame_packer.%s.weight" % name] = (
            torch.randn(d, c, kt, kh, kh, generator=g) * fan_in ** -0.5)
        W["frame_packer.%s.bias" % name] = torch.randn(d, generator=g) * 0.1
    return W


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(20260425)
    W = weights(g)
    m = oracle.Dit(CFG, W)
    G = {}

    nf, H, Wd = 3, 4, 6
    h, w = H // 2, Wd // 2
    fs = h * w
    latent = torch.randn(CFG["in_dim"], nf, H, Wd, generator=g)
    ref = torch.randn(CFG["in_dim"], 1, H, Wd, generator=g)
    context = torch.randn(5, CFG["text_dim"], generator=g)
    t = torch.tensor([937.5, 500.0, 12.25])
    G["in.latent"] = latent
    G["in.ref"] = ref
    G["in.context"] = context
    G["in.t"] = t

    with torch.no_grad():
        G["patch.tokens"] = m.patch_embed(latent)
        noisy = m.embed_noisy(latent)
        refx = m.embed_ref(ref)
        G["embed.noisy"] = noisy
        G["embed.ref"] = refx

        e, e0 = m.time(t)
        _, e0z = m.time(torch.zeros(1))
        G["time.e"] = e
        G["time.e0"] = e0
        G["time.e0_zero"] = e0z[0]

        ctx = m.text(context)
        G["text.context"] = ctx
        kv = [m.cross_kv(i, ctx) for i in range(CFG["num_layers"])]
        for i, (k, v) in enumerate(kv):
            G["cross.%d.k" % i] = k
            G["cross.%d.v" % i] = v

        # block 0, no cache: [noisy (frames 0..2) | ref (frame 30)]
        pos = torch.cat([oracle.grid_positions(0, nf, h, w),
                         oracle.grid_positions(30, 1, h, w)])
        x = torch.cat([noisy, refx])
        y, k, v = m.block(0, x, nf * fs, e0, e0z[0], pos, *kv[0])
        G["block.pos"] = pos.int()
        G["block.out"] = y
        G["block.k"] = k
        G["block.v"] = v

        # block 1 with a KV prefix: noisy frames 2..4 after 12 cached keys
        nh, hd = CFG["num_heads"], CFG["dim"] // CFG["num_heads"]
        pk = torch.randn(12, nh, hd, generator=g)
        pv = torch.randn(12, nh, hd, generator=g)
        pos = oracle.grid_positions(2, nf, h, w)
        y, k, v = m.block(1, noisy, nf * fs, e0, e0z[0], pos, *kv[1], pk, pv)
        G["cache.prefix_k"] = pk
        G["cache.prefix_v"] = pv
        G["cache.pos"] = pos.int()
        G["cache.out"] = y
        G["cache.k"] = k
        G["cache.v"] = v

        # head + unpatchify on the block output's noisy tokens
        hx = G["block.out"][:nf * fs]
        G["head.out"] = m.head(hx, e)
        G["head.video"] = m.unpatchify(G["head.out"], (nf, h, w))

        # two blocks: [noisy | ref], head on the noisy part
        x = torch.cat([noisy, refx])
        pos = torch.cat([oracle.grid_positions(0, nf, h, w),
                         oracle.grid_positions(30, 1, h, w)])
        for i in range(CFG["num_layers"]):
            x, _, _ = m.block(i, x, nf * fs, e0, e0z[0], pos, *kv[i])
        G["forward.video"] = m.unpatchify(m.head(x[:nf * fs], e), (nf, h, w))

    # ---- audio: one block's 12 video frames of features ----
    ga = torch.Generator().manual_seed(20260426)
    W.update(audio_weights(ga))
    feats = torch.randn(25, CFG["audio_dim"], 4 * nf, generator=ga)
    G["in.audio"] = feats.permute(2, 0, 1)    # [T, 25, audio_dim] (C's)
    with torch.no_grad():
        glob, local = oracle.audio_encode(m, feats)
        G["audio.global"] = glob
        G["audio.local"] = local
        # block 0 over [noisy | ref], then the injection after it
        x = torch.cat([noisy, refx])
        pos = torch.cat([oracle.grid_positions(0, nf, h, w),
                         oracle.grid_positions(30, 1, h, w)])
        y, _, _ = m.block(0, x, nf * fs, e0, e0z[0], pos, *kv[0])
        G["inject.out"] = oracle.audio_inject(m, 0, y, nf * fs, glob, local)
        # both layers with their injections, head, unpatchify
        x = torch.cat([noisy, refx])
        for i in range(CFG["num_layers"]):
            x, _, _ = m.block(i, x, nf * fs, e0, e0z[0], pos, *kv[i])
            if i in CFG["audio_inject_layers"]:
                k = CFG["audio_inject_layers"].index(i)
                x = oracle.audio_inject(m, k, x, nf * fs, glob, local)
        G["forward_audio.video"] = m.unpatchify(m.head(x[:nf * fs], e),
                                                (nf, h, w))

    # ---- FramePack: 19 motion latents of 16 x 16 -> 64 + 16 + 16 tokens ----
    gm = torch.Generator().manual_seed(20260427)
    W.update(framepack_weights(gm))
    motion = torch.randn(CFG["in_dim"], 19, 16, 16, generator=gm)
    short = torch.randn(CFG["in_dim"], 5, 16, 16, generator=gm)
    G["in.motion"] = motion
    G["in.motion_short"] = short
    with torch.no_grad():
        mot = oracle.motion_tokens(m, motion)
        mpos = oracle.motion_positions(16, 16)
        G["motion.tokens"] = mot
        G["motion.pos"] = mpos.int()
        G["motion.short_tokens"] = oracle.motion_tokens(m, short)
        # a cond-only block (the sink prefill's shape): [ref | motion]
        x = torch.cat([refx, mot])
        pos = torch.cat([oracle.grid_positions(30, 1, h, w), mpos])
        y, k, v = m.block(0, x, 0, e0, e0z[0], pos, *kv[0])
        G["condblock.out"] = y
        G["condblock.k"] = k
        G["condblock.v"] = v

    # ---- streaming: 2 steps (one cache each), ring of 2 blocks, 4 blocks
    # of 3 latent frames of 8 x 8; clip 0 with the motion dropped, then a
    # re-prefill with block 0's first denoised frame as the reference ----
    gs = torch.Generator().manual_seed(20260428)
    SH, SW, SF = 8, 8, 3
    fsl = (SH // 2) * (SW // 2)
    cap = 2 * SF * fsl
    sigmas = [1.0, 0.625, 0.0]
    draws = [[30, 4], [17, 30], [9, 26], [30, 12]]
    sref = torch.randn(CFG["in_dim"], 1, SH, SW, generator=gs)
    smot = torch.randn(CFG["in_dim"], 19, SH, SW, generator=gs)
    G["stream.ref"] = sref
    G["stream.motion"] = smot
    G["stream.sigmas"] = torch.tensor(sigmas)
    G["stream.draws"] = torch.tensor(draws, dtype=torch.int32)
    with torch.no_grad():
        _, e0z = m.time(torch.zeros(1))
        caches = [oracle.Stream(m, cap) for _ in sigmas[:-1]]
        for c in caches:
            c.prefill(sref, smot, True, kv, e0z)
        for b in range(len(draws)):
            if b == 2:
                # clip 1: the sink is refreshed with the first denoised
                # latent frame of block 0, the motion kept this time
                newref = G["stream.0.x"][:, 0:1]
                for c in caches:
                    c.prefill(newref, smot, False, kv, e0z)
            x = torch.randn(CFG["in_dim"], SF, SH, SW, generator=gs)
            loc = torch.randn(SF, CFG["num_audio_token"] + 1, CFG["dim"],
                              generator=gs)
            glo = torch.randn(SF, CFG["dim"], generator=gs)
            G["stream.%d.noise" % b] = x
            G["stream.%d.local" % b] = loc
            G["stream.%d.global" % b] = glo
            for i, c in enumerate(caches):
                v = c.forward(x, sigmas[i] * 1000, b * SF * fsl, draws[b][i],
                              glo, loc, kv)
                G["stream.%d.%d.v" % (b, i)] = v
                x = x + (sigmas[i + 1] - sigmas[i]) * v
            G["stream.%d.x" % b] = x

    save_file({k: v.contiguous() for k, v in W.items()},
              os.path.join(out, "model.safetensors"))
    save_file({k: v.contiguous() for k, v in G.items()},
              os.path.join(out, "goldens.safetensors"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
