/* liveavatar: the wav2vec2 audio encoder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * transformers' Wav2Vec2Model in the variant of
 * wav2vec2-large-xlsr-53-english (the folder Wan2.2-S2V-14B ships, which
 * Live Avatar runs through Wav2Vec2ForCTC with output_hidden_states=True):
 *
 *   16 kHz audio, normalised per utterance (the processor's do_normalize)
 *   -> 7 conv layers, each Conv1d + LayerNorm over channels + GELU,
 *      320x down to 50 Hz (feat_extract_norm "layer")
 *   -> feature projection: LayerNorm + Linear to hidden_size
 *   -> + positional conv embedding (grouped Conv1d, weight-normalised,
 *      one frame trimmed for an even kernel, GELU)      = hidden state 0
 *   -> 24 pre-LN encoder layers (do_stable_layer_norm): x + attention
 *      (LayerNorm (x)), then x + FFN (LayerNorm (x)), exact-erf GELU
 *                                                 = hidden states 1 .. 23
 *   -> the last layer's output through the final LayerNorm = state 24
 *
 * i.e. n_layers + 1 hidden states, exactly the tuple HF returns; Live
 * Avatar concatenates all 25. Weights by the official names
 * ("encoder.layers.3.attention.q_proj.weight"), with or without the
 * "wav2vec2." prefix of a Wav2Vec2ForCTC checkpoint, from model.safetensors
 * or pytorch_model.bin; the positional conv's weight norm as weight_g /
 * weight_v (older files) or parametrizations.weight.original0 / 1 (newer).
 * Runs in fp32 on any backend that has the ops (the CPU backend today).
 *
 *   LaWav2Vec2 *w2v = la_wav2vec2_new (be,
 *       "Wan2.2-S2V-14B/wav2vec2-large-xlsr-53-english", &err);
 *   n = la_wav2vec2_n_frames (la_wav2vec2_get_config (w2v), n_samples);
 *   hidden = g_new (gfloat, 25 * n * 1024);
 *   la_wav2vec2_encode (w2v, pcm, n_samples, hidden, &err);  [25, n, 1024]
 *
 * Resampling to the video rate is la-audio-resample.h, the streaming
 * window la-audio-frontend.h.
 */

#ifndef __LA_WAV2VEC2_H__
#define __LA_WAV2VEC2_H__

#include <glib.h>

#include "la-backend.h"
#include "la-checkpoint.h"

G_BEGIN_DECLS

/* the only rate the model and its processor accept */
#define LA_WAV2VEC2_SAMPLE_RATE 16000
#define LA_WAV2VEC2_MAX_CONV_LAYERS 16
/* Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm's epsilon */
#define LA_WAV2VEC2_NORMALIZE_EPS 1e-7

/* config.json (and do_normalize from preprocessor_config.json). Keys that
 * are absent take Wav2Vec2Config's defaults, as transformers would. */
typedef struct
{
  gint            n_conv_layers;
  gint            conv_dim[LA_WAV2VEC2_MAX_CONV_LAYERS];
  gint            conv_kernel[LA_WAV2VEC2_MAX_CONV_LAYERS];
  gint            conv_stride[LA_WAV2VEC2_MAX_CONV_LAYERS];
  gboolean        conv_bias;
  gint            hidden_size;
  gint            num_hidden_layers;
  gint            num_attention_heads;
  gint            intermediate_size;
  gint            num_conv_pos_embeddings;      /* positional conv kernel */
  gint            num_conv_pos_embedding_groups;
  gdouble         layer_norm_eps;
  gboolean        do_normalize; /* preprocessor_config.json */
} LaWav2Vec2Config;

/* Reads @dir/config.json and, when present, @dir/preprocessor_config.json.
 * A variant this code does not implement (feat_extract_norm "group", the
 * post-LN encoder, another activation, an adapter, another sampling rate)
 * is LA_ERROR_NOT_SUPPORTED; inconsistent sizes LA_ERROR_MODEL_INVALID. */
gboolean        la_wav2vec2_config_load (LaWav2Vec2Config * config,
    const gchar * dir, GError ** error);

/* Checks a configuration made by hand (as la_wav2vec2_config_load () does
 * one it read). */
gboolean        la_wav2vec2_config_validate (const LaWav2Vec2Config * config,
    GError ** error);

/* 50 Hz frames the conv feature extractor makes of @n_samples: each layer
 * keeps (L - kernel) / stride + 1; 0 when the input is shorter than the
 * receptive field (400 samples for the real model). */
gint64          la_wav2vec2_n_frames (const LaWav2Vec2Config * config,
    gint64 n_samples);

/* num_hidden_layers + 1 */
gint            la_wav2vec2_n_hidden_states (const LaWav2Vec2Config * config);

typedef struct _LaWav2Vec2 LaWav2Vec2;

/* Config from @dir and the weights from @dir/model.safetensors (or a
 * sharded model.safetensors.index.json), else @dir/pytorch_model.bin,
 * placed on @backend in fp32. A missing folder or file is
 * LA_ERROR_MODEL_NOT_FOUND; a missing or misshapen tensor
 * LA_ERROR_MODEL_INVALID naming it. */
LaWav2Vec2     *la_wav2vec2_new (LaBackend * backend, const gchar * dir,
    GError ** error);
/* The same from an open checkpoint and a configuration. */
LaWav2Vec2     *la_wav2vec2_new_from_checkpoint (LaBackend * backend,
    const LaWav2Vec2Config * config, LaCheckpoint * checkpoint,
    GError ** error);
void            la_wav2vec2_free (LaWav2Vec2 * model);

const LaWav2Vec2Config *la_wav2vec2_get_config (LaWav2Vec2 * model);
LaBackend      *la_wav2vec2_get_backend (LaWav2Vec2 * model);

/* The processor's do_normalize: dst = (x - mean) / sqrt (var + 1e-7) over
 * the @n samples (biased variance, sums in double). @dst may be @src. */
void            la_wav2vec2_normalize (gfloat * dst, const gfloat * src,
    gsize n);

/* The model on @input [N] (already normalised, as the processor hands it
 * over) into @hidden_states [n_hidden_states, T, hidden_size], T =
 * la_wav2vec2_n_frames (N) >= 1; both fp32 on the model's backend. */
gboolean        la_wav2vec2_forward (LaWav2Vec2 * model,
    LaTensor * hidden_states, const LaTensor * input, GError ** error);

/* Processor (normalising when the config says so) and model on host
 * audio: @pcm [n] at 16 kHz -> @hidden_states [n_hidden_states, T,
 * hidden_size] (host memory, T = la_wav2vec2_n_frames (n) >= 1). Input
 * too short for one frame is LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_wav2vec2_encode (LaWav2Vec2 * model, const gfloat * pcm,
    gsize n, gfloat * hidden_states, GError ** error);

G_END_DECLS

#endif /* __LA_WAV2VEC2_H__ */
