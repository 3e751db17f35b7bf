#!/usr/bin/env python3
# liveavatar: the end-to-end golden against Live Avatar's own pipeline
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Runs Live Avatar's own WanS2V.generate (liveavatar/models/wan/
causal_s2v_pipeline_tpp.py: 4 DiT ranks and the VAE rank, here 5 CPU
processes over gloo, fp32) on the tiny model with the inputs of
tests/e2e/data/goldens.safetensors, then compares what it made with the
goldens (float64, without Live Avatar's two bf16-only casts) and with
oracle_e2e.py run in fp32 with those casts on (which should agree to
float noise). Not part of CI: a check of the oracle, for whoever
regenerates the goldens.

  python3 tests/e2e/check_liveavatar.py build/tests/e2e/e2e-write-tiny \\
      /path/to/LiveAvatar/.git

Needs torch, diffusers, transformers, safetensors, peft, einops, easydict,
tqdm and Pillow. What runs unchanged: Live Avatar's generate, its
CausalWanModel_S2V (built from config.json, the shards loaded strictly),
its add_lora_to_model (peft, rank 128, alpha 64, as
minimal_inference/s2v_streaming_interact.py calls it), its streaming VAE
(vae_streaming.py) and diffusers' scheduler. What is replaced, because
this machine has no GPU or because the inputs are given:
  - cuDNN / flash attention -> torch's scaled_dot_product_attention, fp32;
  - "cuda" devices -> the CPU; torch.cuda.synchronize -> nothing;
  - one line of _forward_sink that builds an empty tensor with 5120
    channels in bf16 -> the model's width in fp32 (0 tokens either way);
  - the hard-coded 40 x 128 KV-cache heads -> the tiny model's;
  - umT5 and wav2vec2 -> the golden's context and features (encode_prompt,
    encode_audio); torch.randn for the clip noise -> the golden's noise
    (same shape and seed + r); random.randint (4, 30) -> the golden's
    draws, step i's rank taking draws[block * 4 + i];
  - torchvision's Resize / CenterCrop (identity: the picture is already at
    the size) and ToTensor; modules never used here (decord, librosa, ...)
    are stubs.
"""

import importlib.abc
import importlib.machinery
import json
import os
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
S, N_BLOCKS, SEED = 4, 8, 420
STUB_ROOTS = {'ftfy', 'decord', 'librosa', 'cv2', 'sam2', 'soundfile',
              'imageio', 'omegaconf', 'cosyvoice'}
SINK_LINE = ('torch.zeros([1,5120,nf,height//2,width//2]).to('
             'dtype=torch.bfloat16,device=x[0].device)')
SINK_FIX = ('torch.zeros([1,self.dim,nf,height//2,width//2]).to('
            'dtype=torch.float32,device=x[0].device)')


# ---- the environment Live Avatar's modules expect ----

class _Any(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        m = _Any(self.__name__ + '.' + name)
        setattr(self, name, m)
        return m


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in STUB_ROOTS:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = _Any(spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module):
        pass


def install_stubs():
    import numpy as np
    import torch
    # imported before torchvision's stub, so they see no torchvision
    import diffusers.loaders.peft  # noqa: F401
    import diffusers.loaders.single_file_model  # noqa: F401
    import diffusers.loaders.single_file_utils  # noqa: F401
    import peft  # noqa: F401
    import transformers  # noqa: F401
    from diffusers import FlowMatchEulerDiscreteScheduler  # noqa: F401
    from transformers import Wav2Vec2ForCTC  # noqa: F401

    sys.meta_path.insert(0, _Finder())
    tv, tr = _Any('torchvision'), _Any('torchvision.transforms')
    trf = _Any('torchvision.transforms.functional')
    tv.__path__, tr.__path__ = [], []

    class Resize:
        def __init__(self, size, *a, **k):
            self.size = size

        def __call__(self, img):
            assert min(img.size) == self.size
            return img

    class CenterCrop:
        def __init__(self, size):
            self.size = size

        def __call__(self, img):
            assert img.size[::-1] == tuple(self.size)
            return img

    class ToTensor:
        def __call__(self, pic):
            a = torch.from_numpy(np.array(pic, dtype=np.uint8))
            return a.permute(2, 0, 1).to(torch.float32).div(255)

    tr.Resize, tr.CenterCrop, tr.ToTensor = Resize, CenterCrop, ToTensor
    tr.functional, tv.transforms = trf, tr
    for m in (tv, tr, trf):
        m.__spec__ = importlib.machinery.ModuleSpec(m.__name__, None)
        sys.modules[m.__name__] = m

    torch.cuda.current_device = lambda: 0
    torch.cuda.synchronize = lambda *a, **k: None
    torch.cuda.empty_cache = lambda *a, **k: None

    def cpu(d):
        if isinstance(d, str) and d.startswith('cuda'):
            return 'cpu'
        if isinstance(d, torch.device) and d.type == 'cuda':
            return torch.device('cpu')
        return d

    def on_cpu(to):
        def f(self, *a, **k):
            if 'device' in k:
                k['device'] = cpu(k['device'])
            return to(self, *(cpu(x) for x in a), **k)
        return f
    torch.Tensor.to = on_cpu(torch.Tensor.to)
    torch.nn.Module.to = on_cpu(torch.nn.Module.to)


# ---- one rank ----

def worker(rank, world, folder, gold, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT='29533',
                      ENABLE_COMPILE='false')
    install_stubs()
    import random

    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from PIL import Image
    from safetensors.torch import load_file

    import liveavatar.models.wan.causal_model_s2v as CM
    import liveavatar.models.wan.causal_s2v_pipeline_tpp as P
    import liveavatar.models.wan.wan_2_2.modules.attention as A
    import liveavatar.models.wan.wan_2_2.modules.model  # noqa: F401
    import liveavatar.models.wan.wan_2_2.modules.s2v.audio_utils  # noqa
    from liveavatar.models.wan.wan_2_2.modules import vae_streaming as VS

    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.set_num_threads(1)
    G = load_file(gold)

    draws = G['in.draws'].tolist()
    mine = iter([draws[b * S + rank] for b in range(N_BLOCKS)]
                if rank < S else [])
    callers = []

    def randint(a, b):
        callers.append(sys._getframe(1).f_code.co_name)
        assert (a, b) == (4, 30)
        return next(mine)
    random.randint = randint

    def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False,
             scale=None):
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        return F.scaled_dot_product_attention(q, k, v).transpose(1, 2)

    real_fa = A.flash_attention

    def fa(q, k, v, q_lens=None, k_lens=None, **kw):
        assert k_lens is None or bool((k_lens == k.shape[1]).all())
        assert q_lens is None and not kw.get('causal', False)
        return sdpa(q, k, v).type_as(q)
    A.cudnn_attention_forward_with_lse = sdpa
    for name, mod in list(sys.modules.items()):
        if (name.startswith('liveavatar') and
                getattr(mod, 'flash_attention', None) is real_fa):
            mod.flash_attention = fa

    with open(os.path.join(folder, 'config.json')) as f:
        cfg = {k: v for k, v in json.load(f).items() if k[0] != '_'}
    model = CM.CausalWanModel_S2V(**cfg)
    with open(os.path.join(
            folder, 'diffusion_pytorch_model.safetensors.index.json')) as f:
        shards = sorted(set(json.load(f)['weight_map'].values()))
    sd = {}
    for s in shards:
        sd.update(load_file(os.path.join(folder, s)))
    model.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    model = model.float().eval().requires_grad_(False)

    w = P.WanS2V.__new__(P.WanS2V)
    w.device = torch.device('cpu')
    w.rank, w.t5_cpu, w.init_on_cpu, w.is_training = rank, False, True, False
    w.num_train_timesteps, w.num_frames_per_block = 1000, 3
    w.param_dtype, w.single_gpu, w.sp_size = torch.float32, False, 1
    w.sample_neg_prompt, w.motion_frames, w.drop_first_motion = '', 73, True
    w.fps, w.audio_sample_m, w.tgt_gpu_id = 25, 0, 0
    model = w.add_lora_to_model(
        model, lora_rank=128, lora_alpha=64.0,
        lora_target_modules='q,k,v,o,ffn.0,ffn.2', init_lora_weights='kaiming',
        pretrained_lora_path=os.path.join(folder, 'liveavatar.safetensors'),
        load_lora_weight_only=False)
    model = model.float().eval().requires_grad_(False)
    model.num_frame_per_block = 3
    w.noise_model = model

    vae = VS.WanVAE.__new__(VS.WanVAE)
    vae.dtype, vae.device = torch.float32, torch.device('cpu')
    sys.path.insert(0, HERE)
    import oracle_e2e
    mean, std = (t.flatten().float() for t in oracle_e2e.vae_ref.stats(
        torch.float64))
    vae.mean, vae.std, vae.scale = mean, std, [mean, 1.0 / std]
    sdv = torch.load(os.path.join(folder, 'Wan2.1_VAE.pth'),
                     weights_only=True)
    vm = VS.WanVAE_(dim=sdv['encoder.conv1.weight'].shape[0], z_dim=16,
                    dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
                    temperal_downsample=[False, True, True], dropout=0.0)
    vm.load_state_dict(sdv, strict=True)
    vae.model = vm.float().eval().requires_grad_(False)
    w.vae = vae

    w.audio_encoder = types.SimpleNamespace(model=torch.nn.Linear(1, 1))
    ctx = G['in.context'].float()
    w.encode_prompt = lambda p, n, o: ([ctx], [ctx])
    feats = G['in.features'].float()                       # [T, 25, A]
    w.encode_audio = lambda path, infer_frames: (
        feats[None].permute(0, 2, 3, 1), N_BLOCKS // 4)

    heads, hd = model.num_heads, model.dim // model.num_heads

    def init_kv(batch_size, dtype, device, kv_cache_size=13500):
        w.kv_cache1 = [{
            'k': torch.zeros([batch_size, kv_cache_size, heads, hd]),
            'v': torch.zeros([batch_size, kv_cache_size, heads, hd]),
            'cond_k': torch.zeros([batch_size, 3000, heads, hd]),
            'cond_v': torch.zeros([batch_size, 3000, heads, hd]),
            'cond_end': torch.tensor([0], dtype=torch.long)}
            for _ in range(model.num_layers)]

    def init_cross(batch_size, dtype, device):
        w.crossattn_cache = [{'k': torch.zeros([batch_size, 0, heads, hd]),
                              'v': torch.zeros([batch_size, 0, heads, hd]),
                              'is_init': False}
                             for _ in range(model.num_layers)]
    w._initialize_kv_cache = init_kv
    w._initialize_crossattn_cache = init_cross

    noise = G['in.noise'].float()
    randn = torch.randn

    def noise_randn(*size, **kw):
        g = kw.get('generator')
        if g is not None and tuple(size) == tuple(noise.shape[1:]):
            return noise[g.initial_seed() - SEED].clone()
        return randn(*size, **kw)
    torch.randn = noise_randn

    steps = []
    step = P.FlowMatchEulerDiscreteScheduler.step

    def recording_step(self, *a, **k):
        out = step(self, *a, **k)
        steps.append(out[0].squeeze(0).clone())
        return out
    P.FlowMatchEulerDiscreteScheduler.step = recording_step

    png = os.path.join(out, 'ref.png')
    if rank == 0:
        Image.fromarray(G['in.picture'].numpy()).save(png)
    dist.barrier()
    h = G['in.picture'].shape[0] * G['in.picture'].shape[1]
    video, _ = w.generate(
        input_prompt='x', ref_image_path=png, audio_path='a.wav',
        num_repeat=N_BLOCKS // 4, pose_video=None, max_area=h,
        infer_frames=48, shift=3.0, sample_solver='euler',
        sampling_steps=S, guide_scale=0.0, seed=SEED, offload_model=False,
        num_gpus_dit=S, enable_vae_parallel=True, enable_online_decode=False)
    torch.save({'steps': steps, 'video': video, 'callers': callers},
               os.path.join(out, 'rank%d.pt' % rank))
    dist.barrier()
    dist.destroy_process_group()


def rel(a, b):
    return float((a.double() - b.double()).abs().max() /
                 b.double().abs().max())


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    import torch
    import torch.multiprocessing as mp
    from safetensors.torch import load_file

    sys.path.insert(0, HERE)
    import oracle_e2e as oe
    gold = os.path.join(HERE, 'data', 'goldens.safetensors')
    G = load_file(gold)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'src')
        os.makedirs(src)
        tar = subprocess.run(['git', '--git-dir=' + sys.argv[2], 'archive',
                              'HEAD', 'liveavatar'], check=True,
                             capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', src], input=tar, check=True)
        path = os.path.join(src, 'liveavatar/models/wan/causal_model_s2v.py')
        with open(path) as f:
            text = f.read()
        assert text.count(SINK_LINE) == 1, 'Live Avatar changed: ' + path
        with open(path, 'w') as f:
            f.write(text.replace(SINK_LINE, SINK_FIX))
        folder = os.path.join(tmp, 'tiny')
        subprocess.run([sys.argv[1], folder, str(int(G['in.tiny_seed'][0]))],
                       check=True)
        sys.path.insert(0, src)
        os.environ['PYTHONPATH'] = src + os.pathsep + os.environ.get(
            'PYTHONPATH', '')
        mp.spawn(worker, args=(S + 1, folder, gold, tmp), nprocs=S + 1,
                 join=True)
        R = [torch.load(os.path.join(tmp, 'rank%d.pt' % r),
                        weights_only=False) for r in range(S + 1)]

        oe.oracle.HALF_ROPE_TABLE = True
        oe.oracle.BF16_NORM3 = True
        O = oe.generate(oe.Checkpoint(folder, 'float32'),
                        G['in.picture'].numpy(), G['in.context'],
                        G['in.features'].float(), G['in.noise'].float(),
                        G['in.draws'], N_BLOCKS, S)

    for r in range(S):
        assert set(R[r]['callers']) == {'_forward_inference'}
        assert len(R[r]['steps']) == N_BLOCKS
    LA = {'block%04d.step%d' % (b, i): R[i]['steps'][b]
          for b in range(N_BLOCKS) for i in range(S)}
    frames = R[S]['video'].permute(1, 0, 2, 3)              # [T, 3, H, W]
    print('Live Avatar: %d frames' % frames.shape[0])
    assert frames.shape[0] == 9 + 12 * (N_BLOCKS - 1)
    LA['block0000.pixels'] = frames[:9]
    O['block0000.pixels'] = O['block0000.pixels']
    last = 9 + 12 * (N_BLOCKS - 1)
    LA['block%04d.pixels.last4' % (N_BLOCKS - 1)] = frames[last - 4:last]
    O['block%04d.pixels.last4' % (N_BLOCKS - 1)] = \
        O['block%04d.pixels' % (N_BLOCKS - 1)][-4:]
    print('%-28s %-12s %s' % ('', 'vs golden', 'vs oracle with the casts'))
    worst = [0, 0]
    for k in sorted(LA):
        a, b = rel(LA[k], G[k]), rel(O[k], LA[k])
        worst = [max(worst[0], a), max(worst[1], b)]
        print('%-28s %.2e     %.2e' % (k, a, b))
    print('worst (max |a - b| / max |b|): %.2e vs the golden, %.2e vs the '
          'oracle with the bf16-only casts' % tuple(worst))
    return 0


if __name__ == '__main__':
    sys.exit(main())
