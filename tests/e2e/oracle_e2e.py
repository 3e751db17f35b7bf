# liveavatar: a PyTorch oracle for Live Avatar's whole streaming generation
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Live Avatar's timestep-forcing generation (Alibaba-Quark/LiveAvatar,
liveavatar/models/wan/causal_s2v_pipeline_tpp.py, WanS2V.generate) on a
checkpoint folder in the official layout, written from that source and
independent of our C code:

  checkpoint   config.json; the DiT shards through
               diffusion_pytorch_model.safetensors.index.json;
               liveavatar.safetensors merged as WanS2V.add_lora_to_model
               does (peft LoraConfig (r = the file's rank, lora_alpha 64),
               get_peft_model, load_state_dict (strict = False) with the
               "base_model.model." prefix, merge_and_unload);
               Wan2.1_VAE.pth renamed by diffusers' own
               convert_wan_vae_to_diffusers into AutoencoderKLWan.
  conditioning the picture through ToTensor () * 2 - 1; ref_latents =
               encode (1 frame); motion_latents = encode (73 copies), 19
               latent frames, never updated; the text context; the audio
               features, 12 video frames per block.
  denoising    diffusers' FlowMatchEulerDiscreteScheduler (1000, shift 3),
               set_timesteps (S); one kv cache per step (rank); the sink
               prefilled at clip 0 with ref_latents and at clip 1 with
               latent frame 0 of clip 0 block 0 once denoised (the VAE
               rank's broadcast), motion never dropped (drop_first_motion
               is False in the TPP generate); per block and step the DiT
               forward at current_start = (4 r + block) * 3 * fsl and the
               Euler step x + (sigma[i + 1] - sigma[i]) v. The DiT itself
               is tests/dit/oracle.py (checked there against Live
               Avatar's modules).
  decoding     Live Avatar's stream_decode (vae_streaming.py) as the VAE
               rank calls it: primed once with motion_latents[:, :, :7]
               (discarded), then each block, keeping its last 12 pictures,
               the very first block dropping 3 more; clamped to [-1, 1].

Where this oracle had to choose (see also tests/dit/oracle.py's list):

A. Precision: float64 by default (the golden carries no rounding of its
   own); precision="float32" runs tests/dit/oracle.py's fp32 arithmetic
   unchanged, to see how far fp32 drifts over the two clips. The official
   run is bf16 under autocast; the two bf16-only casts that oracle.py
   documents (half RoPE table, bf16 norm3 input) are off, as there.
B. The LoRA is merged in the base weights' precision here (float64), where
   Live Avatar's bf16 model rounds the merged weight to bf16.
C. Noise: Live Avatar draws randn (16, 12, h, w) in bf16 on the GPU with a
   generator seeded seed + r; that stream cannot be reproduced on a CPU,
   so noise is an input (make_goldens.py draws it on the CPU in fp32 with
   the same seeds).
D. Sink distances: random.randint (4, 30) unseeded, in every inference
   forward; an input here, draws[block * S + step].
E. The picture is already at the output size: Resize + CenterCrop are the
   identity, ToTensor is u8 / 255 in fp32, then * 2 - 1.
F. Pose conditioning: none (cond latents are zeros, cond_encoder's bias
   only), as Live Avatar without --pose_video.
G. The sink refresh at clip 1 takes latent frame 0 of block 0 after the
   LAST step (what rank 3 sends the VAE rank), and happens only when more
   than one clip is generated (active_nr != 1); the prefill itself draws
   no sink distance.
H. Audio: block b (clip r = b / 4) gets features [12 b, 12 b + 12), i.e.
   audio_emb[..., 48 r:48 r + 48] then [12 (b % 4), + 12), as generate
   slices them.

Checked against Live Avatar itself with check_liveavatar.py (its own
WanS2V.generate, 5 CPU ranks over gloo in fp32, on the tiny model with
the golden's inputs): with HALF_ROPE_TABLE and BF16_NORM3 on, this oracle
in fp32 agrees with it to 5.7e-7 on every latent and 1.1e-5 on the
pictures (max |a - b| / max |b|); the float64 golden without those casts
is 1.1e-5 from it on the latents and 7.2e-5 on the pictures. Live Avatar
made 93 frames (9 + 7 x 12) and drew random.randint only in
_forward_inference, 8 times per DiT rank.
"""

import contextlib
import importlib.util
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


oracle = _load('dit_oracle', os.path.join(HERE, '..', 'dit', 'oracle.py'))
vae_ref = _load('vae_goldens', os.path.join(HERE, '..', 'vae',
                                            'make_goldens.py'))

LORA_ALPHA = 64.0              # s2v_causal_sft.yaml
LORA_TARGETS = ['q', 'k', 'v', 'o', 'ffn.0', 'ffn.2']
MOTION_FRAMES = 73
LAT_MOTION_FRAMES = (MOTION_FRAMES + 3) // 4
FRAMES_PER_BLOCK = 3           # latent frames
BLOCKS_PER_CLIP = 4
INFER_FRAMES = 48
PRIME_LATENTS = 7
FIRST_DROP = 3
SHIFT = 3.0

# WanModel_S2V's defaults for keys diffusers leaves out of config.json
DIT_DEFAULTS = {'patch_size': [1, 2, 2], 'text_len': 512, 'text_dim': 4096,
                'in_dim': 16, 'out_dim': 16, 'freq_dim': 256,
                'eps': 1e-6, 'num_audio_token': 4}


# ---- precision ----

def _rms_norm64(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


def _layer_norm64(x, eps, w=None, b=None):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def _rope_apply64(x, table):
    L, n, d = x.shape
    xc = torch.view_as_complex(x.to(torch.float64).reshape(L, n, -1, 2))
    return torch.view_as_real(xc * table.view(L, 1, -1)).flatten(2)


class Dit64(oracle.Dit):
    def time(self, t):
        s = oracle.sinusoidal_embedding_1d(self.cfg['freq_dim'], t)
        s = s.to(torch.get_default_dtype())
        e = oracle.linear(self.W, 'time_embedding.2',
                          F.silu(oracle.linear(self.W, 'time_embedding.0', s)))
        e0 = oracle.linear(self.W, 'time_projection.1', F.silu(e))
        return e, e0.unflatten(1, (6, self.dim))


@contextlib.contextmanager
def precision(name):
    """float64: oracle.py's explicit fp32 casts become no-ops"""
    saved = (torch.get_default_dtype(), oracle.rms_norm, oracle.layer_norm,
             oracle.rope_apply)
    try:
        if name == 'float64':
            torch.set_default_dtype(torch.float64)
            oracle.rms_norm = _rms_norm64
            oracle.layer_norm = _layer_norm64
            oracle.rope_apply = _rope_apply64
        elif name != 'float32':
            raise ValueError(name)
        yield torch.get_default_dtype()
    finally:
        (dt, oracle.rms_norm, oracle.layer_norm, oracle.rope_apply) = saved
        torch.set_default_dtype(dt)


# ---- the checkpoint folder ----

def load_safetensors(path):
    from safetensors.torch import load_file
    return load_file(path)


def load_dit_weights(folder):
    index = os.path.join(folder,
                         'diffusion_pytorch_model.safetensors.index.json')
    W = {}
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)['weight_map']
        for shard in sorted(set(weight_map.values())):
            part = load_safetensors(os.path.join(folder, shard))
            for name, t in part.items():
                if weight_map.get(name) == shard:
                    W[name] = t
        missing = set(weight_map) - set(W)
        if missing:
            raise ValueError('index names tensors its shards lack: %s'
                             % sorted(missing)[:4])
    else:
        W = load_safetensors(os.path.join(
            folder, 'diffusion_pytorch_model.safetensors'))
    return W


def _lora_state(path):
    """liveavatar.safetensors with peft's prefix, as add_lora_to_model"""
    sd = load_safetensors(path)
    first = next(iter(sd))
    if not first.startswith('base_model.model.'):
        sd = {'base_model.model.' + k: v for k, v in sd.items()}
    return sd


def _lora_rank(sd):
    ranks = {v.shape[0] for k, v in sd.items() if '.lora_A.' in k}
    if len(ranks) != 1:
        raise ValueError('LoRA ranks %s' % sorted(ranks))
    return ranks.pop()


def _skeleton(W, dtype):
    """nn.Modules named as the DiT's: nn.Linear where a 2-D weight has its
    1-D bias (what peft can wrap), plain parameters elsewhere"""
    root = torch.nn.Module()

    def module_at(path):
        m = root
        for part in path:
            if not hasattr(m, part):
                m.add_module(part, torch.nn.Module())
            m = getattr(m, part)
        return m

    for name, t in W.items():
        parts = name.split('.')
        mod, leaf = parts[:-1], parts[-1]
        if (leaf == 'weight' and t.dim() == 2 and
                '.'.join(mod + ['bias']) in W):
            parent = module_at(mod[:-1])
            lin = torch.nn.Linear(t.shape[1], t.shape[0], dtype=dtype)
            parent.add_module(mod[-1], lin)
    for name, t in W.items():
        parts = name.split('.')
        m = module_at(parts[:-1])
        if isinstance(m, torch.nn.Linear):
            getattr(m, parts[-1]).data.copy_(t.to(dtype))
        else:
            m.register_parameter(parts[-1], torch.nn.Parameter(
                t.to(dtype), requires_grad=False))
    return root


def merge_lora_peft(W, path, dtype):
    """WanS2V.add_lora_to_model with peft itself"""
    from peft import LoraConfig, get_peft_model
    sd = _lora_state(path)
    model = _skeleton(W, dtype)
    cfg = LoraConfig(r=_lora_rank(sd), lora_alpha=LORA_ALPHA,
                     init_lora_weights=True, target_modules=LORA_TARGETS)
    model = get_peft_model(model, cfg)
    missing, unexpected = model.load_state_dict(
        {k: v.to(dtype) for k, v in sd.items()}, strict=False)
    lora_keys = [k for k in sd if 'lora_' in k]
    if [k for k in unexpected if k in lora_keys]:
        # Live Avatar would load nothing for these and merge zeros
        raise ValueError('LoRA names peft does not know: %s' % unexpected[:4])
    unfilled = sorted({n for n, p in model.named_parameters()
                       if 'lora_' in n} - set(sd))
    if unfilled:
        # peft's init leaves B = 0 there: merging them changes nothing
        print('note: LoRA modules the file does not fill: %d (%s ...)'
              % (len(unfilled), unfilled[0]))
    model = model.merge_and_unload()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def merge_lora_manual(W, path, dtype):
    """peft's arithmetic: W += (alpha / r) B @ A; non-LoRA tensors of the
    file replace the base's (load_state_dict, strict = False)"""
    sd = _lora_state(path)
    rank = _lora_rank(sd)
    out = {k: v.to(dtype) for k, v in W.items()}
    for k, v in sd.items():
        name = k[len('base_model.model.'):]
        if '.lora_A.' in name:
            module = name.split('.lora_A.')[0]
            b = sd[k.replace('.lora_A.', '.lora_B.')].to(dtype)
            out[module + '.weight'] += (LORA_ALPHA / rank) * (b @ v.to(dtype))
        elif '.lora_B.' not in name and name in out:
            out[name] = v.to(dtype)
    return out


def dit_config(folder):
    with open(os.path.join(folder, 'config.json')) as f:
        cfg = json.load(f)
    for k, v in DIT_DEFAULTS.items():
        cfg.setdefault(k, v)
    return cfg


def load_vae(folder, dtype):
    from diffusers import AutoencoderKLWan
    from diffusers.loaders.single_file_utils import (
        convert_wan_vae_to_diffusers)
    sd = torch.load(os.path.join(folder, 'Wan2.1_VAE.pth'),
                    map_location='cpu', weights_only=True)
    sd = {k: v.to(dtype) for k, v in sd.items()}
    base = sd['encoder.conv1.weight'].shape[0]
    z_dim = sd['conv2.weight'].shape[0]
    vae = AutoencoderKLWan(base_dim=base, z_dim=z_dim,
                           dim_mult=[1, 2, 4, 4], num_res_blocks=2,
                           temperal_downsample=[False, True, True])
    vae = vae.to(dtype).eval()
    vae.load_state_dict(convert_wan_vae_to_diffusers(sd), strict=True)
    return vae


class Checkpoint:
    def __init__(self, folder, prec='float64', lora='peft'):
        self.folder = folder
        self.prec = prec
        dtype = torch.float64 if prec == 'float64' else torch.float32
        self.cfg = dit_config(folder)
        W = load_dit_weights(folder)
        lora_path = os.path.join(folder, 'liveavatar.safetensors')
        if not os.path.exists(lora_path):
            lora_path = os.path.join(folder, '..', 'LiveAvatar',
                                     'liveavatar.safetensors')
        if os.path.exists(lora_path) and lora == 'peft':
            self.W = merge_lora_peft(W, lora_path, dtype)
        elif os.path.exists(lora_path) and lora == 'manual':
            self.W = merge_lora_manual(W, lora_path, dtype)
        else:
            self.W = {k: v.to(dtype) for k, v in W.items()}
        self.vae = load_vae(folder, dtype)
        self.dtype = dtype

    def dit(self):
        return (Dit64 if self.prec == 'float64' else oracle.Dit)(self.cfg,
                                                                  self.W)


# ---- the generation ----

def schedule(steps):
    from diffusers import FlowMatchEulerDiscreteScheduler
    s = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=SHIFT)
    s.set_timesteps(steps)
    return ([float(t) for t in s.timesteps], [float(x) for x in s.sigmas])


def picture_tensor(rgb, dtype):
    """[H, W, 3] u8 -> [1, 3, 1, H, W]: ToTensor (fp32 / 255) * 2 - 1"""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    x = x.to(torch.float32).div(255) * 2 - 1.0
    return x[None, :, None].to(dtype)


def vae_encode(vae, video):
    mean, std = vae_ref.stats(video.dtype)
    mu = vae.encode(video).latent_dist.mode()
    return (mu - mean) * (1.0 / std)


def generate(ck, rgb, context, features, noise, draws, n_blocks, steps=4,
             refresh_sink=True):
    """rgb [H, W, 3] u8, context [n, text_dim], features [12 n_blocks, 25,
    audio_dim], noise [n_clips, 16, 12, h, w], draws [n_blocks * steps].
    Returns {name: tensor} with the names of la-avatar-generate.h's dumps
    ("block%04d.step%d", "block%04d.pixels" [n, 3, H, W]) plus
    "cond.ref_latent" [16, 1, h, w] and "cond.motion_latents" [16, 19, h,
    w]. refresh_sink=False keeps the picture's latent in the sink (a
    variant, to check that the golden depends on the refresh)."""
    out = {}
    with precision(ck.prec) as dt, torch.no_grad():
        m = ck.dit()
        vae = ck.vae
        pic = picture_tensor(rgb, dt)
        ref = vae_encode(vae, pic)[0]                         # [z, 1, h, w]
        motion = vae_encode(vae, pic.repeat(1, 1, MOTION_FRAMES, 1, 1))[0]
        out['cond.ref_latent'] = ref
        out['cond.motion_latents'] = motion
        assert motion.shape[1] == LAT_MOTION_FRAMES

        timesteps, sigmas = schedule(steps)
        z, _, h, w = ref.shape
        fsl = (h // 2) * (w // 2)
        cap = INFER_FRAMES // 4 * fsl           # one clip's latent frames
        ctx = m.text(context.to(dt))
        cross = [m.cross_kv(i, ctx) for i in range(m.cfg['num_layers'])]
        _, e0z = m.time(torch.zeros(1))
        caches = [oracle.Stream(m, cap) for _ in range(steps)]
        feat_map = [None] * vae._cached_conv_counts['decoder']
        vae_ref.stream_decode(vae, feat_map, motion[None, :, :PRIME_LATENTS])

        n_clips = (n_blocks + BLOCKS_PER_CLIP - 1) // BLOCKS_PER_CLIP
        sink = ref
        for r in range(n_clips):
            if r == 1 and refresh_sink:
                sink = first_clean
            if r <= 1:
                for c in caches:
                    c.prefill(sink, motion, False, cross, e0z)
            for bi in range(BLOCKS_PER_CLIP):
                b = r * BLOCKS_PER_CLIP + bi
                if b >= n_blocks:
                    break
                f0 = bi * FRAMES_PER_BLOCK
                x = noise[r][:, f0:f0 + FRAMES_PER_BLOCK].to(dt)
                a = features[b * 12:(b + 1) * 12].to(dt).permute(1, 2, 0)
                glob, local = oracle.audio_encode(
                    m, a, (MOTION_FRAMES, LAT_MOTION_FRAMES))
                start = b * FRAMES_PER_BLOCK * fsl
                for i in range(steps):
                    v = caches[i].forward(x, timesteps[i], start,
                                          int(draws[b * steps + i]), glob,
                                          local, cross)
                    x = x + (sigmas[i + 1] - sigmas[i]) * v
                    out['block%04d.step%d' % (b, i)] = x
                if b == 0:
                    first_clean = x[:, 0:1]
                img = vae_ref.stream_decode(vae, feat_map, x[None])
                img = img[:, :, -(INFER_FRAMES // BLOCKS_PER_CLIP):]
                if b == 0:
                    img = img[:, :, FIRST_DROP:]
                out['block%04d.pixels' % b] = img[0].permute(1, 0, 2, 3)
    return {k: v.contiguous() for k, v in out.items()}
