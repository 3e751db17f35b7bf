#!/usr/bin/env python3
# liveavatar: the PyTorch baseline of the DiT's self-attention
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""torch.nn.functional.scaled_dot_product_attention at the shape
liveavatar-bench-attention uses (default: 3168 queries of one block against
15312 keys of the ring cache + sink, 40 heads x 128, no mask, bf16), with
q, k, v made [B, L, H, D] as Wan's linears write them and handed to SDPA as
[B, H, L, D] views, as Wan does. Timed over ITERS calls after a warm-up;
TFLOP/s = 4 B H Lq Lk D / time, the count bench-attention.c uses; PyTorch
picks the SDPA backend itself (flash or cuDNN on an H100). Prints a RESULT
line for tools/bench-attention.sh. --device cpu (with small shapes) only checks
that the script runs."""

import argparse
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lq", type=int, default=3168)
    ap.add_argument("--lk", type=int, default=15312)
    ap.add_argument("--heads", type=int, default=40)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    ap.add_argument("--kernel", default=None,
                    help="ignored (bench-attention.c's option)")
    a = ap.parse_args()

    d = 128
    dev = torch.device(a.device)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    gen = torch.Generator(device="cpu").manual_seed(0)

    def make(length):
        x = torch.randn(a.batch, length, a.heads, d, generator=gen)
        return x.to(device=dev, dtype=dtype).transpose(1, 2)

    q, k, v = make(a.lq), make(a.lk), make(a.lk)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    with torch.no_grad():
        for _ in range(2):
            o = F.scaled_dot_product_attention(q, k, v)
        sync()
        t0 = time.perf_counter()
        for _ in range(a.iters):
            o = F.scaled_dot_product_attention(q, k, v)
        sync()
        ms = (time.perf_counter() - t0) * 1e3 / a.iters
    assert o.shape == q.shape and torch.isfinite(o.float()).all()

    flop = 4.0 * a.batch * a.heads * a.lq * a.lk * d
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    print(f"device: {name}, torch {torch.__version__}")
    print(f"shape: B {a.batch} Lq {a.lq} Lk {a.lk} H {a.heads} D {d} "
          f"{a.dtype}, {flop / 1e12:.3f} TFLOP per call, {a.iters} iterations")
    tflops = flop / (ms * 1e-3) / 1e12
    print(f"torch {ms:9.3f} ms {tflops:8.1f} TFLOP/s")
    print(f"RESULT impl=torch ms={ms:.4f} tflops={tflops:.2f}")


if __name__ == "__main__":
    main()
