#!/usr/bin/env python3
# liveavatar: golden data for the umT5 text encoder parity tests
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/t5/data/{models_t5_umt5-xxl-enc-bf16.pth,goldens.safetensors}.

The reference is transformers' UMT5EncoderModel on a TINY random
configuration with umT5-XXL's architecture flags: gated-GELU FFN
("gated-gelu" = tanh GELU), a relative position bias in EVERY layer
(umT5; Wan's shared_pos=False), 32 bidirectional buckets, max distance 128,
T5 RMSNorm with eps 1e-6, no attention scaling. Only the sizes differ:

    umT5-XXL (Wan's umt5_xxl)       tiny (here)
    vocab       256384              3008 (covers tests/text/data/nfkc.model)
    dim         4096                32
    dim_attn    4096 (64 x 64)      48 (4 heads x 12: dim_attn != dim)
    dim_ffn     10240               80
    layers      24                  3

Weights are drawn with Wan's init_weights() scales, rounded to bfloat16 and
saved with torch.save under the OFFICIAL names (Wan's T5Encoder state dict,
as in models_t5_umt5-xxl-enc-bf16.pth: "blocks.0.attn.q.weight", ...), in
bfloat16 like the official file. They are renamed to transformers' names
with HF_NAMES below and loaded strictly, so a wrong or missing name fails
here. The model then runs in float64 on those bf16 values, so the goldens
carry no rounding of their own beyond the final cast to float32.

Goldens (goldens.safetensors):
  buckets           I32 [1023]  Wan's _relative_position_bucket for key -
                                query = -511 .. 511 (32 buckets, 128)
  full.ids, full.mask  I32 [512]  300 tokens (random ids, then </s>), then
                                <pad> with mask 0
  full.hidden       F32 [512, 32]  the encoder's output for every row,
                                padding rows included (T5Encoder.forward)
  short.ids         I32 [24]    24 tokens, no padding, no mask
  short.hidden      F32 [24, 32]
  prompt.text       U8 [n]      a prompt Wan's cleaning leaves unchanged
  prompt.ids, prompt.mask  I32 [512]  python sentencepiece's ids for it
                                with tests/text/data/nfkc.model, then </s>,
                                then <pad> (Wan's tokenizer wrapper)
  prompt.context    F32 [len, 32]  T5EncoderModel's u[:len] for it (the
                                DiT pads this with zeros to 512)

Needs torch, transformers and sentencepiece (pip; CPU is enough); CI does
not run this, the output is committed. With --wan-t5 PATH (wan/modules/t5.py
of github.com/Wan-Video/Wan2.2) it also runs Wan's own T5Encoder on the same
weights, checks that its state dict names are exactly the ones written and
that its outputs and buckets equal transformers' (they must: same math).
"""

import argparse
import importlib.util
import math
import os
import re
import sys
import types

import torch

SEED = 20260105
VOCAB = 3008
DIM = 32
DIM_ATTN = 48
DIM_FFN = 80
NUM_HEADS = 4
NUM_LAYERS = 3
NUM_BUCKETS = 32
MAX_DIST = 128
EPS = 1e-6

TEXT_LEN = 512       # Wan's text_len
PAD_ID, EOS_ID = 0, 1  # T5's special ids (nfkc.model has the same)
FULL_TOKENS = 300    # > MAX_DIST, so the saturating buckets are used
SHORT_LEN = 24
PROMPT = 'A woman with short hair is talking to the camera, smiling.'

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
SPM_MODEL = os.path.join(HERE, '..', 'text', 'data', 'nfkc.model')


# ---- the official names (Wan's T5Encoder, shared_pos=False) ----

def official_shapes():
    shapes = {'token_embedding.weight': (VOCAB, DIM)}
    for i in range(NUM_LAYERS):
        p = 'blocks.%d.' % i
        shapes[p + 'norm1.weight'] = (DIM,)
        shapes[p + 'attn.q.weight'] = (DIM_ATTN, DIM)
        shapes[p + 'attn.k.weight'] = (DIM_ATTN, DIM)
        shapes[p + 'attn.v.weight'] = (DIM_ATTN, DIM)
        shapes[p + 'attn.o.weight'] = (DIM, DIM_ATTN)
        shapes[p + 'norm2.weight'] = (DIM,)
        shapes[p + 'ffn.gate.0.weight'] = (DIM_FFN, DIM)
        shapes[p + 'ffn.fc1.weight'] = (DIM_FFN, DIM)
        shapes[p + 'ffn.fc2.weight'] = (DIM, DIM_FFN)
        shapes[p + 'pos_embedding.embedding.weight'] = (NUM_BUCKETS,
                                                        NUM_HEADS)
    shapes['norm.weight'] = (DIM,)
    return shapes


# Wan name -> transformers UMT5EncoderModel name(s). The token embedding is
# tied: transformers holds it as shared.weight and encoder.embed_tokens.
HF_LAYER_NAMES = {
    'norm1.weight': 'layer.0.layer_norm.weight',
    'attn.q.weight': 'layer.0.SelfAttention.q.weight',
    'attn.k.weight': 'layer.0.SelfAttention.k.weight',
    'attn.v.weight': 'layer.0.SelfAttention.v.weight',
    'attn.o.weight': 'layer.0.SelfAttention.o.weight',
    'pos_embedding.embedding.weight':
        'layer.0.SelfAttention.relative_attention_bias.weight',
    'norm2.weight': 'layer.1.layer_norm.weight',
    'ffn.gate.0.weight': 'layer.1.DenseReluDense.wi_0.weight',
    'ffn.fc1.weight': 'layer.1.DenseReluDense.wi_1.weight',
    'ffn.fc2.weight': 'layer.1.DenseReluDense.wo.weight',
}


def hf_names(wan_name):
    if wan_name == 'token_embedding.weight':
        return ['shared.weight', 'encoder.embed_tokens.weight']
    if wan_name == 'norm.weight':
        return ['encoder.final_layer_norm.weight']
    m = re.fullmatch(r'blocks\.(\d+)\.(.+)', wan_name)
    return ['encoder.block.%s.%s' % (m.group(1), HF_LAYER_NAMES[m.group(2)])]


def make_weights(gen):
    """Random weights with the scales of Wan's init_weights(), bf16."""
    def normal(shape, std):
        return torch.randn(shape, generator=gen, dtype=torch.float64) * std

    w = {}
    for name, shape in official_shapes().items():
        if name == 'token_embedding.weight':
            t = normal(shape, 1.0)
        elif name.endswith('norm1.weight') or name.endswith('norm2.weight') \
                or name == 'norm.weight':
            # ones in Wan's init; perturbed so that a weight read from the
            # wrong norm shows
            t = 1.0 + normal(shape, 0.2)
        elif name.endswith('attn.q.weight'):
            t = normal(shape, (DIM * DIM_ATTN) ** -0.5)
        elif name.endswith('attn.k.weight') or name.endswith('attn.v.weight'):
            t = normal(shape, DIM ** -0.5)
        elif name.endswith('attn.o.weight'):
            t = normal(shape, DIM_ATTN ** -0.5)
        elif name.endswith('ffn.gate.0.weight') \
                or name.endswith('ffn.fc1.weight'):
            t = normal(shape, DIM ** -0.5)
        elif name.endswith('ffn.fc2.weight'):
            t = normal(shape, DIM_FFN ** -0.5)
        elif name.endswith('pos_embedding.embedding.weight'):
            # Wan's std (2 * 32 * heads)^-0.5 makes the bias too small to
            # matter in a test; a trained model's is of order 1-10
            t = normal(shape, 2.0)
        else:
            raise AssertionError(name)
        # a contiguous tensor of its own, so torch.save stores just it
        w[name] = t.to(torch.bfloat16).clone()
    return w


def hf_model(weights):
    from transformers import UMT5Config, UMT5EncoderModel

    config = UMT5Config(
        vocab_size=VOCAB, d_model=DIM, d_kv=DIM_ATTN // NUM_HEADS,
        d_ff=DIM_FFN, num_layers=NUM_LAYERS, num_heads=NUM_HEADS,
        relative_attention_num_buckets=NUM_BUCKETS,
        relative_attention_max_distance=MAX_DIST, dropout_rate=0.0,
        layer_norm_epsilon=EPS, feed_forward_proj='gated-gelu',
        is_encoder_decoder=False, use_cache=False)
    model = UMT5EncoderModel(config).eval()
    state = {}
    for name, t in weights.items():
        for hf in hf_names(name):
            state[hf] = t.to(torch.float64)
    model = model.to(torch.float64)
    missing, unexpected = model.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    # transformers' gated-gelu must be the tanh GELU Wan's T5 uses
    act = model.encoder.block[0].layer[1].DenseReluDense.act
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    tanh_gelu = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi)
                                          * (x + 0.044715 * x ** 3)))
    assert torch.allclose(act(x), tanh_gelu, rtol=0, atol=1e-12), act
    return model


def run_hf(model, ids, mask):
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]),
                    attention_mask=None if mask is None
                    else torch.tensor([mask]))
    return out.last_hidden_state[0]


def hf_buckets(model):
    attn = model.encoder.block[0].layer[0].SelfAttention
    rel = torch.arange(-(TEXT_LEN - 1), TEXT_LEN)
    return attn._relative_position_bucket(rel).to(torch.int32)


# ---- Wan's own module, optional ----

def load_wan_t5(path):
    """wan/modules/t5.py without its tokenizer import (not needed here)."""
    pkg = types.ModuleType('wanpkg')
    pkg.__path__ = []
    tok = types.ModuleType('wanpkg.tokenizers')
    tok.HuggingfaceTokenizer = None
    sys.modules['wanpkg'] = pkg
    sys.modules['wanpkg.tokenizers'] = tok
    spec = importlib.util.spec_from_file_location('wanpkg.t5', path)
    mod = importlib.util.module_from_spec(spec)
    # T5EncoderModel's default device argument asks CUDA at import time
    current_device = torch.cuda.current_device
    torch.cuda.current_device = lambda: 'cpu'
    try:
        spec.loader.exec_module(mod)
    finally:
        torch.cuda.current_device = current_device
    return mod


def wan_check(path, weights, cases, buckets):
    mod = load_wan_t5(path)
    enc = mod.T5Encoder(vocab=VOCAB, dim=DIM, dim_attn=DIM_ATTN,
                        dim_ffn=DIM_FFN, num_heads=NUM_HEADS,
                        num_layers=NUM_LAYERS, num_buckets=NUM_BUCKETS,
                        shared_pos=False, dropout=0.1).eval()
    assert set(enc.state_dict().keys()) == set(weights.keys()), \
        sorted(set(enc.state_dict().keys()) ^ set(weights.keys()))
    enc = enc.to(torch.float64)
    enc.load_state_dict({k: v.to(torch.float64)
                         for k, v in weights.items()}, strict=True)
    pos = enc.blocks[0].pos_embedding
    assert pos.max_dist == MAX_DIST and pos.bidirectional
    wan_b = pos._relative_position_bucket(
        torch.arange(-(TEXT_LEN - 1), TEXT_LEN)).to(torch.int32)
    assert torch.equal(wan_b, buckets), 'bucket tables differ'
    for name, (ids, mask, ref) in cases.items():
        with torch.no_grad():
            out = enc(torch.tensor([ids]),
                      None if mask is None else torch.tensor([mask]))[0]
        err = ((out - ref).abs().max() / ref.abs().max()).item()
        print('Wan T5Encoder vs transformers, %s: max rel diff %.3g'
              % (name, err))
        assert err < 1e-12, name


# ---- goldens ----

def tokenize_prompt():
    import sentencepiece as spm

    # Wan's clean='whitespace' is ftfy, html.unescape, whitespace collapse:
    # the prompt is chosen so that all three leave it as it is
    assert re.sub(r'\s+', ' ', PROMPT).strip() == PROMPT
    assert '&' not in PROMPT and PROMPT.isascii()
    sp = spm.SentencePieceProcessor(model_file=SPM_MODEL)
    assert sp.pad_id() == PAD_ID and sp.eos_id() == EOS_ID
    assert sp.get_piece_size() <= VOCAB
    tokens = sp.encode(PROMPT) + [EOS_ID]
    n = len(tokens)
    return (tokens + [PAD_ID] * (TEXT_LEN - n),
            [1] * n + [0] * (TEXT_LEN - n), n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--wan-t5', help="Wan2.2's wan/modules/t5.py")
    ap.add_argument('--out', default=DATA)
    args = ap.parse_args()

    gen = torch.Generator().manual_seed(SEED)
    weights = make_weights(gen)
    model = hf_model(weights)
    buckets = hf_buckets(model)

    n = FULL_TOKENS
    body = torch.randint(3, VOCAB, (n - 1,), generator=gen).tolist()
    full_ids = body + [EOS_ID] + [PAD_ID] * (TEXT_LEN - n)
    full_mask = [1] * n + [0] * (TEXT_LEN - n)
    short_ids = torch.randint(0, VOCAB, (SHORT_LEN,), generator=gen).tolist()
    prompt_ids, prompt_mask, prompt_len = tokenize_prompt()

    full = run_hf(model, full_ids, full_mask)
    short = run_hf(model, short_ids, None)
    prompt = run_hf(model, prompt_ids, prompt_mask)
    if args.wan_t5:
        wan_check(args.wan_t5, weights,
                  {'full': (full_ids, full_mask, full),
                   'short': (short_ids, None, short),
                   'prompt': (prompt_ids, prompt_mask, prompt)}, buckets)

    def i32(v):
        return torch.tensor(v, dtype=torch.int32)

    goldens = {
        'buckets': buckets,
        'full.ids': i32(full_ids),
        'full.mask': i32(full_mask),
        'full.hidden': full.to(torch.float32),
        'short.ids': i32(short_ids),
        'short.hidden': short.to(torch.float32),
        'prompt.text': torch.tensor(list(PROMPT.encode()), dtype=torch.uint8),
        'prompt.ids': i32(prompt_ids),
        'prompt.mask': i32(prompt_mask),
        # T5EncoderModel.__call__: u[:v], v = mask.sum()
        'prompt.context': prompt[:prompt_len].to(torch.float32),
    }

    from safetensors.torch import save_file

    os.makedirs(args.out, exist_ok=True)
    torch.save(weights, os.path.join(args.out,
                                     'models_t5_umt5-xxl-enc-bf16.pth'))
    save_file({k: v.contiguous() for k, v in goldens.items()},
              os.path.join(args.out, 'goldens.safetensors'),
              metadata={'generator': 'tests/t5/make_goldens.py',
                        'seed': str(SEED)})
    for f in sorted(os.listdir(args.out)):
        print('%s: %d bytes' % (f, os.path.getsize(os.path.join(args.out, f))))


if __name__ == '__main__':
    main()
