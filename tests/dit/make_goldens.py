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
    "audio_dim": 1024,
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

    save_file({k: v.contiguous() for k, v in W.items()},
              os.path.join(out, "model.safetensors"))
    save_file({k: v.contiguous() for k, v in G.items()},
              os.path.join(out, "goldens.safetensors"))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
