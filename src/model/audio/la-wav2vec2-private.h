/* liveavatar: the wav2vec2 audio encoder, its parts
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The modules of transformers' modeling_wav2vec2.py this model is made
 * of, bottom-up, named as the checkpoint names them. Every sequence is
 * time-major [T, C] on the backend, fp32.
 */

#ifndef __LA_WAV2VEC2_PRIVATE_H__
#define __LA_WAV2VEC2_PRIVATE_H__

#include "la-wav2vec2.h"

G_BEGIN_DECLS

/* ---- weights ---- */

/* Reads tensors by their official names (after @prefix, "" or
 * "wav2vec2.") and places them on the backend; owns them. */
typedef struct
{
  LaBackend      *backend;
  LaCheckpoint   *checkpoint;
  const gchar    *prefix;
  GPtrArray      *tensors;      /* every weight, freed with the model */
} LaW2vLoader;

/* tensor prefix + @name (printf-style) with @ndim dims equal to @shape */
LaTensor       *la_w2v_load (LaW2vLoader * ld, gint ndim,
    const gint64 * shape, GError ** error, const gchar * format, ...)
    G_GNUC_PRINTF (5, 6);
/* an fp32 tensor of @ndim dims @shape from host @data, owned by @ld */
LaTensor       *la_w2v_upload (LaW2vLoader * ld, gint ndim,
    const gint64 * shape, const gfloat * data, GError ** error);

/* ---- nn.LayerNorm (affine), nn.Linear ---- */

typedef struct
{
  LaTensor       *weight, *bias;        /* [C] */
  gfloat          eps;
} LaW2vLayerNorm;

typedef struct
{
  LaTensor       *weight;       /* [out, in] */
  LaTensor       *bias;         /* [out] */
} LaW2vLinear;

gboolean        la_w2v_load_layer_norm (LaW2vLoader * ld,
    LaW2vLayerNorm * norm, const gchar * prefix, gint dim, gdouble eps,
    GError ** error);
gboolean        la_w2v_load_linear (LaW2vLoader * ld, LaW2vLinear * linear,
    const gchar * prefix, gint in, gint out, GError ** error);

/* y = (x - mean) / sqrt (var + eps) * weight + bias over the last
 * dimension; x, y [T, C], in place allowed */
gboolean        la_w2v_layer_norm_forward (LaW2vLayerNorm * norm,
    LaTensor * y, const LaTensor * x, GError ** error);

/* ---- Wav2Vec2LayerNormConvLayer (feature_extractor.conv_layers.N.) ---- */

typedef struct
{
  LaTensor       *weight;       /* conv.weight [out, in, kernel] */
  LaTensor       *bias;         /* conv.bias [out], NULL without conv_bias */
  LaConv1dParams  params;
  gint            in, out, kernel;
  LaW2vLayerNorm  layer_norm;   /* over the out channels, eps 1e-5 */
  /* activation: GELU */
} LaW2vConvLayer;

gboolean        la_w2v_load_conv_layer (LaW2vLoader * ld,
    LaW2vConvLayer * layer, const LaWav2Vec2Config * config, gint index,
    GError ** error);
/* x [L, in] -> a new [Lo, out] tensor */
LaTensor       *la_w2v_conv_layer_forward (LaW2vConvLayer * layer,
    const LaTensor * x, GError ** error);

/* ---- Wav2Vec2PositionalConvEmbedding (encoder.pos_conv_embed.) ---- */

typedef struct
{
  LaTensor       *weight;       /* g * v / ||v||, [H, H / groups, K] */
  LaTensor       *bias;         /* [H] */
  LaConv1dParams  params;       /* padding K / 2 before, and after less
                                 * the frame Wav2Vec2SamePadLayer trims for
                                 * an even K */
  /* activation: GELU */
} LaW2vPosConv;

gboolean        la_w2v_load_pos_conv (LaW2vLoader * ld, LaW2vPosConv * pos,
    const LaWav2Vec2Config * config, GError ** error);
/* x += GELU (conv (x)); x [T, H] */
gboolean        la_w2v_pos_conv_add (LaW2vPosConv * pos, LaTensor * x,
    GError ** error);

/* ---- Wav2Vec2EncoderLayerStableLayerNorm (encoder.layers.N.) ---- */

typedef struct
{
  gint            heads;
  LaW2vLayerNorm  layer_norm;
  /* attention: Wav2Vec2Attention, bias on all four */
  LaW2vLinear     q_proj, k_proj, v_proj, out_proj;
  LaW2vLayerNorm  final_layer_norm;
  /* feed_forward: Wav2Vec2FeedForward (dropouts are identity here) */
  LaW2vLinear     intermediate_dense;   /* H -> FFN, then GELU */
  LaW2vLinear     output_dense; /* FFN -> H */
} LaW2vEncoderLayer;

gboolean        la_w2v_load_encoder_layer (LaW2vLoader * ld,
    LaW2vEncoderLayer * layer, const LaWav2Vec2Config * config, gint index,
    GError ** error);
/* x: [T, H] -> y [T, H] (another tensor):
 * h = x + attention (layer_norm (x)); y = h + FFN (final_layer_norm (h)) */
gboolean        la_w2v_encoder_layer_forward (LaW2vEncoderLayer * layer,
    LaTensor * y, const LaTensor * x, GError ** error);

/* ---- helpers ---- */

/* a new fp32 [rows, cols] tensor */
LaTensor       *la_w2v_new_seq (LaBackend * backend, gint64 rows, gint64 cols,
    GError ** error);

G_END_DECLS

#endif /* __LA_WAV2VEC2_PRIVATE_H__ */
