#!/usr/bin/env python3
# liveavatar: the PyTorch baseline of one DiT forward of a block
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""The Wan2.2-S2V block forward as Live Avatar streams it, written plainly
in PyTorch (bf16 weights and matmuls, scaled_dot_product_attention, the
residual stream and the modulation in fp32 as Wan's autocast regions keep
them), at the shapes liveavatar-bench-dit uses, with random weights:

  per layer: the sink keys rotated for this forward; adaLN-modulated
  self-attention (q/k RMSNorm over dim, 3-axis RoPE) of the block's queries
  against the ring (12 latent frames) + sink keys, the block's keys and
  values written into the ring; cross-attention to text_len prompt tokens
  (their keys and values precomputed, as per prompt); the adaLN-modulated
  gelu-tanh FFN; on injected layers the audio injection (AdaLN from the
  frame's global audio vector, attention of each frame's tokens to its
  num_audio_token + 1 audio tokens).
  around the layers: patch embedding, time embedding, head (small).

Prints ms per layer and TFLOP/s with the same FLOP count as the C side and a
RESULT line for tools/bench-dit.sh. On a CPU, bf16 numbers say little (CPU
matmuls in bf16 are often slower than fp32): use --dtype fp32 there.

--dtype fp8 is Live Avatar's --fp8 (liveavatar/utils/fp8_linear.py): the
bf16 model with every block linear (self and cross q, k, v, o, FFN, the
audio injector's q, k, v, o and AdaLN linear) replaced by FP8LinearFunction:
the weight quantised once (quant_fp8, e4m3 with a per-tensor scale), the
input per call, torch._scaled_mm with bf16 output and fast accumulation;
time embedding, time projection and head stay bf16 (its ignore_keys), and
so does the patch embedding (a Conv3d there)."""

import argparse
import math
import time

import torch
import torch.nn.functional as F

E4M3_MAX = 448.0


def quant_fp8(x):
    """Live Avatar's quant_fp8: (e4m3 codes, dequantisation scale)"""
    amax = torch.max(torch.abs(x)).float()
    scale = (E4M3_MAX / torch.clamp(amax, min=1e-12)).clamp(max=E4M3_MAX)
    q = (x * scale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)
    return q, scale.reciprocal()

OFFICIAL_INJECT = [0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36, 39]
Z = 16
BLOCK_FRAMES = 3
RING_FRAMES = 12
FULL_LAYERS = 40
STEPS = 4
PACK_FRAMES = 19


def forward_flops(a, L, K, layers, injected):
    """Same count as bench-dit.c's forward_flops (2 FLOPs per multiply-add):
    per layer 2 L d^2 * 6 (q, k, v, o, cross q, o) + 4 L d f (FFN)
    + 4 L K d (self-attention) + 4 L T d (cross-attention); an injected
    layer adds 4 L d^2 (audio q, o) + 4 L A d (its attention)."""
    d, f, T, A = a.dim, a.ffn, a.text_len, a.num_audio_token + 1
    layer = 2.0 * L * d * d * 6 + 4.0 * L * d * f + 4.0 * L * K * d \
        + 4.0 * L * T * d
    return layers * layer + injected * (4.0 * L * d * d + 4.0 * L * A * d)


def motion_tokens(H, W):
    return (H // 2) * (W // 2) + (H // 4) * (W // 4) + 4 * ((H // 8) * (W // 8))


class Rope:
    """Wan's 3-axis RoPE over head_dim: t gets d - 4 (d // 6) channels, h and
    w 2 (d // 6) each, theta 10000, adjacent pairs rotated (a plain real
    implementation of its complex one)."""

    def __init__(self, head_dim, device):
        c = head_dim // 2
        split = [c - 2 * (c // 3), c // 3, c // 3]
        self.freqs = []
        for n in split:
            dim = 2 * n
            self.freqs.append(1.0 / torch.pow(
                10000.0, torch.arange(0, dim, 2, dtype=torch.float64,
                                      device=device) / dim))

    def tables(self, pos):
        """pos [L, 3] (t, y, x) -> cos, sin [L, 1, head_dim / 2] fp32"""
        ang = torch.cat([pos[:, i:i + 1].double() * self.freqs[i][None, :]
                         for i in range(3)], dim=1)
        return (torch.cos(ang).float()[:, None, :],
                torch.sin(ang).float()[:, None, :])

    @staticmethod
    def apply(x, cos, sin):
        """x [L, heads, head_dim] -> rotated, x's dtype"""
        xf = x.float().unflatten(-1, (-1, 2))
        a, b = xf[..., 0], xf[..., 1]
        return torch.stack((a * cos - b * sin, a * sin + b * cos),
                           dim=-1).flatten(-2).to(x.dtype)


def grid_positions(t0, frames, h, w, device):
    t, y, x = torch.meshgrid(torch.arange(frames) + t0, torch.arange(h),
                             torch.arange(w), indexing="ij")
    return torch.stack((t, y, x), dim=-1).reshape(-1, 3).to(device)


class Model:
    def __init__(self, a, device, dtype, fp8=False):
        self.a, self.device, self.dtype = a, device, dtype
        d = a.dim
        self.heads, self.hd = a.heads, d // a.heads
        g = torch.Generator(device="cpu").manual_seed(42)

        def lin(i, o):
            w = (torch.rand(o, i, generator=g) * 2 - 1) / math.sqrt(i)
            b = (torch.rand(o, generator=g) * 2 - 1) * 0.02
            return w.to(device, dtype), b.to(device, dtype)

        def gain():
            return (1 + (torch.rand(d, generator=g) * 2 - 1) * 0.1).to(
                device, dtype)

        def attn():
            return {"q": lin(d, d), "k": lin(d, d), "v": lin(d, d),
                    "o": lin(d, d), "nq": gain(), "nk": gain()}

        self.inject = [i for i in OFFICIAL_INJECT if i < a.layers]
        self.blocks = []
        for i in range(a.layers):
            blk = {"self": attn(), "cross": attn(),
                   "n3w": gain(), "n3b": torch.zeros(d, device=device,
                                                     dtype=dtype),
                   "ffn0": lin(d, a.ffn), "ffn2": lin(a.ffn, d),
                   "mod": ((torch.rand(1, 6, d, generator=g) * 2 - 1)
                           / math.sqrt(d)).to(device, torch.float32)}
            if i in self.inject:
                blk["audio"] = attn()
                blk["adain"] = lin(d, 2 * d)
            self.blocks.append(blk)
        self.patch = lin(Z * 4, d)
        self.time0 = lin(256, d)
        self.time2 = lin(d, d)
        self.proj = lin(d, 6 * d)
        self.head = lin(d, 4 * Z)
        self.head_mod = ((torch.rand(1, 2, d, generator=g) * 2 - 1)
                         / math.sqrt(d)).to(device, torch.float32)
        self.rope = Rope(self.hd, device)
        if fp8:
            for blk in self.blocks:
                for name in ("self", "cross", "audio"):
                    if name in blk:
                        for p in "qkvo":
                            blk[name][p] = self.to_fp8(blk[name][p])
                for name in ("ffn0", "ffn2", "adain"):
                    if name in blk:
                        blk[name] = self.to_fp8(blk[name])

    @staticmethod
    def to_fp8(wb):
        """FP8ScaleLinear.quantize_weight: (codes, scale, bias)"""
        q, scale = quant_fp8(wb[0])
        return q, scale, wb[1]

    def linear(self, x, wb):
        if len(wb) == 2:
            return F.linear(x.to(self.dtype), wb[0], wb[1])
        # FP8LinearFunction.forward
        wq, ws, bias = wb
        x2 = x.to(self.dtype).reshape(-1, wq.shape[1])
        xq, xs = quant_fp8(x2)
        out = torch._scaled_mm(xq, wq.t(), scale_a=xs, scale_b=ws, bias=bias,
                               out_dtype=torch.bfloat16, use_fast_accum=True)
        if isinstance(out, tuple):
            out = out[0]
        return out.view(*x.shape[:-1], wq.shape[0]).to(self.dtype)

    def rms(self, x, w):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-6)
        return (xf * w.float()).to(self.dtype)

    def heads_view(self, x):
        return x.view(x.shape[0], self.heads, self.hd)

    def sdpa(self, q, k, v):
        """q [Lq, h, hd], k, v [Lk, h, hd] -> [Lq, h * hd]"""
        o = F.scaled_dot_product_attention(
            q.transpose(0, 1)[None], k.transpose(0, 1)[None],
            v.transpose(0, 1)[None])
        return o[0].transpose(0, 1).reshape(q.shape[0], -1)

    def modulate(self, x, shift, scale, frames, eps=1e-6):
        """LayerNorm (no affine) in fp32 with per-frame shift, scale [F, d]"""
        h = F.layer_norm(x.float(), (x.shape[-1],), eps=eps)
        h = h.view(frames, -1, h.shape[-1])
        return (h * (1 + scale[:, None]) + shift[:, None]).view(x.shape[0], -1)

    def block(self, i, x, e0, cos, sin, cache, text_kv, audio_local,
              audio_global, frames):
        blk = self.blocks[i]
        e = (blk["mod"] + e0).unbind(1)              # 6 x [F, d], fp32
        # self-attention against the ring + sink
        p = blk["self"]
        h = self.modulate(x, e[0], e[1], frames)
        q = self.heads_view(self.rms(self.linear(h, p["q"]), p["nq"]))
        k = self.heads_view(self.rms(self.linear(h, p["k"]), p["nk"]))
        v = self.heads_view(self.linear(h, p["v"]))
        q = Rope.apply(q, cos, sin)
        k = Rope.apply(k, cos, sin)
        s0, s1 = cache["slot"], cache["slot"] + x.shape[0]
        cache["k"][i][s0:s1] = k
        cache["v"][i][s0:s1] = v
        y = self.linear(self.sdpa(q, cache["k"][i], cache["v"][i]), p["o"])
        x = x + (y.float().view(frames, -1, y.shape[-1])
                 * e[2][:, None]).view(x.shape)
        # cross-attention to the prompt
        p = blk["cross"]
        h = F.layer_norm(x.float(), (x.shape[-1],), blk["n3w"].float(),
                         blk["n3b"].float(), eps=1e-6)
        q = self.heads_view(self.rms(self.linear(h, p["q"]), p["nq"]))
        x = x + self.linear(self.sdpa(q, *text_kv[i]), p["o"]).float()
        # FFN
        h = self.modulate(x, e[3], e[4], frames)
        y = self.linear(F.gelu(self.linear(h, blk["ffn0"]),
                               approximate="tanh"), blk["ffn2"])
        x = x + (y.float().view(frames, -1, y.shape[-1])
                 * e[5][:, None]).view(x.shape)
        if "audio" in blk:
            x = self.audio_inject(blk, x, audio_local, audio_global, frames)
        return x

    def audio_inject(self, blk, x, local, glob, frames):
        p = blk["audio"]
        ss = self.linear(F.silu(glob), blk["adain"]).float()   # [F, 2d]
        shift, scale = ss.chunk(2, dim=-1)
        h = self.modulate(x, shift, scale, frames, eps=1e-5)
        q = self.rms(self.linear(h, p["q"]), p["nq"])
        k = self.rms(self.linear(local, p["k"]), p["nk"])       # [F, A, d]
        v = self.linear(local, p["v"])
        q = q.view(frames, -1, self.heads, self.hd).transpose(1, 2)
        k = k.view(frames, -1, self.heads, self.hd).transpose(1, 2)
        v = v.view(frames, -1, self.heads, self.hd).transpose(1, 2)
        o = F.scaled_dot_product_attention(q, k, v)            # [F, h, fsl, hd]
        o = o.transpose(1, 2).reshape(x.shape[0], -1)
        return x + self.linear(o, p["o"]).float()

    def forward(self, latent_tokens, t, pos, sink_pos, cache, text_kv,
                audio_local, audio_global, frames):
        d = self.a.dim
        half = 128
        freq = torch.pow(10000.0, -torch.arange(half, device=self.device,
                                                dtype=torch.float64) / half)
        arg = t * freq
        sinus = torch.cat((torch.cos(arg), torch.sin(arg))).float()[None]
        emb = self.linear(F.silu(self.linear(sinus, self.time0)), self.time2)
        e0 = self.linear(F.silu(emb), self.proj).float().view(1, 6, d)
        e0 = e0.expand(frames, 6, d)
        x = self.linear(latent_tokens, self.patch).float()
        cos, sin = self.rope.tables(pos)
        scos, ssin = self.rope.tables(sink_pos)
        n_sink = sink_pos.shape[0]
        for i in range(len(self.blocks)):
            # the sink keys are stored unrotated: rotated for this forward
            cache["k"][i][:n_sink] = Rope.apply(cache["raw"][i], scos, ssin)
            x = self.block(i, x, e0, cos, sin, cache, text_kv, audio_local,
                           audio_global, frames)
        m = self.head_mod + emb.float()[:, None]
        h = self.modulate(x, m[:, 0].expand(frames, d),
                          m[:, 1].expand(frames, d), frames)
        return self.linear(h, self.head)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto", help="auto, cuda or cpu")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32", "fp8"],
                    help="fp8: Live Avatar's --fp8 linears on a bf16 model")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--size", default="704x384")
    ap.add_argument("--dim", type=int, default=5120)
    ap.add_argument("--heads", type=int, default=40)
    ap.add_argument("--ffn", type=int, default=13824)
    ap.add_argument("--text-len", type=int, default=512)
    ap.add_argument("--text-dim", type=int, default=4096,
                    help="unused: the text embedding is per prompt")
    ap.add_argument("--audio-dim", type=int, default=1024,
                    help="unused: the audio encoder is per block, not timed")
    ap.add_argument("--num-audio-token", type=int, default=4)
    ap.add_argument("--iters", type=int, default=5)
    a = ap.parse_args()

    width, height = (int(v) for v in a.size.split("x"))
    if width % 16 or height % 16 or a.dim % a.heads or not 1 <= a.layers <= 40:
        ap.error("size must be multiples of 16, dim a multiple of heads, "
                 "layers in 1..40")
    if a.device == "auto":
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(a.device)
    dtype = torch.float32 if a.dtype == "fp32" else torch.bfloat16
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = "CPU, %d threads" % torch.get_num_threads()
    print("device: torch %s on %s, %s" % (torch.__version__, name, a.dtype))
    if device.type == "cpu" and dtype == torch.bfloat16:
        print("note: PyTorch bf16 on a CPU says little about a GPU")

    H, W = height // 8, width // 8
    h, w = H // 2, W // 2
    fsl = h * w
    L = BLOCK_FRAMES * fsl
    n_sink = fsl + motion_tokens(H, W)
    K = RING_FRAMES * fsl + n_sink
    model = Model(a, device, dtype, fp8=a.dtype == "fp8")
    injected = len(model.inject)
    print("shape: %dx%d, %d tokens per latent frame, block %d frames = %d "
          "queries, %d keys (ring %d frames + sink %d)" %
          (width, height, fsl, BLOCK_FRAMES, L, K, RING_FRAMES, n_sink))

    g = torch.Generator(device="cpu").manual_seed(7)

    def rnd(*shape, dt=dtype):
        return (torch.rand(*shape, generator=g) * 2 - 1).to(device, dt)

    hd = a.dim // a.heads
    # the steady state: the ring full, the sink's raw keys and values there
    cache = {"k": [rnd(K, a.heads, hd) for _ in range(a.layers)],
             "v": [rnd(K, a.heads, hd) for _ in range(a.layers)],
             "raw": [rnd(n_sink, a.heads, hd) for _ in range(a.layers)]}
    text_kv = [(rnd(a.text_len, a.heads, hd), rnd(a.text_len, a.heads, hd))
               for _ in range(a.layers)]
    latent = rnd(L, Z * 4)
    local = rnd(BLOCK_FRAMES, a.num_audio_token + 1, a.dim)
    glob = rnd(BLOCK_FRAMES, a.dim)
    sink_pos = torch.cat((grid_positions(30, 1, h, w, device),
                          torch.randint(-19, 0, (n_sink - fsl, 3),
                                        generator=g).to(device)))

    def run(frame):
        cache["slot"] = n_sink + (frame % RING_FRAMES) * fsl
        pos = grid_positions(frame, BLOCK_FRAMES, h, w, device)
        return model.forward(latent, 500.0, pos, sink_pos, cache, text_kv,
                             local, glob, BLOCK_FRAMES)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    frame = 12
    with torch.inference_mode():
        for _ in range(2):                      # warm-up
            run(frame)
            frame += BLOCK_FRAMES
        sync()
        t0 = time.perf_counter()
        for _ in range(a.iters):
            out = run(frame)
            frame += BLOCK_FRAMES
        sync()
        sec = (time.perf_counter() - t0) / a.iters
    if not torch.isfinite(out.float()).all():
        print("warning: the output has non-finite values")

    flops = forward_flops(a, L, K, a.layers, injected)
    full = forward_flops(a, L, K, FULL_LAYERS,
                         len([i for i in OFFICIAL_INJECT if i < FULL_LAYERS]))
    ms40 = sec * 1e3 * full / flops
    fps = 4.0 * BLOCK_FRAMES / (STEPS * ms40 / 1e3)
    print("torch %s %s: %.2f ms per forward of %d layers (%d runs), %.2f ms "
          "per layer, %.2f TFLOP/s, 40 layers %.1f ms, %.2f fps at %d steps" %
          (device.type, a.dtype, sec * 1e3, a.layers, a.iters,
           sec * 1e3 / a.layers, flops / sec / 1e12, ms40, fps, STEPS))
    print("RESULT impl=torch ms_per_layer=%.4f tflops=%.4f ms_40_layers=%.3f "
          "fps=%.4f" % (sec * 1e3 / a.layers, flops / sec / 1e12, ms40, fps))


if __name__ == "__main__":
    main()
