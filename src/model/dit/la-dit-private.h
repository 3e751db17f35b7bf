/* liveavatar: the DiT's weights (private to src/model/dit)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Members are named after the checkpoint's modules; all fp32 on the
 * backend but the linear weights, stored as LaDitWeights says, and what
 * the compute dtype needs in it (noted). With BF16 compute every fp32
 * parameter holds bf16 values (Live Avatar's model.to (bf16)).
 * Weightless layers (norm1, norm2, head.norm, the SiLU and GELU between
 * linears) are noted where they sit.
 */

#ifndef __LA_DIT_PRIVATE_H__
#define __LA_DIT_PRIVATE_H__

#include "la-dit.h"

G_BEGIN_DECLS

typedef struct
{
  LaTensor       *weight;       /* [out, in]: F32, BF16 or FP8_E4M3 */
  LaTensor       *bias;         /* [out], F32 */
  LaTensor       *bias_c;       /* BF16 compute, bf16 weight: [out] BF16,
                                 * for bf16 outputs; else NULL */
  LaTensor       *scale;        /* FP8 weight only: [1] F32, its
                                 * dequantisation scale; else NULL */
} LaDitLinear;

typedef struct
{
  LaDitLinear     q, k, v, o;
  /* WanRMSNorm over dim: [dim], in the compute dtype (they norm bf16 q
   * and k under BF16) */
  LaTensor       *norm_q;
  LaTensor       *norm_k;
} LaDitAttention;

typedef struct
{
  /* norm1: LayerNorm without affine */
  LaDitAttention  self_attn;
  LaTensor       *norm3_weight; /* LayerNorm with affine (cross_attn_norm) */
  LaTensor       *norm3_bias;
  LaDitAttention  cross_attn;
  /* norm2: LayerNorm without affine */
  LaDitLinear     ffn0;         /* ffn.1 is GELU (tanh) */
  LaDitLinear     ffn2;
  LaTensor       *modulation;   /* [6, dim] (the checkpoint's [1, 6, dim]) */
} LaDitBlock;

/* CausalAudioEncoder (casual_audio_encoder.*): the 25 wav2vec2 states
 * fused, then MotionEncoder_tc's causal convs [Cout, Cin, 3] */
typedef struct
{
  LaTensor       *fusion;       /* [1, 25]: SiLU (weights) / their sum */
  LaTensor       *conv1_local_w, *conv1_local_b;
  LaTensor       *conv1_global_w, *conv1_global_b;
  LaTensor       *conv2_w, *conv2_b;    /* shared by both branches */
  LaTensor       *conv3_w, *conv3_b;
  LaDitLinear     final_linear;
  LaTensor       *padding_token;        /* [dim] */
} LaDitAudioEncoder;

/* audio_injector.injector.k and .injector_adain_layers.k */
typedef struct
{
  LaDitAttention  attn;
  LaDitLinear     adain;        /* [2 dim, dim]: shift, then scale */
} LaDitInjector;

/* temporaries' memory, la-dit-scratch.h */
typedef struct _LaDitWorkspace LaDitWorkspace;

struct _LaDit
{
  LaBackend      *backend;
  LaDitConfig     cfg;
  /* Conv3d weights [dim, C, pt, ph * pw] */
  LaTensor       *patch_weight;
  LaTensor       *patch_bias;
  LaTensor       *cond_bias;    /* cond_encoder.bias; NULL when cond_dim 0 */
  LaTensor       *cond_mask;    /* trainable_cond_mask [3, dim] */
  LaTensor       *cond_mask_row[3];     /* views: noisy, ref, motion */
  LaDitLinear     text0;        /* text_embedding.1 is GELU (tanh) */
  LaDitLinear     text2;
  LaDitLinear     time0;        /* time_embedding.1 is SiLU */
  LaDitLinear     time2;
  LaDitLinear     time_proj;    /* time_projection.0 is SiLU */
  LaDitBlock     *blocks;
  LaDitLinear     head;         /* head.head; head.norm: LN without affine */
  LaTensor       *head_modulation;      /* [2, dim] */
  LaDitAudioEncoder audio;
  /* frame_packer.proj, proj_2x, proj_4x: Conv3d [dim, in_dim, kt, kh * kw]
   * with kernel = stride = (1, 2, 2), (2, 4, 4), (4, 8, 8); NULL without
   * enable_framepack */
  LaTensor       *pack_w[3];
  LaTensor       *pack_b[3];
  LaDitInjector  *injectors;    /* one per audio_inject_layers entry */
  GPtrArray      *tensors;      /* every tensor and view, freed in reverse */
  /* while loading: target tensor name -> LaLoraPair to merge into it */
  GHashTable     *lora;
  LaCheckpoint   *lora_ck;
  guint           n_lora_merged;
  LaDitWeights    weights;
  LaDitCompute    compute;
  LaDType         cdtype;       /* the compute dtype's LaDType */
  /* the workspaces no thread is using (la-dit-scratch.h) */
  GMutex          ws_lock;
  GSList         *idle_ws;
};

/* a new fp32 tensor on the DiT's backend, freed by the caller */
LaTensor       *la_dit_tensor (LaDit * dit, gint n_dims, const gint64 * ne,
    GError ** error);

/* a new compute-dtype tensor on the DiT's backend, freed by the caller */
LaTensor       *la_dit_tensor_c (LaDit * dit, gint n_dims, const gint64 * ne,
    GError ** error);

/* y = linear (x): x and y F32 whatever the weight's storage; with BF16
 * compute also x BF16 (bf16 or FP8 weight) with y BF16 or F32 */
gboolean        la_dit_linear (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaDitLinear * l, GError ** error);

G_END_DECLS

#endif /* __LA_DIT_PRIVATE_H__ */
