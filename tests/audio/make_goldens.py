#!/usr/bin/env python3
# liveavatar: golden data for the wav2vec2 audio encoder tests
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Writes tests/audio/data/.

The reference is transformers' Wav2Vec2Model (PyPI transformers 4.51.3,
the newest Live Avatar allows) on a TINY random configuration with the
architecture flags of wav2vec2-large-xlsr-53-english: layer-norm conv
feature extractor with bias (7 layers, kernels 10,3,3,3,3,2,2, strides
5,2,2,2,2,2,2: 320x, 50 Hz), feature projection, weight-normalised grouped
positional convolution (even kernel: one frame trimmed), stable-layer-norm
(pre-LN) encoder, exact-erf GELU, final LayerNorm -- with 3 layers of
width 32 (4 heads, FFN 64), conv channels 16 (24 for the last, so the
projection is not square) and a positional kernel of 16 in 4 groups.

The same random weights (rounded to float16 values, so both files hold
them exactly) are written twice, as the two official formats:
  wav2vec2-tiny/      Wav2Vec2Model names, model.safetensors (F16), the
                      new weight-norm names
                      encoder.pos_conv_embed.conv.parametrizations.weight.
                      original0 / original1
  wav2vec2-tiny-ctc/  a Wav2Vec2ForCTC checkpoint as jonatasgrosman's
                      (the folder Wan ships): pytorch_model.bin from
                      torch.save (zip), float32, names prefixed "wav2vec2.",
                      an lm_head, and the old weight_g / weight_v names
Each has config.json and preprocessor_config.json. transformers loads both
back with no missing or unexpected tensor, and both give the reference
output (checked here).

goldens.safetensors:
  audio.pcm        I16 [16123]   ~1 s of deterministic speech-like audio
                                 (value / 32768 is the float signal)
  audio.input      F32 [16123]   Wav2Vec2FeatureExtractor (do_normalize)
  hidden_states    F32 [4, 50, 32]
                                 output_hidden_states=True, stacked:
                                 [0] embeddings + positional conv (the
                                 input of layer 0), [1], [2] layer outputs,
                                 [3] the last layer's output after the
                                 final LayerNorm
  video            F32 [48, 4, 32]
                                 Live Avatar's 25 fps features:
                                 linear_interpolation (50 -> 30 Hz) then
                                 get_audio_embed_bucket_fps (fps 25,
                                 batch_frames 48, m 0), frame-major
  resample.input   F32 [2, 137, 3]   random 50 Hz features
  resample.video   F32 [96, 2, 3]    the same two functions on them

The model runs in float64 (eager attention), so the goldens carry no
float32 rounding of their own; the float32 run is compared too and
reported. linear_interpolation and get_audio_embed_bucket_fps are copied
from wan/modules/s2v/audio_encoder.py (Wan-Video/Wan2.2, Apache-2.0), which
Live Avatar imports unchanged (liveavatar/models/wan/wan_2_2/modules/s2v/,
video_rate 30, called with fps = sample_fps = 25).

Needs torch, safetensors and transformers==4.51.3 (pip, CPU is enough). CI
does not run this; the output is committed.
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import (Wav2Vec2Config, Wav2Vec2FeatureExtractor,
                          Wav2Vec2ForCTC, Wav2Vec2Model)

SEED = 20260105
N_SAMPLES = 16123  # not a multiple of 320: the conv lengths round down
HIDDEN = 32
LAYERS = 3
HEADS = 4
FFN = 64
CONV_DIM = [16, 16, 16, 16, 16, 16, 24]
CONV_KERNEL = [10, 3, 3, 3, 3, 2, 2]
CONV_STRIDE = [5, 2, 2, 2, 2, 2, 2]
POS_KERNEL = 16
POS_GROUPS = 4
VOCAB = 8
INFER_FRAMES = 48  # Live Avatar's --infer_frames
FPS = 25  # Live Avatar's sample_fps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')


# ---- copied from Wan2.2 wan/modules/s2v/audio_encoder.py ----

def get_sample_indices(original_fps,
                       total_frames,
                       target_fps,
                       num_sample,
                       fixed_start=None):
    required_duration = num_sample / target_fps
    required_origin_frames = int(np.ceil(required_duration * original_fps))
    if required_duration > total_frames / original_fps:
        raise ValueError("required_duration must be less than video length")

    if not fixed_start is None and fixed_start >= 0:
        start_frame = fixed_start
    else:
        max_start = total_frames - required_origin_frames
        if max_start < 0:
            raise ValueError("video length is too short")
        start_frame = np.random.randint(0, max_start + 1)
    start_time = start_frame / original_fps

    end_time = start_time + required_duration
    time_points = np.linspace(start_time, end_time, num_sample, endpoint=False)

    frame_indices = np.round(np.array(time_points) * original_fps).astype(int)
    frame_indices = np.clip(frame_indices, 0, total_frames - 1)
    return frame_indices


def linear_interpolation(features, input_fps, output_fps, output_len=None):
    """
    features: shape=[1, T, 512]
    input_fps: fps for audio, f_a
    output_fps: fps for video, f_m
    output_len: video length
    """
    features = features.transpose(1, 2)  # [1, 512, T]
    seq_len = features.shape[2] / float(input_fps)  # T/f_a
    if output_len is None:
        output_len = int(seq_len * output_fps)  # f_m*T/f_a
    output_features = F.interpolate(
        features, size=output_len, align_corners=True,
        mode='linear')  # [1, 512, output_len]
    return output_features.transpose(1, 2)  # [1, output_len, 512]


class AudioEncoderBuckets:
    # AudioEncoder without its model: only what get_audio_embed_bucket_fps
    # reads
    video_rate = 30

    def get_audio_embed_bucket_fps(self,
                                   audio_embed,
                                   fps=16,
                                   batch_frames=81,
                                   m=0):
        num_layers, audio_frame_num, audio_dim = audio_embed.shape

        if num_layers > 1:
            return_all_layers = True
        else:
            return_all_layers = False

        scale = self.video_rate / fps

        min_batch_num = int(audio_frame_num / (batch_frames * scale)) + 1

        bucket_num = min_batch_num * batch_frames
        padd_audio_num = math.ceil(min_batch_num * batch_frames / fps *
                                   self.video_rate) - audio_frame_num
        batch_idx = get_sample_indices(
            original_fps=self.video_rate,
            total_frames=audio_frame_num + padd_audio_num,
            target_fps=fps,
            num_sample=bucket_num,
            fixed_start=0)
        batch_audio_eb = []
        audio_sample_stride = int(self.video_rate / fps)
        for bi in batch_idx:
            if bi < audio_frame_num:

                chosen_idx = list(
                    range(bi - m * audio_sample_stride,
                          bi + (m + 1) * audio_sample_stride,
                          audio_sample_stride))
                chosen_idx = [0 if c < 0 else c for c in chosen_idx]
                chosen_idx = [
                    audio_frame_num - 1 if c >= audio_frame_num else c
                    for c in chosen_idx
                ]

                if return_all_layers:
                    frame_audio_embed = audio_embed[:, chosen_idx].flatten(
                        start_dim=-2, end_dim=-1)
                else:
                    frame_audio_embed = audio_embed[0][chosen_idx].flatten()
            else:
                frame_audio_embed = \
                torch.zeros([audio_dim * (2 * m + 1)], device=audio_embed.device) if not return_all_layers \
                    else torch.zeros([num_layers, audio_dim * (2 * m + 1)], device=audio_embed.device)
            batch_audio_eb.append(frame_audio_embed)
        batch_audio_eb = torch.cat([c.unsqueeze(0) for c in batch_audio_eb],
                                   dim=0)

        return batch_audio_eb, min_batch_num


# ---- end of the copy ----

def video_features(hidden_states):
    """AudioEncoder.extract_audio_feat after the model, then Live Avatar's
    encode_audio: [L, T50, C] -> [frames, L, C]"""
    feat = linear_interpolation(hidden_states, input_fps=50, output_fps=30)
    buckets, _ = AudioEncoderBuckets().get_audio_embed_bucket_fps(
        feat, fps=FPS, batch_frames=INFER_FRAMES, m=0)
    return buckets


def make_config():
    return Wav2Vec2Config(
        vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
        num_attention_heads=HEADS, intermediate_size=FFN, hidden_act='gelu',
        feat_extract_norm='layer', feat_extract_activation='gelu',
        conv_dim=CONV_DIM, conv_kernel=CONV_KERNEL, conv_stride=CONV_STRIDE,
        conv_bias=True, num_conv_pos_embeddings=POS_KERNEL,
        num_conv_pos_embedding_groups=POS_GROUPS, do_stable_layer_norm=True,
        layer_norm_eps=1e-5, architectures=['Wav2Vec2ForCTC'],
        attn_implementation='eager')


def random_state(model, gen):
    """Every tensor random (LayerNorms not 1/0, so the affine parts count),
    rounded to float16 values."""
    state = {}
    for name, t in model.state_dict().items():
        shape = t.shape
        if name.endswith('layer_norm.weight'):
            v = 1.0 + 0.2 * torch.randn(shape, generator=gen)
        elif name.endswith('bias'):
            v = 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith('original0'):  # weight norm g [1, 1, K]
            v = 0.5 + torch.rand(shape, generator=gen)
        elif name == 'masked_spec_embed':
            v = torch.rand(shape, generator=gen)
        else:
            fan_in = int(np.prod(shape[1:]))
            v = torch.randn(shape, generator=gen) / math.sqrt(fan_in)
        state[name] = v.to(torch.float16).to(torch.float32)
    return state


def speech_like(n, gen):
    """Syllable-shaped voiced sound with a moving pitch, plus noise."""
    t = np.arange(n) / 16000.0
    f0 = 140.0 + 40.0 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 16000.0
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * t), 0.0, None) ** 0.7
    noise = torch.randn(n, generator=gen, dtype=torch.float64).numpy()
    x = 0.25 * envelope * voiced + 0.02 * noise + 0.01
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max())


def write_folder(name, config, state, files):
    path = os.path.join(OUT, name)
    os.makedirs(path, exist_ok=True)
    config.save_pretrained(path)
    Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0,
        do_normalize=True, return_attention_mask=True).save_pretrained(path)
    files(path, state)
    return path


def main():
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    config = make_config()

    model = Wav2Vec2Model(config).eval()
    state = random_state(model, gen)
    model.load_state_dict(state, strict=True)

    # the CTC checkpoint: prefixed names, an lm_head, old weight-norm names
    ctc_state = {}
    for name, t in state.items():
        name = name.replace('parametrizations.weight.original0', 'weight_g')
        name = name.replace('parametrizations.weight.original1', 'weight_v')
        ctc_state['wav2vec2.' + name] = t
    ctc_state['lm_head.weight'] = (torch.randn(
        VOCAB, HIDDEN, generator=gen) / math.sqrt(HIDDEN)).to(torch.float16).float()
    ctc_state['lm_head.bias'] = torch.zeros(VOCAB)

    pcm = speech_like(N_SAMPLES, gen)
    raw = pcm.astype(np.float32) / 32768.0
    fe = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000,
                                  padding_value=0.0, do_normalize=True,
                                  return_attention_mask=True)
    inputs = fe(raw, sampling_rate=16000, return_tensors='pt').input_values

    with torch.no_grad():
        ref = model.double()(inputs.double(), output_hidden_states=True)
        hidden64 = torch.cat(ref.hidden_states)  # [L + 1, T, C]
        run32 = model.float()(inputs, output_hidden_states=True)
        hidden32 = torch.cat(run32.hidden_states)
    print('hidden states', tuple(hidden64.shape),
          'float32 vs float64 rel err %.2e' % rel_err(hidden32, hidden64))

    video = video_features(hidden64)
    print('video features', tuple(video.shape))

    rs_gen = torch.Generator().manual_seed(SEED + 1)
    rs_input = torch.randn(2, 137, 3, generator=rs_gen)
    rs_video = video_features(rs_input)
    print('resample', tuple(rs_input.shape), '->', tuple(rs_video.shape))

    def write_safetensors(path, st):
        save_file({k: v.to(torch.float16).contiguous() for k, v in st.items()},
                  os.path.join(path, 'model.safetensors'),
                  metadata={'format': 'pt'})

    def write_bin(path, st):
        torch.save({k: v.contiguous() for k, v in st.items()},
                   os.path.join(path, 'pytorch_model.bin'))

    path_a = write_folder('wav2vec2-tiny', config, state, write_safetensors)
    path_b = write_folder('wav2vec2-tiny-ctc', config, ctc_state, write_bin)

    # the files load back into transformers, every tensor used, and give
    # the reference
    with torch.no_grad():
        for cls, path in ((Wav2Vec2Model, path_a), (Wav2Vec2ForCTC, path_b)):
            m, info = cls.from_pretrained(path, output_loading_info=True,
                                          attn_implementation='eager')
            missing = info['missing_keys']
            unexpected = info['unexpected_keys']
            if missing or unexpected or info['mismatched_keys']:
                sys.exit('%s: missing %s unexpected %s' % (path, missing,
                                                          unexpected))
            out = m.double().eval()(inputs.double(), output_hidden_states=True)
            err = rel_err(torch.cat(out.hidden_states), hidden64)
            print('%s reloads, rel err %.1e' % (os.path.basename(path), err))
            if err > 1e-12:
                sys.exit('reloaded model differs')

    goldens = {
        'audio.pcm': torch.from_numpy(pcm.copy()),
        'audio.input': inputs[0].float(),
        'hidden_states': hidden64.float(),
        'video': video.float(),
        'resample.input': rs_input,
        'resample.video': rs_video.float(),
    }
    save_file({k: v.contiguous() for k, v in goldens.items()},
              os.path.join(OUT, 'goldens.safetensors'))
    for root, _, names in os.walk(OUT):
        for n in names:
            os.chmod(os.path.join(root, n), 0o644)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
