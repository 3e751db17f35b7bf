# liveavatar: a PyTorch oracle for the Wan2.2-S2V / Live Avatar DiT core
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Written from the sources, not importing them:

  Wan-Video/Wan2.2 wan/modules/model.py          sinusoidal_embedding_1d,
                                                 rope_params, WanRMSNorm,
                                                 WanLayerNorm, attention,
                                                 Head
  Wan-Video/Wan2.2 wan/modules/s2v/model_s2v.py  WanModel_S2V (embeddings,
                                                 cond mask, zero timestep)
  Alibaba-Quark/LiveAvatar
    liveavatar/models/wan/causal_model_s2v.py    CausalHead_S2V (per-frame
                                                 head modulation),
                                                 CausalWanS2VAttentionBlock
                                                 (per-frame e0, KV cache),
                                                 _forward_inference
    liveavatar/models/wan/wan_2_2/modules/s2v/s2v_utils.py  rope_precompute

Only the core is here: no audio injection, FramePack motion tokens, sink,
ring policy or block scheduler.

Places where the source was unclear or where this oracle chooses (the C
code makes the same choices):

1. Precision. The official run is bf16 under autocast. This oracle is the
   fp32 reference: every matmul in fp32, the sinusoid and RoPE in float64
   as the source does. Two casts that exist only for the bf16 deployment
   are NOT reproduced by default:
   a. rope_precompute stores the RoPE multipliers in a complex-half tensor
      (x.to(float16) then view_as_complex), so cos/sin are fp16-rounded
      before the float64 product. HALF_ROPE_TABLE = True reproduces it;
      the goldens use exact float64 multipliers (the C op la_rope_3d). The
      difference is ~2e-4 relative on the keys, ~2e-5 on a block's output:
      a table-driven RoPE op would be needed to match it bit for bit.
   b. CausalWanS2VAttentionBlock feeds self.norm3(x.to(torch.bfloat16)),
      i.e. the cross-attention input is bf16-rounded even in an fp32 run.
      BF16_NORM3 = True reproduces it; the goldens do not (it moves a
      block's output by ~2e-4 relative).
2. Per-frame modulation: Live Avatar's block takes e0 as [B, F, 6, 2, C]
   and repeats frame f's slot-0 vectors over that frame's frame_seqlen
   tokens; conditioning tokens (ref, motion: those after seg_idx) use slot
   1, frame 0 = the t = 0 embedding (zero_timestep). The head takes the
   time_embedding output e (not e0) per frame: modulation [1, 2, C] + e[f].
   Here t may differ per frame (the pipeline passes the same t for the 3
   frames of a block); the math is per frame either way.
3. In _forward_inference x holds only the noisy tokens (seg_idx = its
   length) and the ref / motion tokens live in the cond cache; in Wan's
   non-causal forward they are appended to x. The block here takes both
   (n_noisy tokens, then cond tokens), which covers both.
4. KV cache: Live Avatar writes the current block's RoPE'd keys and values
   into the ring and attends to [ring entries, cond keys RoPE'd at read
   time]. Attention has no mask, so the order of the keys does not matter;
   the block here attends to [prefix keys (already RoPE'd, as given), the
   current keys] and returns the current RoPE'd keys / values so a caller
   can store them.
5. Cross-attention K/V: the source recomputes them every call (the
   crossattn_cache argument is passed but unused by the S2V block); they
   depend only on the text, so computing them once per prompt is exact.
6. Text context is zero-padded to text_len rows BEFORE text_embedding and
   attended without a mask (context_lens = None), so pad rows count.
7. cond_encoder: Live Avatar passes zero pose latents; the noisy tokens then
   get cond_encoder's bias only. trainable_cond_mask: id 0 for noisy
   tokens, 1 for ref tokens (2 for motion tokens, not here).
8. config.json: diffusers drops patch_size, text_dim, qk_norm,
   cross_attn_norm and window_size from the saved config
   (ignore_for_config), so the class defaults ((1, 2, 2), 4096, True, True)
   apply; the tiny config writes text_dim, which the C loader honours.

Checked once against the source itself (a throw-away script, not kept:
Live Avatar's modules imported with diffusers stubbed out and plain SDPA in
place of flash / cuDNN attention), with HALF_ROPE_TABLE and BF16_NORM3 on:
CausalWanS2VAttentionBlock's sink prefill (ref tokens, in_sink_forward) and
streaming step (noisy frames 2..4 after 12 ring rows plus that cond cache,
through its kv_cache dict) agree with Dit.block to 5e-8 relative, with
identical keys and values; CausalHead_S2V and sinusoidal_embedding_1d agree
exactly.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

HALF_ROPE_TABLE = False
BF16_NORM3 = False


def sinusoidal_embedding_1d(dim, position):
    half = dim // 2
    position = position.to(torch.float64)
    sinusoid = torch.outer(
        position, torch.pow(10000, -torch.arange(half).to(position).div(half)))
    return torch.cat([torch.cos(sinusoid), torch.sin(sinusoid)], dim=1)


def rope_params(max_seq_len, dim, theta=10000):
    freqs = torch.outer(
        torch.arange(max_seq_len),
        1.0 / torch.pow(theta,
                        torch.arange(0, dim, 2).to(torch.float64).div(dim)))
    return torch.polar(torch.ones_like(freqs), freqs)


def rope_freqs(head_dim, max_seq_len=1024):
    d = head_dim
    return torch.cat([rope_params(max_seq_len, d - 4 * (d // 6)),
                      rope_params(max_seq_len, 2 * (d // 6)),
                      rope_params(max_seq_len, 2 * (d // 6))], dim=1)


def grid_positions(f0, nf, h, w):
    """(t, h, w) per token of a (f0 .. f0+nf-1) x h x w grid, raster order:
    rope_precompute with start (f0, 0, 0), end (f0+nf, h, w), range
    (nf, h, w): the linspaces are then plain integer ranges."""
    pos = []
    for f in range(nf):
        f_sam = np.linspace(f0, f0 + nf - 1, nf).astype(int)[f]
        for y in range(h):
            for x in range(w):
                pos.append((int(f_sam), y, x))
    return torch.tensor(pos, dtype=torch.long)


def rope_table(pos, head_dim):
    """[L, head_dim / 2] complex multipliers (rope_precompute)."""
    c = head_dim // 2
    freqs = rope_freqs(head_dim).split([c - 2 * (c // 3), c // 3, c // 3],
                                       dim=1)
    rows = []
    for t, y, x in pos.tolist():
        ft = freqs[0][abs(t)] if t >= 0 else freqs[0][abs(t)].conj()
        rows.append(torch.cat([ft, freqs[1][y], freqs[2][x]]))
    table = torch.stack(rows)
    if HALF_ROPE_TABLE:
        table = torch.complex(table.real.half().double(),
                              table.imag.half().double())
    return table


def rope_apply(x, table):
    """x [L, n, d] -> rotated, in float64 then float (rope_apply)."""
    L, n, d = x.shape
    xc = torch.view_as_complex(x.to(torch.float64).reshape(L, n, -1, 2))
    return torch.view_as_real(xc * table.view(L, 1, -1)).flatten(2).float()


def rms_norm(x, w, eps):
    x = x.float()
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


def layer_norm(x, eps, w=None, b=None):
    return F.layer_norm(x.float(), (x.shape[-1],), w, b, eps)


def linear(W, name, x):
    return F.linear(x, W[name + '.weight'], W[name + '.bias'])


def attention(q, k, v):
    """q [Lq, n, d], k/v [Lk, n, d]; softmax(q k^T / sqrt(d)) v."""
    d = q.shape[-1]
    s = torch.einsum('qnd,knd->nqk', q, k) / math.sqrt(d)
    return torch.einsum('nqk,knd->qnd', s.softmax(-1), v)


class Dit:

    def __init__(self, cfg, W):
        self.cfg = cfg
        self.W = W
        self.dim = cfg['dim']
        self.heads = cfg['num_heads']
        self.hd = self.dim // self.heads
        self.eps = cfg['eps']
        self.patch = tuple(cfg.get('patch_size', (1, 2, 2)))

    # ---- embeddings ----
    def patch_embed(self, latent, name='patch_embedding'):
        """latent [C, F, H, W] -> tokens [F*h*w, dim] (Conv3d, flatten(2).T)"""
        y = F.conv3d(latent[None], self.W[name + '.weight'],
                     self.W[name + '.bias'], stride=self.patch)
        return y.flatten(2).transpose(1, 2)[0]

    def embed_noisy(self, latent):
        x = self.patch_embed(latent)
        if 'cond_encoder.weight' in self.W:
            zeros = torch.zeros((self.cfg['cond_dim'],) +
                                tuple(latent.shape[1:]))
            x = x + self.patch_embed(zeros, 'cond_encoder')
        return x + self.W['trainable_cond_mask.weight'][0]

    def embed_ref(self, latent):
        return (self.patch_embed(latent) +
                self.W['trainable_cond_mask.weight'][1])

    def time(self, t):
        """t [F] -> e [F, dim], e0 [F, 6, dim]"""
        s = sinusoidal_embedding_1d(self.cfg['freq_dim'], t).float()
        e = linear(self.W, 'time_embedding.2',
                   F.silu(linear(self.W, 'time_embedding.0', s)))
        e0 = linear(self.W, 'time_projection.1', F.silu(e))
        return e, e0.unflatten(1, (6, self.dim))

    def text(self, context):
        pad = self.cfg['text_len'] - context.shape[0]
        c = torch.cat([context, context.new_zeros(pad, context.shape[1])])
        return linear(self.W, 'text_embedding.2', F.gelu(
            linear(self.W, 'text_embedding.0', c), approximate='tanh'))

    def cross_kv(self, i, ctx):
        p = 'blocks.%d.cross_attn.' % i
        k = rms_norm(linear(self.W, p + 'k', ctx), self.W[p + 'norm_k.weight'],
                     self.eps)
        v = linear(self.W, p + 'v', ctx)
        return k.view(-1, self.heads, self.hd), v.view(-1, self.heads, self.hd)

    # ---- one block ----
    def block(self, i, x, n_noisy, e0, e0_zero, pos, cross_k, cross_v,
              prefix_k=None, prefix_v=None):
        """x [L, dim]: n_noisy tokens (F frames of equal length, frame f
        modulated by e0[f]) then cond tokens (modulated by e0_zero).
        Returns (x', k_cur, v_cur) with k_cur RoPE'd."""
        W, p, n, d = self.W, 'blocks.%d.' % i, self.heads, self.hd
        L = x.shape[0]
        nf = e0.shape[0]
        mod = W[p + 'modulation'][0]                      # [6, dim]
        m_noisy = (mod[None] + e0)                        # [F, 6, dim]
        m_cond = mod + e0_zero                            # [6, dim]
        fs = n_noisy // nf if nf else 0

        def per_token(j):
            parts = []
            if n_noisy:
                parts.append(m_noisy[:, j].repeat_interleave(fs, dim=0))
            parts.append(m_cond[j][None].expand(L - n_noisy, -1))
            return torch.cat(parts)
        e = [per_token(j) for j in range(6)]

        h = layer_norm(x, self.eps) * (1 + e[1]) + e[0]
        q = rms_norm(linear(W, p + 'self_attn.q', h),
                     W[p + 'self_attn.norm_q.weight'], self.eps)
        k = rms_norm(linear(W, p + 'self_attn.k', h),
                     W[p + 'self_attn.norm_k.weight'], self.eps)
        v = linear(W, p + 'self_attn.v', h).view(L, n, d)
        table = rope_table(pos, d)
        q = rope_apply(q.view(L, n, d), table)
        k = rope_apply(k.view(L, n, d), table)
        k_all, v_all = k, v
        if prefix_k is not None:
            k_all = torch.cat([prefix_k, k])
            v_all = torch.cat([prefix_v, v])
        y = linear(W, p + 'self_attn.o', attention(q, k_all, v_all).flatten(1))
        x = x + y * e[2]

        xin = x.to(torch.bfloat16).float() if BF16_NORM3 else x
        hn = layer_norm(xin, self.eps, W[p + 'norm3.weight'],
                        W[p + 'norm3.bias'])
        if BF16_NORM3:
            hn = hn.to(torch.bfloat16).float()
        cq = rms_norm(linear(W, p + 'cross_attn.q', hn),
                      W[p + 'cross_attn.norm_q.weight'], self.eps)
        o = attention(cq.view(L, n, d), cross_k, cross_v)
        x = x + linear(W, p + 'cross_attn.o', o.flatten(1))

        h = layer_norm(x, self.eps) * (1 + e[4]) + e[3]
        f = F.gelu(linear(W, p + 'ffn.0', h), approximate='tanh')
        y = linear(W, p + 'ffn.2', f)
        x = x + y * e[5]
        return x, k, v

    # ---- head ----
    def head(self, x, e):
        """x [F*fs, dim] noisy tokens, e [F, dim] -> [F*fs, prod(patch)*out]"""
        nf = e.shape[0]
        m = self.W['head.modulation'] + e[:, None]        # [F, 2, dim]
        fs = x.shape[0] // nf
        h = layer_norm(x, self.eps).view(nf, fs, -1)
        h = h * (1 + m[:, 1:2]) + m[:, 0:1]
        return linear(self.W, 'head.head', h.flatten(0, 1))

    def unpatchify(self, u, grid):
        c = self.cfg['out_dim']
        u = u.view(*grid, *self.patch, c)
        u = torch.einsum('fhwpqrc->cfphqwr', u)
        return u.reshape(c, *[i * j for i, j in zip(grid, self.patch)])
