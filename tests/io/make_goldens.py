#!/usr/bin/env python3
# liveavatar: golden checkpoint files for the src/io readers
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes tests/io/data/ with the real libraries (PyPI torch, safetensors):
files in every format and dtype the readers handle, the cases they must
reject, and expected.json with what each file holds (names, dtypes, shapes,
sha256 of the raw bytes, fp32 values as torch's .float() gives them).
The C tests compare against expected.json; CI has no torch, so the outputs
are committed. Deterministic: rerunning rewrites the same tensors.

  python3 -m venv /tmp/venv-io
  /tmp/venv-io/bin/pip install torch safetensors numpy
  /tmp/venv-io/bin/python tests/io/make_goldens.py
"""

import collections
import hashlib
import json
import math
import os
import struct
import zipfile

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")

ST_DTYPE = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.float8_e4m3fn: "F8_E4M3", torch.float8_e5m2: "F8_E5M2",
    torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}
FLOATS = {torch.float32, torch.float16, torch.bfloat16, torch.float8_e4m3fn,
          torch.float8_e5m2, torch.float64}

gen = torch.Generator().manual_seed(20260101)


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen).to(dtype)


def raw_bytes(t):
    t = t.contiguous()
    return t.reshape(-1).view(torch.uint8).numpy().tobytes() \
        if t.numel() else b""


def describe(t):
    d = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape),
         "sha256": hashlib.sha256(raw_bytes(t)).hexdigest()}
    if t.dtype in FLOATS:
        # the fp32 bit patterns torch's conversion gives
        f = t.contiguous().float().reshape(-1)
        d["f32_bits"] = [int(x) & 0xffffffff
                         for x in f.view(torch.int32).tolist()]
    return d


def path(name):
    return os.path.join(OUT, name)


expected = {"files": {}}


def record(name, fmt, tensors, **extra):
    entry = {"format": fmt,
             "tensors": {k: describe(v) for k, v in tensors.items()}}
    entry.update(extra)
    expected["files"][name] = entry


# ---- safetensors, every dtype ----

def dtypes_file():
    t = collections.OrderedDict()
    t["f32"] = torch.tensor([[1.0, -0.0, float("inf")],
                             [-2.5, 3.0e-40, float("nan")]])
    t["f16"] = torch.tensor([1.0, 65504.0, 6e-8, float("-inf"), -0.5],
                            dtype=torch.float16)
    t["bf16"] = randn(3, 2, dtype=torch.bfloat16)
    t["f8_e4m3"] = torch.tensor([448.0, -448.0, 2.0 ** -9, 0.1, -1.75,
                                 float("nan"), 0.0, 3.0]
                                ).to(torch.float8_e4m3fn)
    t["f8_e5m2"] = torch.tensor([57344.0, -1.0, 2.0 ** -16, 0.3]
                                ).to(torch.float8_e5m2)
    t["f64"] = torch.tensor([math.pi, -1e300], dtype=torch.float64)
    t["i64"] = torch.tensor([2 ** 62, -5, 0], dtype=torch.int64)
    t["i32"] = torch.tensor([-(2 ** 31), 7], dtype=torch.int32)
    t["i16"] = torch.tensor([-300, 300, 1], dtype=torch.int16)
    t["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    t["u8"] = torch.tensor([0, 255, 9], dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True])
    t["scalar"] = torch.tensor(0.75)
    t["empty"] = torch.zeros(0, 3)
    t["blocks.3.ffn.0.weight"] = randn(4, 2, dtype=torch.bfloat16)
    t["patch_embedding.weight"] = randn(5, 2, 1, 2, 2, dtype=torch.bfloat16)
    meta = {"format": "pt", "producer": "make_goldens.py"}
    save_file(t, path("dtypes.safetensors"), metadata=meta)
    back = load_file(path("dtypes.safetensors"))
    assert all(torch.equal(raw_u8(back[k]), raw_u8(v)) for k, v in t.items())
    record("dtypes.safetensors", "safetensors", t, metadata=meta)


def raw_u8(t):
    return torch.frombuffer(bytearray(raw_bytes(t)), dtype=torch.uint8) \
        if t.numel() else torch.zeros(0, dtype=torch.uint8)


# ---- sharded safetensors with an index, as save_pretrained writes ----

def sharded_files():
    os.makedirs(path("sharded"), exist_ok=True)
    shards = [collections.OrderedDict(), collections.OrderedDict()]
    shards[0]["blocks.0.self_attn.q.weight"] = randn(6, 6,
                                                     dtype=torch.bfloat16)
    shards[0]["blocks.0.self_attn.q.bias"] = randn(6, dtype=torch.bfloat16)
    shards[0]["blocks.0.modulation"] = randn(1, 6, 6)
    shards[1]["blocks.1.self_attn.q.weight"] = randn(6, 6,
                                                     dtype=torch.bfloat16)
    shards[1]["head.head.weight"] = randn(4, 6)
    weight_map, total = {}, 0
    for i, s in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(s, path(os.path.join("sharded", fname)),
                  metadata={"format": "pt"})
        for k, v in s.items():
            weight_map[k] = fname
            total += v.numel() * v.element_size()
    index = {"metadata": {"total_size": total},
             "weight_map": dict(sorted(weight_map.items()))}
    with open(path("sharded/model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    allt = collections.OrderedDict()
    for s in shards:
        allt.update(s)
    record("sharded", "safetensors-sharded", allt, n_shards=len(shards))


# ---- torch.save ----

class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 3)
        self.norm = torch.nn.LayerNorm(3)
        self.register_buffer("pos", torch.arange(5, dtype=torch.int64))


def state_dict_file():
    m = Block()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(randn(*p.shape))
    m.lin.to(torch.bfloat16)
    m.norm.to(torch.float16)
    sd = m.state_dict()                 # an OrderedDict with _metadata
    sd["scale.fp8"] = randn(2, 3).to(torch.float8_e4m3fn)   # _rebuild_v3
    sd["f32"] = randn(2, 2, 2)
    sd["f64"] = torch.tensor([1.0 / 3.0], dtype=torch.float64)
    torch.save(sd, path("state_dict.pth"))
    check_load("state_dict.pth", sd)
    record("state_dict.pth", "torch", sd)
    return sd


def nested_file():
    inner = collections.OrderedDict()
    inner["conv.weight"] = randn(2, 1, 3, dtype=torch.float16)
    inner["conv.bias"] = randn(2, dtype=torch.float16)
    obj = {
        "state_dict": inner,
        "model": {"enc": {"w": randn(3, dtype=torch.bfloat16)}},
        "by_index": {0: randn(2), 7: randn(1)},
        "epoch": 7, "lr": 0.25, "step": 2 ** 40, "neg": -3,
        "name": "golden", "flags": [True, None, 1.5],
    }
    torch.save(obj, path("nested.pth"))
    flat = collections.OrderedDict()
    flat["state_dict.conv.weight"] = inner["conv.weight"]
    flat["state_dict.conv.bias"] = inner["conv.bias"]
    flat["model.enc.w"] = obj["model"]["enc"]["w"]
    flat["by_index.0"] = obj["by_index"][0]
    flat["by_index.7"] = obj["by_index"][7]
    record("nested.pth", "torch", flat)


def params_file():
    # nn.Parameter values pickle through torch._utils._rebuild_parameter
    # (Live Avatar's training callback saves named_parameters () like this)
    m = Block()
    params = dict(m.named_parameters())
    torch.save(params, path("params.pth"))
    record("params.pth", "torch",
           {k: v.detach() for k, v in params.items()})


def shared_file():
    base = torch.arange(24, dtype=torch.float32) / 8.0
    half = (torch.arange(10, dtype=torch.float32) - 5.0).to(torch.float16)
    obj = collections.OrderedDict()
    obj["whole"] = base
    obj["a"] = base[4:10]
    obj["b"] = base[12:24].view(3, 4)
    obj["h"] = half[2:8].view(2, 3)
    torch.save(obj, path("shared.pth"))
    z = zipfile.ZipFile(path("shared.pth"))
    n_storages = sum(1 for n in z.namelist() if "/data/" in n)
    assert n_storages == 2, n_storages
    record("shared.pth", "torch", obj, n_storages=n_storages)


def noncontig_file():
    x = randn(3, 4)
    obj = collections.OrderedDict()
    obj["ok"] = randn(2)
    obj["t"] = x.t()
    assert not obj["t"].is_contiguous()
    torch.save(obj, path("noncontig.pth"))
    expected["noncontig.pth"] = {"bad_tensor": "t"}


def check_load(name, sd):
    back = torch.load(path(name), weights_only=True)
    for k, v in sd.items():
        assert torch.equal(raw_u8(back[k]), raw_u8(v)), k


# ---- the same archive with ZIP64 records (big checkpoints need them) ----

def zip64_file(src, dst, sd):
    """Rewrites the central directory of @src with every size and offset in
    ZIP64 extra fields (0xffffffff in the 32-bit ones), as past 4 GB.
    Local headers and data are kept byte for byte."""
    data = open(path(src), "rb").read()
    z = zipfile.ZipFile(path(src))
    infos = z.infolist()
    # the central directory starts right after the last entry's data (and
    # its data descriptor): find it from the end record
    eocd = data.rfind(b"PK\x05\x06")
    cd_start = struct.unpack_from("<I", data, eocd + 16)[0]
    # torch always ends with ZIP64 end records, but with 32-bit fields that
    # still hold the real values; this file makes every field overflow
    assert data[eocd - 20:eocd - 16] == b"PK\x06\x07"
    body = data[:cd_start]
    cd = bytearray()
    for i in infos:
        name = i.filename.encode()
        extra = struct.pack("<HHQQQ", 1, 24, i.file_size, i.compress_size,
                            i.header_offset)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45,
                          i.flag_bits, 0, 0, 0x21, i.CRC, 0xffffffff,
                          0xffffffff, len(name), len(extra), 0, 0, 0, 0,
                          0xffffffff)
        cd += name + extra
    eocd64_off = len(body) + len(cd)
    tail = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0,
                       len(infos), len(infos), len(cd), len(body))
    tail += struct.pack("<IIQI", 0x07064b50, 0, eocd64_off, 1)
    tail += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xffff, 0xffff,
                        0xffffffff, 0xffffffff, 0)
    open(path(dst), "wb").write(body + cd + tail)
    # both Python's zipfile and torch (miniz) must read it
    assert zipfile.ZipFile(path(dst)).namelist() == z.namelist()
    check_load(dst, sd)
    record(dst, "torch", sd)


# ---- a LoRA file and the base weights it merges into ----

def lora_files():
    base = collections.OrderedDict()
    base["blocks.0.self_attn.q.weight"] = randn(6, 8)
    base["blocks.0.ffn.0.weight"] = randn(5, 8)
    save_file(base, path("lora_base.safetensors"))
    lora = collections.OrderedDict()
    # peft names, as Live Avatar saves named_parameters () of the peft model
    lora["base_model.model.blocks.0.self_attn.q.lora_A.default.weight"] = \
        randn(4, 8, dtype=torch.bfloat16)
    lora["base_model.model.blocks.0.self_attn.q.lora_B.default.weight"] = \
        randn(6, 4, dtype=torch.bfloat16)
    # kohya names with a per-module alpha
    lora["blocks.0.ffn.0.lora_down.weight"] = randn(2, 8)
    lora["blocks.0.ffn.0.lora_up.weight"] = randn(5, 2)
    lora["blocks.0.ffn.0.alpha"] = torch.tensor(3.0)
    # not LoRA: full weights a LoRA file may carry too
    lora["blocks.0.norm3.weight"] = randn(6)
    save_file(lora, path("lora.safetensors"))
    default_alpha = 8.0
    merged = {}
    pairs = [("blocks.0.self_attn.q",
              "base_model.model.blocks.0.self_attn.q.lora_A.default.weight",
              "base_model.model.blocks.0.self_attn.q.lora_B.default.weight",
              default_alpha),
             ("blocks.0.ffn.0", "blocks.0.ffn.0.lora_down.weight",
              "blocks.0.ffn.0.lora_up.weight", 3.0)]
    for module, an, bn, alpha in pairs:
        a = lora[an].double()
        b = lora[bn].double()
        w = base[module + ".weight"].double()
        m = (w + (alpha / a.shape[0]) * (b @ a)).float()
        merged[module] = {"target": module + ".weight", "rank": a.shape[0],
                          "alpha": alpha, "a": an, "b": bn,
                          "merged": m.reshape(-1).tolist()}
    record("lora.safetensors", "safetensors", lora, default_alpha=default_alpha,
           pairs=merged)
    record("lora_base.safetensors", "safetensors", base)


def config_file():
    cfg = {
        "_class_name": "WanModel_S2V", "model_type": "s2v",
        "dim": 5120, "ffn_dim": 13824, "num_heads": 40, "num_layers": 40,
        "eps": 1e-06, "in_dim": 16.0, "qk_norm": True,
        "audio_inject_layers": [0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36, 39],
        "window_size": [-1, -1], "zero_timestep": True,
        "motion_frames": [73, 19], "sample_shift": 3.0,
        "unset": None, "framepack": {"zip_frame_buckets": [1, 2, 16],
                                     "drop_mode": "padd"},
    }
    with open(path("config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    dtypes_file()
    sharded_files()
    sd = state_dict_file()
    nested_file()
    params_file()
    shared_file()
    noncontig_file()
    zip64_file("state_dict.pth", "state_dict_zip64.pth", sd)
    lora_files()
    config_file()
    expected["torch_version"] = torch.__version__
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    total = 0
    for d, _, fs in os.walk(OUT):
        for f in fs:
            os.chmod(os.path.join(d, f), 0o644)  # save_file makes 0600
            total += os.path.getsize(os.path.join(d, f))
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
