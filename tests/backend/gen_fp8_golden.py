#!/usr/bin/env python3
# liveavatar: goldens for the FP8 linear from PyTorch (the independent reference)
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# Writes tests/backend/data/fp8-golden.safetensors, read by
# test-backend-fp8.c:
#   decode_out         F32 [256]  every e4m3fn code as a float
#   encode_in          F32 [n]    edge values: every code's value and every
#                                 midpoint between neighbours (ties), just
#                                 above and below them, subnormals, 448 and
#                                 beyond, inf, NaN, -0
#   encode_out         U8  [n]    torch's .to(torch.float8_e4m3fn) codes
#   quant<i>_in        F32        quant_fp8 () inputs (one all zero)
#   quant<i>_codes     U8         its e4m3 codes
#   quant<i>_scale     F32 [1]    its dequantisation scale (1 / s)
#   mm<i>_x            F32 [..., K] bf16-exact, so x may be uploaded as bf16
#   mm<i>_w            F32 [N, K] the weight before quantisation
#   mm<i>_bias         F32 [N]    bf16-exact (Live Avatar's biases are bf16)
#   mm<i>_y            F32 [..., N] FP8LinearFunction's bf16 output, widened
# Codes are stored as U8 (the raw bytes), so the file reads with any
# safetensors reader. Quantisation here runs eagerly on fp32 tensors, where
# quant_fp8 () rounds once (x * s in fp32, then e4m3), which is what the
# compiled function does for bf16 inputs too (inductor keeps the product in
# fp32).
#
# Run: /work/venv/bin/python tests/backend/gen_fp8_golden.py

import os

import torch
from safetensors.torch import save_file

E4M3 = torch.float8_e4m3fn


# liveavatar/utils/fp8_linear.py, without @torch.compile
def quant_fp8(input, target_dtype=E4M3):
    max_value = torch.finfo(target_dtype).max
    amax_input = torch.max(torch.abs(input)).float()
    input_scale = (max_value / torch.clamp(amax_input, min=1e-12)).clamp(
        max=max_value)
    input_fp8 = (input * input_scale).clamp(-max_value,
                                            max_value).to(target_dtype)
    return input_fp8, input_scale.reciprocal()


# FP8LinearFunction.forward with a pre-quantised weight (FP8ScaleLinear
# after quantize_weight ())
def fp8_linear(input, weight_fp8, weight_scale, bias):
    prev_shape = input.shape
    input_2d = input.view(-1, weight_fp8.shape[1])
    input_fp8, input_scale = quant_fp8(input_2d, E4M3)
    out_2d = torch._scaled_mm(input_fp8, weight_fp8.T, scale_a=input_scale,
                              scale_b=weight_scale, bias=bias,
                              out_dtype=torch.bfloat16, use_fast_accum=True)
    if isinstance(out_2d, tuple):
        out_2d = out_2d[0]
    out = out_2d.view(*prev_shape[:-1], weight_fp8.shape[0])
    return out.to(input.dtype)


def codes(t):
    return t.contiguous().view(torch.uint8)


def encode_inputs():
    values = torch.arange(256, dtype=torch.uint8).view(E4M3).float()
    pos = torch.sort(values[(values >= 0) & torch.isfinite(values)]).values
    mids = (pos[1:] + pos[:-1]) / 2      # exact in fp32: ties
    up = torch.nextafter(mids, torch.tensor(float('inf')))
    down = torch.nextafter(mids, torch.tensor(0.0))
    extra = torch.tensor([
        0.0, 2.0 ** -10, 2.0 ** -11, 1e-30, 1.4e-45,   # below half a step
        448.0, 449.0, 463.99, 464.0, 464.01, 479.99, 480.0, 500.0, 1e6,
        3.0e38, float('inf'), float('nan'),
    ])
    gen = torch.Generator().manual_seed(8)
    rnd = torch.exp(torch.empty(200).uniform_(-14.0, 7.0, generator=gen))
    v = torch.cat([values[torch.isfinite(values)], mids, up, down, extra,
                   rnd])
    v = torch.cat([v, -v])
    # -0.0 and -NaN come from the negation; make sure -0.0 is there
    assert (torch.signbit(v) & (v == 0)).any()
    return v.contiguous()


def main():
    out = {}
    all_codes = torch.arange(256, dtype=torch.uint8)
    out['decode_out'] = all_codes.view(E4M3).float()

    v = encode_inputs()
    out['encode_in'] = v
    out['encode_out'] = codes(v.to(E4M3))

    gen = torch.Generator().manual_seed(6)
    quant_inputs = [
        torch.randn(7, 33, generator=gen),
        torch.zeros(4, 8),
        torch.randn(3, 5, generator=gen) * 1e-13,          # amax < 1e-12
        torch.randn(64, generator=gen) * 3e4,
        torch.tensor([[448.0, -0.001, 1e-9, -448.0]]),   # s == 1 exactly
        torch.tensor([2.5]),
    ]
    for i, t in enumerate(quant_inputs):
        q, inv = quant_fp8(t)
        out['quant%d_in' % i] = t.contiguous()
        out['quant%d_codes' % i] = codes(q)
        out['quant%d_scale' % i] = inv.reshape(1).contiguous()

    # (x shape, N, bias); K not a multiple of 16 too, and a 3-d x
    shapes = [((5, 40), 24, True), ((3, 17), 9, False), ((16, 64), 48, True),
              ((2, 3, 32), 20, True), ((1, 96), 33, True)]
    for i, (xs, n, has_bias) in enumerate(shapes):
        k = xs[-1]
        x = (torch.randn(*xs, generator=gen) * 2.0).to(torch.bfloat16).float()
        w = torch.randn(n, k, generator=gen) * (1.0 / k ** 0.5)
        bias = (torch.randn(n, generator=gen).to(torch.bfloat16)
                if has_bias else None)
        wq, ws = quant_fp8(w)
        y = fp8_linear(x, wq, ws, bias)
        assert y.dtype == torch.float32
        out['mm%d_x' % i] = x.contiguous()
        out['mm%d_w' % i] = w.contiguous()
        if has_bias:
            out['mm%d_bias' % i] = bias.float().contiguous()
        out['mm%d_y' % i] = y.contiguous()

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data',
                        'fp8-golden.safetensors')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(out, path, metadata={'torch': torch.__version__})
    print(path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
