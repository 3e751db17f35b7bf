#!/usr/bin/env python3
# liveavatar: goldens for the sampler tests
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# Live Avatar (liveavatar/models/wan/causal_s2v_pipeline_tpp.py ::
# WanS2V.generate) samples with diffusers' FlowMatchEulerDiscreteScheduler
# (num_train_timesteps=1000, shift=3), set_timesteps (steps), and steps
# with _step_index forced to the step number. This writes what diffusers
# gives for 1..8 steps, after checking that it equals the formula the C
# code implements (written out here in numpy, independently), and a few
# Euler steps on random tensors through scheduler.step ().
#
# Needs torch, numpy and diffusers (pip install diffusers into a venv):
#   python3 tests/sampler/make_goldens.py
# writes tests/sampler/data/schedule.txt. Values are written with repr ()
# of the float32 value as a Python float: exact.

import os

import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler

SHIFT = 3.0
N_TRAIN = 1000
EULER_N = 8


def formula(steps, shift=SHIFT):
    """The schedule as the C code computes it, precisions included."""
    f32 = np.float32

    def shift32(s):
        return f32(f32(shift) * s) / f32(f32(1.0) + f32(shift - 1.0) * s)

    sigma_max = float(shift32(f32(N_TRAIN) / f32(N_TRAIN)))
    sigma_min = float(shift32(f32(1.0) / f32(N_TRAIN)))
    t = np.linspace(sigma_max * N_TRAIN, sigma_min * N_TRAIN, steps)
    s = t / N_TRAIN
    s = (shift * s / (1 + (shift - 1) * s)).astype(np.float32)
    ts = (s * np.float32(N_TRAIN)).astype(np.float32)
    return np.concatenate([s, np.zeros(1, np.float32)]), ts


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                       "schedule.txt")
    gen = torch.Generator().manual_seed(1234)
    lines = [
        "# diffusers FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000,"
        " shift=3), set_timesteps(N); diffusers " + __import__(
            "diffusers").__version__,
        "# sigmas N s_0..s_N | timesteps N t_0..t_N-1 |"
        " euler N i n x[n] v[n] out[n]",
    ]
    for steps in range(1, 9):
        sch = FlowMatchEulerDiscreteScheduler(num_train_timesteps=N_TRAIN,
                                              shift=SHIFT)
        sch.set_timesteps(steps)
        sig = sch.sigmas.numpy()
        ts = sch.timesteps.numpy()
        assert sig.dtype == np.float32 and ts.dtype == np.float32
        fs, fts = formula(steps)
        assert np.array_equal(sig, fs), (steps, sig, fs)
        assert np.array_equal(ts, fts), (steps, ts, fts)
        lines.append("sigmas %d %s" % (steps, " ".join(
            repr(float(v)) for v in sig)))
        lines.append("timesteps %d %s" % (steps, " ".join(
            repr(float(v)) for v in ts)))
        for i in range(steps):
            x = torch.randn(EULER_N, generator=gen, dtype=torch.float32)
            v = torch.randn(EULER_N, generator=gen, dtype=torch.float32)
            # as Live Avatar: timesteps/sigmas kept, step index forced
            sch._step_index = i
            sch._begin_index = 0
            y = sch.step(v.clone(), ts[i], x.clone(), return_dict=False)[0]
            lines.append("euler %d %d %d %s" % (steps, i, EULER_N, " ".join(
                repr(float(a)) for a in torch.cat([x, v, y]).tolist())))
        print(steps, "sigmas", sig.tolist(), "timesteps", ts.tolist())
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
