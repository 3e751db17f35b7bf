#!/usr/bin/env python3
# liveavatar: the tiny model and the file writers, checked with the Python
# libraries that read the official files
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Runs BUILD/tests/tiny/tiny-dump, then checks what it wrote with torch,
safetensors, sentencepiece and transformers (pip), and with Wan2.2's own
modules (WanModel_S2V, WanVAE_, T5Encoder) taken from a Wan2.2 checkout:

  python3 tests/tiny/check_with_python.py BUILD [--wan WAN2.2_CHECKOUT]

e.g. /work/venv/bin/python tests/tiny/check_with_python.py build \
       --wan /work/.mirror/Wan-Video+Wan2.2/repo

Not part of CI (it needs those packages); exits non-zero on the first
failure. What is checked:
  - writer.pth (every dtype the torch zip writer has) and the tiny model's
    two .pth files load with torch.load (weights_only=True, and mmap=True),
    with the values the C side wrote;
  - every safetensors file loads, and safetensors' own writer, given the
    same tensors and metadata, writes the same bytes; the index's
    weight_map and total_size match the shards;
  - config.json, the index and wav2vec2's two JSON files are exactly what
    json.dumps (indent=2, sort_keys=True) writes, as diffusers and
    transformers save them;
  - sentencepiece loads spiece.model (ids, specials) and tokenizes a list
    of prompts exactly as our tokenizer does; transformers' T5Tokenizer
    loads the folder too (when protobuf is installed);
  - Wav2Vec2ForCTC.from_pretrained loads the wav2vec2 folder with no
    missing or unexpected weights and returns 25 hidden states, and
    Wav2Vec2Processor (do_normalize) loads it, as Wan's AudioEncoder does;
  - with --wan: WanModel_S2V (config.json's arguments) takes the DiT shards
    with load_state_dict (strict), and the model with the LoRA applied
    through peft the way Live Avatar does it merges every LoRA tensor;
    WanVAE_ (dim 4) and T5Encoder take the .pth files strictly.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import types

import torch

PROMPTS = [
    "A man is talking to the camera.",
    "a woman with short hair is smiling, and speaking",
    "  Hello   world!  ",
    "The person's face: 42 - 7?",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
    "\u4f60\u597d\uff0c\u4e16\u754c",
    "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440",
    "\u0645\u0631\u062d\u0628\u0627",
    "emoji \U0001F600 ok",
    "tabs\tand\nnewlines",
    "",
    "xyzzy QWERTY zq",
]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def torch_files(out):
    model = os.path.join(out, "model")
    d = torch.load(os.path.join(out, "writer.pth"), weights_only=True)
    v = torch.tensor([1.0, -2.5, 0.1, 3e-3, 448.0, -0.0]).reshape(2, 3)
    check(list(d.keys()) == ["f32", "bf16", "f16", "scalar", "i64", "i32",
                             "u8", "nested.name.weight"], "writer.pth keys")
    check(torch.equal(d["f32"], v), "f32")
    check(d["bf16"].dtype == torch.bfloat16
          and torch.equal(d["bf16"], v.bfloat16()), "bf16 rounding")
    check(d["f16"].dtype == torch.float16
          and torch.equal(d["f16"], v.half()), "f16 rounding")
    check(d["scalar"].shape == () and d["scalar"].item() == -2.5, "scalar")
    check(d["i64"].tolist() == [1, -2, 1 << 40, 0], "i64")
    check(d["i32"].tolist() == [-7, 0, 7, 2 ** 31 - 1], "i32")
    check(d["u8"].dtype == torch.uint8
          and d["u8"].tolist() == [0, 1, 128, 255], "u8")
    for name, dtype in (("Wan2.1_VAE.pth", torch.float32),
                        ("models_t5_umt5-xxl-enc-bf16.pth", torch.bfloat16)):
        path = os.path.join(model, name)
        sd = torch.load(path, weights_only=True)
        sd2 = torch.load(path, weights_only=True, mmap=True)
        check(len(sd) > 10, name)
        for k, t in sd.items():
            check(t.dtype == dtype, "%s: %s is %s" % (name, k, t.dtype))
            check(t.is_contiguous() and torch.equal(t, sd2[k]), name + k)
    print("torch.load: writer.pth and both .pth files OK")


def safetensors_files(out):
    from safetensors import safe_open
    from safetensors.torch import save

    model = os.path.join(out, "model")
    files = ["diffusion_pytorch_model-00001-of-00002.safetensors",
             "diffusion_pytorch_model-00002-of-00002.safetensors",
             "liveavatar.safetensors",
             "wav2vec2-large-xlsr-53-english/model.safetensors"]
    shards = {}
    for name in files:
        path = os.path.join(model, name)
        with safe_open(path, "pt") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        check(meta == {"format": "pt"}, name + " metadata")
        raw = open(path, "rb").read()
        check(save(tensors, metadata=meta) == raw,
              name + ": safetensors would write other bytes")
        shards[name] = tensors
    with open(os.path.join(
            model, "diffusion_pytorch_model.safetensors.index.json")) as f:
        index = json.load(f)
    want, total = {}, 0
    for name in files[:2]:
        for k, t in shards[name].items():
            want[k] = name
            total += t.numel() * t.element_size()
    check(index["weight_map"] == want, "index weight_map")
    check(index["metadata"]["total_size"] == total, "index total_size")
    print("safetensors: 4 files byte-identical to safetensors' writer, "
          "index OK")
    return shards


def json_files(out):
    model = os.path.join(out, "model")
    for name in ("config.json",
                 "diffusion_pytorch_model.safetensors.index.json",
                 "wav2vec2-large-xlsr-53-english/config.json",
                 "wav2vec2-large-xlsr-53-english/preprocessor_config.json"):
        text = open(os.path.join(model, name)).read()
        check(json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
              == text, name + " is not as json.dumps writes it")
    print("json: 4 files as json.dumps (indent=2, sort_keys=True) writes")


def tokenizer(out):
    import sentencepiece as spm

    model = os.path.join(out, "model")
    tok_dir = os.path.join(model, "google", "umt5-xxl")
    sp = spm.SentencePieceProcessor(
        model_file=os.path.join(tok_dir, "spiece.model"))
    check(sp.pad_id() == 0 and sp.eos_id() == 1 and sp.unk_id() == 2
          and sp.bos_id() == -1, "special ids")
    ours = open(os.path.join(out, "ids.txt")).read().split("\n")
    for i, p in enumerate(PROMPTS):
        got = [int(x) for x in ours[i].split()]
        theirs = sp.encode(p)
        check(got == theirs, "prompt %r: ours %s, sentencepiece %s"
              % (p, got, theirs))
    print("sentencepiece: %d pieces, %d prompts tokenized identically"
          % (sp.get_piece_size(), len(PROMPTS)))
    try:
        import google.protobuf  # noqa: F401  transformers converts with it
    except ImportError:
        print("transformers' T5Tokenizer: skipped (no protobuf)")
        return
    from transformers import T5Tokenizer
    hf = T5Tokenizer.from_pretrained(tok_dir)
    for p in PROMPTS[:4]:
        check(hf(p).input_ids == sp.encode(p) + [1], "T5Tokenizer " + p)
    print("transformers: T5Tokenizer loads the tokenizer folder")


def wav2vec2(out):
    from transformers import Wav2Vec2ForCTC

    d = os.path.join(out, "model", "wav2vec2-large-xlsr-53-english")
    m, info = Wav2Vec2ForCTC.from_pretrained(d, output_loading_info=True)
    check(not info["missing_keys"] and not info["unexpected_keys"]
          and not info["mismatched_keys"], "wav2vec2 loading: %s" % info)
    x = torch.randn(1, 16000)
    with torch.no_grad():
        h = m(x, output_hidden_states=True).hidden_states
    check(len(h) == 25 and h[0].shape == (1, 49, 32), "hidden states")
    # Wan's AudioEncoder loads the processor from the same folder
    from transformers import Wav2Vec2Processor
    proc = Wav2Vec2Processor.from_pretrained(d)
    check(proc.tokenizer.vocab_size == 33, "CTC vocabulary")
    v = proc(x[0].numpy(), sampling_rate=16000,
             return_tensors="pt").input_values
    check(abs(float(v.mean())) < 1e-4 and abs(float(v.std()) - 1) < 1e-2,
          "the processor normalises")
    print("transformers: Wav2Vec2ForCTC loads strictly, 25 hidden states; "
          "Wav2Vec2Processor loads")


def wan_modules(out, wan, shards):
    """Wan2.2's classes from a checkout, their heavy imports stubbed."""
    tmp = tempfile.mkdtemp()
    # a work tree (wan/ inside) or a bare repository
    subprocess.run("cp -r %s/wan %s/" % (wan, tmp)
                   if os.path.isdir(os.path.join(wan, "wan")) else
                   "git --git-dir=%s archive HEAD wan | tar x -C %s"
                   % (wan, tmp), shell=True, check=True)
    for init in ("wan/__init__.py", "wan/modules/__init__.py",
                 "wan/modules/s2v/__init__.py"):
        open(os.path.join(tmp, init), "w").close()
    # t5.py's tokenizer wrapper needs ftfy and regex, not used here
    with open(os.path.join(tmp, "wan/modules/tokenizers.py"), "w") as f:
        f.write("HuggingfaceTokenizer = None\n")
    sys.modules["einops"] = types.SimpleNamespace(
        rearrange=None, repeat=None)
    sys.path.insert(0, tmp)
    from wan.modules.s2v.model_s2v import WanModel_S2V
    # T5EncoderModel's default argument asks for the GPU at import
    torch.cuda.current_device = lambda: 0
    from wan.modules.t5 import T5Encoder
    from wan.modules.vae2_1 import WanVAE_

    model = os.path.join(out, "model")
    cfg = json.load(open(os.path.join(model, "config.json")))
    args = {k: v for k, v in cfg.items() if not k.startswith("_")}
    args["patch_size"] = tuple(args["patch_size"])
    dit = WanModel_S2V(**args)
    sd = {}
    for name in shards:
        if name.startswith("diffusion_pytorch_model"):
            sd.update(shards[name])
    dit.load_state_dict(sd, strict=True)
    check(len(dit.state_dict()) == len(sd), "DiT tensor count")

    # Live Avatar: peft with r 128, alpha 64 on q,k,v,o,ffn.0,ffn.2, the
    # file's keys prefixed, load_state_dict, merge_and_unload
    from peft import LoraConfig, get_peft_model
    lora = shards["liveavatar.safetensors"]
    pm = get_peft_model(dit, LoraConfig(
        r=128, lora_alpha=64, target_modules="q,k,v,o,ffn.0,ffn.2".split(",")))
    missing, unexpected = pm.load_state_dict(
        {"base_model.model." + k: v for k, v in lora.items()}, strict=False)
    check(not unexpected, "LoRA keys peft does not have: %s" % unexpected)
    lora_params = [k for k, _ in pm.named_parameters() if "lora_" in k]
    check(len(lora_params) == len(lora), "peft has %d LoRA tensors, the "
          "file %d" % (len(lora_params), len(lora)))
    print("Wan2.2: WanModel_S2V loads the shards strictly; peft takes all "
          "%d LoRA tensors" % len(lora))

    vae = WanVAE_(dim=4, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2,
                  attn_scales=[], temperal_downsample=[False, True, True],
                  dropout=0.0)
    vae.load_state_dict(torch.load(os.path.join(model, "Wan2.1_VAE.pth"),
                                   weights_only=True), strict=True)
    t5sd = torch.load(os.path.join(model, "models_t5_umt5-xxl-enc-bf16.pth"),
                      weights_only=True)
    vocab, dim = t5sd["token_embedding.weight"].shape
    t5 = T5Encoder(vocab=vocab, dim=dim, dim_attn=32, dim_ffn=64,
                   num_heads=2, num_layers=2, num_buckets=32,
                   shared_pos=False, dropout=0.0)
    t5.load_state_dict(t5sd, strict=True)
    print("Wan2.2: WanVAE_ and T5Encoder load the .pth files strictly")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--wan", help="a Wan2.2 checkout (wan/ inside) or its "
                    "bare git repository")
    a = ap.parse_args()
    out = tempfile.mkdtemp()
    prompts = os.path.join(out, "prompts.txt")
    with open(prompts, "w") as f:
        # one prompt a line: the tabs-and-newline one goes as a tab
        f.write("\n".join(p.replace("\n", "\t") for p in PROMPTS) + "\n")
    PROMPTS[:] = [p.replace("\n", "\t") for p in PROMPTS]
    subprocess.run([os.path.join(a.build, "tests", "tiny", "tiny-dump"), out,
                    prompts], check=True)
    torch_files(out)
    shards = safetensors_files(out)
    json_files(out)
    tokenizer(out)
    wav2vec2(out)
    if a.wan:
        wan_modules(out, a.wan, shards)
    print("all OK")


if __name__ == "__main__":
    main()
