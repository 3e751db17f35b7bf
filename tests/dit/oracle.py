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

Also from Wan-Video/Wan2.2 wan/modules/s2v/audio_utils.py
(CausalAudioEncoder, AudioInjector_WAN), auxi_blocks.py (CausalConv1d,
MotionEncoder_tc), diffusers' AdaLayerNorm (chunk_dim=1: shift first), and
Live Avatar's after_transformer_block and its TPP pipeline's per-block
audio slice: the audio encoder and the audio injection; Live Avatar's
liveavatar/models/wan/causal_motioner.py (FramePackMotioner) and
s2v_utils.py rope_precompute: the FramePack motion tokens and their
positions; Live Avatar's _forward_sink / _forward_inference with
CausalWanS2VSelfAttention's kv_cache and causal_s2v_pipeline_tpp.py's
calls: the sink, the ring and one cache per denoising step (Stream).

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
9. Audio: the pipeline hands each block 12 video frames of features; the
   model prepends motion_frames[0] = 73 copies of the first frame, encodes
   (causal convs, replicate padding, strides 1, 2, 2) and drops the first
   motion_frames[1] = 19 latent steps, leaving 3. Live Avatar casts the
   encoder's outputs to the model dtype (bf16) before injection; not
   reproduced (fp32 reference). The layer-weight fusion is written as the
   source writes it ((x * w) / sum (w), then summed).
10. Injector k serves block audio_inject_layers[k]. The source numbers the
   injectors by a substring match of 'transformer_blocks.<id>' over the
   block names; for Wan2.2-S2V's list (and any list where no id's digits
   prefix another block's number) that is the list position.
11. FramePack: the motioner's convs take 16 channels in the source
   (hard-coded); here they take in_dim (16 in Wan2.2-S2V; the tiny model's
   4). Motion tokens get cond mask row 2 and timestep 0; their time
   positions are never rolled out (rollout_grid_sizes shifts only the
   first two grid groups). When Live Avatar drops the motion (the first
   clip, drop_first_motion) it does NOT remove the tokens: it zeroes them
   and their RoPE multipliers (process_motion_frame_pack); that belongs to
   the sink prefill, not to these functions.
12. Stream (the cache): per layer a ring of `cap` RoPE'd keys / values
   written at current_start % cap (all of it attended once current_start
   >= cap, else [0, current_start + L)), and the sink's unrotated keys and
   values, rotated at each forward with the ref at 30 + max (0,
   current_start / fsl - (30 - draw)) and the motion at its fixed times.
   The draw (random.randint (4, 30) in the source, unseeded) is an input.
   The sink forward rotates q and k with zero multipliers for dropped
   motion tokens (process_motion_frame_pack returns zeros_like of the
   tokens AND of their RoPE table); the inference forward rotates the
   stored motion keys with their real times (rope_cache grid sizes).

Checked once against the source itself (a throw-away script, not kept:
Live Avatar's modules imported with diffusers stubbed out and plain SDPA in
place of flash / cuDNN attention), with HALF_ROPE_TABLE and BF16_NORM3 on:
CausalWanS2VAttentionBlock's sink prefill (ref tokens, in_sink_forward) and
streaming step (noisy frames 2..4 after 12 ring rows plus that cond cache,
through its kv_cache dict) agree with Dit.block to 5e-8 relative, with
identical keys and values; CausalHead_S2V and sinusoidal_embedding_1d agree
exactly.

The same way for the parts added since (throw-away scripts, not kept;
diffusers 0.42, flash attention replaced by SDPA, get_rank stubbed, the
motioner's 16 input channels fed the tiny weights padded with zero
channels): audio_encode equals CausalAudioEncoder (MotionEncoder_tc) to
3e-7 and audio_inject equals AudioInjector_WAN's AdaLayerNorm +
AudioCrossAttention as after_transformer_block calls them to 1.3e-7;
motion_tokens equals FramePackMotioner exactly and motion_positions gives
exactly rope_precompute's table; Stream, with HALF_ROPE_TABLE and
BF16_NORM3 on, equals CausalWanModel_S2V's sink_flag forward and
_forward_inference through its kv_cache dicts (the stream golden's whole
scenario: dropped motion, ring wrap, re-prefill, draws fed through
random.randint) to 5e-6 relative on every velocity. With both off (the
goldens) the velocities differ from the source by ~6e-4 relative.
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
              prefix_k=None, prefix_v=None, attn=None):
        """x [L, dim]: n_noisy tokens (F frames of equal length, frame f
        modulated by e0[f]) then cond tokens (modulated by e0_zero).
        Returns (x', k_cur, v_cur) with k_cur RoPE'd. attn (q, k, v), with
        q and k not yet rotated, replaces the self-attention core (the
        streaming cache, Stream)."""
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
        if attn is not None:
            o = attn(q.view(L, n, d), k.view(L, n, d), v)
            k = None
        else:
            o = None
        if o is None:
            table = rope_table(pos, d)
            q = rope_apply(q.view(L, n, d), table)
            k = rope_apply(k.view(L, n, d), table)
            k_all, v_all = k, v
            if prefix_k is not None:
                k_all = torch.cat([prefix_k, k])
                v_all = torch.cat([prefix_v, v])
            o = attention(q, k_all, v_all)
        y = linear(W, p + 'self_attn.o', o.flatten(1))
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


# ---- audio (audio_utils.py, auxi_blocks.py) ----

def causal_conv1d(x, w, b, stride):
    """x [C, T]: CausalConv1d, replicate padding of k - 1 frames in front"""
    x = F.pad(x[None], (w.shape[-1] - 1, 0), mode='replicate')
    return F.conv1d(x, w, b, stride=stride)[0]


def ln_silu(x):
    return F.silu(F.layer_norm(x, (x.shape[-1],), eps=1e-6))


def audio_encode(m, feats, motion_frames=(73, 19)):
    """feats [25, audio_dim, T] (one block's audio_input, batch dropped)
    -> (global [F, dim], local [F, num_audio_token + 1, dim])"""
    W = m.W
    p = 'casual_audio_encoder.'
    e = p + 'encoder.'
    n = m.cfg['num_audio_token']
    x = torch.cat([feats[..., :1].repeat(1, 1, motion_frames[0]), feats], -1)
    w = F.silu(W[p + 'weights'])[0]                       # [25, 1, 1]
    feat = ((x * w) / w.sum(0, keepdim=True)).sum(0)       # [C, T]

    def cv(name, x, s):
        return causal_conv1d(x, W[e + name + '.conv.weight'],
                             W[e + name + '.conv.bias'], s)

    y = cv('conv1_local', feat, 1)                         # [n c, T]
    y = ln_silu(y.view(n, -1, y.shape[-1]).transpose(1, 2))  # [n, T, c]
    y = ln_silu(torch.stack([cv('conv2', h.T, 2) for h in y]).transpose(1, 2))
    y = ln_silu(torch.stack([cv('conv3', h.T, 2) for h in y]).transpose(1, 2))
    y = y.permute(1, 0, 2)                                 # [T3, n, dim]
    pad = W[e + 'padding_tokens'][0, 0].expand(y.shape[0], 1, -1)
    local = torch.cat([y, pad], 1)

    g = ln_silu(cv('conv1_global', feat, 1).T)
    g = ln_silu(cv('conv2', g.T, 2).T)
    g = ln_silu(cv('conv3', g.T, 2).T)
    g = linear(W, e + 'final_linear', g)
    d = motion_frames[1]
    return g[d:], local[d:]


def audio_inject(m, k, x, n_noisy, glob, local):
    """after block audio_inject_layers[k]: the noisy tokens of each latent
    frame attend to that frame's audio tokens (AdaLayerNorm on the global
    token first); ref / motion tokens are left alone"""
    W, nh, hd = m.W, m.heads, m.hd
    nf = glob.shape[0]
    hs = x[:n_noisy].view(nf, n_noisy // nf, -1)
    mod = linear(W, 'audio_injector.injector_adain_layers.%d.linear' % k,
                 F.silu(glob))
    shift, scale = mod.chunk(2, dim=1)
    a = (F.layer_norm(hs, (m.dim,), eps=1e-5) * (1 + scale[:, None]) +
         shift[:, None])
    p = 'audio_injector.injector.%d.' % k
    q = rms_norm(linear(W, p + 'q', a), W[p + 'norm_q.weight'], m.eps)
    kk = rms_norm(linear(W, p + 'k', local), W[p + 'norm_k.weight'], m.eps)
    v = linear(W, p + 'v', local)
    o = torch.stack([attention(q[f].view(-1, nh, hd), kk[f].view(-1, nh, hd),
                               v[f].view(-1, nh, hd)) for f in range(nf)])
    r = linear(W, p + 'o', o.flatten(2))
    x = x.clone()
    x[:n_noisy] += r.reshape(n_noisy, -1)
    return x


# ---- FramePack motion tokens (Live Avatar's causal_motioner.py) ----

ZIP_BUCKETS = (1, 2, 16)


def linspace_int(start, stop, num):
    return np.linspace(start, stop, num).astype(int).tolist()


def segment_positions(start, end, rng):
    """rope_precompute's (t, h, w) per token of one grid segment: start
    (f_o, h_o, w_o), end (f, h, w), range (t_f, t_h, t_w); a negative f_o
    samples -linspace(-f_o, -t_f - f_o + 1) (conjugate multipliers)"""
    (f_o, h_o, w_o), (f, h, w), (t_f, t_h, t_w) = start, end, rng
    sf, sh, sw = f - f_o, h - h_o, w - w_o
    if f_o >= 0:
        fs = linspace_int(f_o, t_f + f_o - 1, sf)
    else:
        fs = [-i for i in linspace_int(-f_o, -t_f - f_o + 1, sf)]
    hs = linspace_int(h_o, t_h + h_o - 1, sh)
    ws = linspace_int(w_o, t_w + w_o - 1, sw)
    return [(a, b, c) for a in fs for b in hs for c in ws]


def motion_positions(H, W):
    """post (t -1), 2x (t -3), 4x (t -19, -14, -9, -4) grids of a latent
    H x W (FramePackMotioner.forward's grid_sizes; never rolled out)"""
    b = ZIP_BUCKETS
    pos = segment_positions((-b[0], 0, 0), (-b[0] + b[0], H // 2, W // 2),
                            (b[0], H // 2, W // 2))
    s = -(b[0] + b[1])
    pos += segment_positions((s, 0, 0), (s + b[1] // 2, H // 4, W // 4),
                             (b[1], H // 2, W // 2))
    s = -(b[0] + b[1] + b[2])
    pos += segment_positions((s, 0, 0), (s + b[2] // 4, H // 8, W // 8),
                             (b[2], H // 2, W // 2))
    return torch.tensor(pos, dtype=torch.long)


def motion_tokens(m, motion):
    """motion latents [C, T, H, W] -> [post | 2x | 4x] tokens + cond mask
    row 2; the last sum (buckets) = 19 frames, zeros in front if fewer"""
    W = m.W
    C, T, H, Wd = motion.shape
    n = sum(ZIP_BUCKETS)
    padd = motion.new_zeros(C, n, H, Wd)
    k = min(n, T)
    if k > 0:
        padd[:, -k:] = motion[:, -k:]
    c4, c2, cp = padd[None].split(list(ZIP_BUCKETS)[::-1], dim=2)

    def proj(name, x, k):
        p = 'frame_packer.' + name
        y = F.conv3d(x, W[p + '.weight'], W[p + '.bias'], stride=k)
        return y.flatten(2).transpose(1, 2)[0]

    tok = torch.cat([proj('proj', cp, (1, 2, 2)),
                     proj('proj_2x', c2, (2, 4, 4)),
                     proj('proj_4x', c4, (4, 8, 8))])
    return tok + W['trainable_cond_mask.weight'][2]



# ---- the streaming cache (causal_model_s2v.py, TPP pipeline) ----

class Stream:
    """One denoising step's kv_cache (the TPP keeps one per step / rank)."""

    def __init__(self, m, cap):
        self.m, self.cap = m, cap
        n = m.cfg['num_layers']
        self.k = [torch.zeros(cap, m.heads, m.hd) for _ in range(n)]
        self.v = [torch.zeros(cap, m.heads, m.hd) for _ in range(n)]
        self.cond_k = [None] * n
        self.cond_v = [None] * n
        self.ref_pos = self.mot_pos = None

    def prefill(self, ref, motion, drop, cross, e0z):
        """_forward_sink: [ref | motion] tokens at t = 0, no audio"""
        m = self.m
        H, Wd = ref.shape[2], ref.shape[3]
        h, w = H // 2, Wd // 2
        refx = m.embed_ref(ref)
        mot = motion_tokens(m, motion)
        if drop:
            mot = (torch.zeros_like(mot) +
                   m.W['trainable_cond_mask.weight'][2])
        x = torch.cat([refx, mot])
        self.ref_pos = grid_positions(30, 1, h, w)
        self.mot_pos = motion_positions(H, Wd)
        pos = torch.cat([self.ref_pos, self.mot_pos])
        table = rope_table(pos, m.hd)
        if drop:
            table[refx.shape[0]:] = 0
        for i in range(m.cfg['num_layers']):
            def attn(q, k, v, i=i):
                self.cond_k[i] = k
                self.cond_v[i] = v
                return attention(rope_apply(q, table), rope_apply(k, table),
                                 v)
            x, _, _ = m.block(i, x, 0, e0z, e0z[0], pos, *cross[i],
                              attn=attn)

    def forward(self, latent, t, current_start, draw, glob, local, cross):
        """_forward_inference of one block: velocity [C, F, H, W]"""
        m = self.m
        nf, H, Wd = latent.shape[1], latent.shape[2], latent.shape[3]
        h, w = H // 2, Wd // 2
        fsl = h * w
        fi = current_start // fsl
        e, e0 = m.time(torch.full((nf,), float(t)))
        _, e0z = m.time(torch.zeros(1))
        x = m.embed_noisy(latent)
        L = x.shape[0]
        pos = grid_positions(fi, nf, h, w)
        table = rope_table(pos, m.hd)
        roll = max(0, fi - (30 - draw))
        cpos = torch.cat([grid_positions(30 + roll, 1, h, w), self.mot_pos])
        ctable = rope_table(cpos, m.hd)
        cs = current_start
        if cs >= self.cap:
            cs, active = cs % self.cap, self.cap
        else:
            active = cs + L
        inject = m.cfg['audio_inject_layers']
        for i in range(m.cfg['num_layers']):
            def attn(q, k, v, i=i):
                self.k[i][cs:cs + L] = rope_apply(k, table)
                self.v[i][cs:cs + L] = v
                keys = torch.cat([self.k[i][:active],
                                  rope_apply(self.cond_k[i], ctable)])
                vals = torch.cat([self.v[i][:active], self.cond_v[i]])
                return attention(rope_apply(q, table), keys, vals)
            x, _, _ = m.block(i, x, L, e0, e0z[0], pos, *cross[i], attn=attn)
            if i in inject:
                x = audio_inject(m, inject.index(i), x, L, glob, local)
        return m.unpatchify(m.head(x, e), (nf, h, w))
