/* liveavatar: the video VAE's layers (private to src/model/vae)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Bottom-up, as wan/modules/vae2_1.py: CausalConv3d, RMS_norm,
 * ResidualBlock, AttentionBlock, Resample, then Encoder3d and Decoder3d.
 * Struct members are named after the checkpoint's module indices
 * ("residual.2" is conv2); weightless layers are noted at their index.
 *
 * Every forward takes x and returns a new tensor the caller frees (or
 * writes into a given @y), and NULL / FALSE with @error set on failure.
 * Feature maps are frame-major [T, C, H, W], of the VAE's compute dtype:
 * every layer makes its outputs and histories of x's dtype, so only
 * la-vae.c converts (at the latents and the pictures).
 */

#ifndef __LA_VAE_PRIVATE_H__
#define __LA_VAE_PRIVATE_H__

#include "la-vae.h"

G_BEGIN_DECLS

/* ---- weights ---- */

/* Reads weights by name and places them on the backend; owns them. */
typedef struct
{
  LaBackend      *backend;
  LaDType         dtype;        /* the weights' storage type */
  LaVaeReadFunc   read;
  gpointer        user_data;
  GPtrArray      *tensors;      /* every tensor and view, freed in reverse */
  guint           n_slots;      /* cache slots handed out so far */
} LaVaeLoader;

/* @name (printf-style) with @ndim dims equal to @shape, uploaded as a
 * tensor of @t_ndim dims @t_shape (same element count) in ld->dtype */
LaTensor       *la_vae_load (LaVaeLoader * ld, gint ndim,
    const gint64 * shape, gint t_ndim, const gint64 * t_shape,
    GError ** error, const gchar * format, ...) G_GNUC_PRINTF (7, 8);
/* a view owned by the loader */
LaTensor       *la_vae_load_view (LaVaeLoader * ld, LaTensor * src,
    gint64 elem_offset, gint n_dims, const gint64 * ne, GError ** error);

/* ---- the causal cache ---- */

struct _LaVaeCache
{
  LaBackend      *backend;
  LaDType         dtype;        /* its VAE's compute type, the histories' */
  guint           n_slots;
  LaTensor      **history;      /* per slot: [frames, C, H, W], NULL until used */
  gint64          n_calls;      /* chunks run through since the start */
  gint            t_scale;      /* decoder: pictures per latent frame */
};

LaVaeCache     *la_vae_cache_new_for (LaBackend * backend, LaDType dtype,
    guint n_slots, gint t_scale);

/* ---- CausalConv3d, and Conv2d as its kt = 1 case ---- */

typedef struct
{
  LaTensor       *weight;       /* [out, in, kt, kh * kw] */
  LaTensor       *bias;         /* [out] */
  LaConv3dParams  params;
  gint            in, out;
  gint            history;      /* frames of past input it reads (0, 1, 2) */
  gint            slot;         /* its history's cache slot, -1 without */
} LaVaeConv;

/* CausalConv3d (in, out, k, padding = k / 2): 2 * (k / 2) frames of
 * history replace the zero front padding; @k 1 or 3. */
gboolean        la_vae_load_causal_conv (LaVaeLoader * ld, LaVaeConv * conv,
    const gchar * prefix, gint in, gint out, gint k, GError ** error);
/* Conv2d (in, out, 3) with @stride and zero @pad (top, bottom, left,
 * right), applied to each frame */
gboolean        la_vae_load_conv2d (LaVaeLoader * ld, LaVaeConv * conv,
    const gchar * prefix, gint in, gint out, gint stride, const gint pad[4],
    GError ** error);
/* time_conv: CausalConv3d (in, out, (3, 1, 1), stride (st, 1, 1)) reading
 * @history frames */
gboolean        la_vae_load_time_conv (LaVaeLoader * ld, LaVaeConv * conv,
    const gchar * prefix, gint in, gint out, gint st, gint history,
    GError ** error);

/* y = conv (history ++ x), then the history moves on past x.
 * x [T, in, H, W]; @cache may be NULL for a conv without history. */
LaTensor       *la_vae_conv_forward (LaVaeConv * conv, LaVaeCache * cache,
    const LaTensor * x, GError ** error);
gboolean        la_vae_conv_forward_into (LaVaeConv * conv,
    LaVaeCache * cache, LaTensor * y, const LaTensor * x, GError ** error);

/* ---- RMS_norm ---- */

typedef struct
{
  LaTensor       *gamma;        /* [C] (the checkpoint's [C, 1, 1(, 1)]) */
} LaVaeRmsNorm;

gboolean        la_vae_load_rms_norm (LaVaeLoader * ld, LaVaeRmsNorm * norm,
    const gchar * prefix, gint dim, gboolean images, GError ** error);

/* ---- ResidualBlock ---- */

typedef struct
{
  gint            in_dim, out_dim;
  LaVaeRmsNorm    residual0;
  /* residual.1 is nn.SiLU */
  LaVaeConv       residual2;    /* CausalConv3d (in, out, 3) */
  LaVaeRmsNorm    residual3;
  /* residual.4 is nn.SiLU, residual.5 nn.Dropout (identity here) */
  LaVaeConv       residual6;    /* CausalConv3d (out, out, 3) */
  LaVaeConv       shortcut;     /* CausalConv3d (in, out, 1); nn.Identity
                                 * (weight NULL) when in == out */
} LaVaeResidualBlock;

gboolean        la_vae_load_residual_block (LaVaeLoader * ld,
    LaVaeResidualBlock * block, const gchar * prefix, gint in_dim,
    gint out_dim, GError ** error);
LaTensor       *la_vae_residual_block_forward (LaVaeResidualBlock * block,
    LaVaeCache * cache, const LaTensor * x, GError ** error);

/* ---- AttentionBlock ---- */

typedef struct
{
  gint            dim;
  LaVaeRmsNorm    norm;         /* RMS_norm (dim, images = True) */
  /* to_qkv: Conv2d (dim, 3 dim, 1), i.e. a linear per pixel; q, k, v are
   * its three row blocks */
  LaTensor       *to_qkv_weight;        /* [3 dim, dim] */
  LaTensor       *to_qkv_bias;  /* [3 dim] */
  LaTensor       *q_weight, *k_weight, *v_weight;       /* views [dim, dim] */
  LaTensor       *q_bias, *k_bias, *v_bias;     /* views [dim] */
  LaTensor       *proj_weight;  /* Conv2d (dim, dim, 1): [dim, dim] */
  LaTensor       *proj_bias;
} LaVaeAttentionBlock;

gboolean        la_vae_load_attention_block (LaVaeLoader * ld,
    LaVaeAttentionBlock * block, const gchar * prefix, gint dim,
    GError ** error);
LaTensor       *la_vae_attention_block_forward (LaVaeAttentionBlock * block,
    const LaTensor * x, GError ** error);

/* ---- Resample ---- */

typedef enum
{
  LA_VAE_UPSAMPLE_2D,
  LA_VAE_UPSAMPLE_3D,
  LA_VAE_DOWNSAMPLE_2D,
  LA_VAE_DOWNSAMPLE_3D
} LaVaeResampleMode;

typedef struct
{
  LaVaeResampleMode mode;
  gint            dim;
  /* resample.0 is the 2x nearest Upsample, or ZeroPad2d ((0, 1, 0, 1)),
   * folded into resample.1's padding */
  LaVaeConv       resample1;    /* Conv2d (dim, dim / 2 up or dim down, 3) */
  LaVaeConv       time_conv;    /* the 3d modes only */
} LaVaeResample;

gboolean        la_vae_load_resample (LaVaeLoader * ld,
    LaVaeResample * resample, const gchar * prefix, gint dim,
    LaVaeResampleMode mode, GError ** error);
LaTensor       *la_vae_resample_forward (LaVaeResample * resample,
    LaVaeCache * cache, const LaTensor * x, GError ** error);

/* ---- one entry of encoder.downsamples / decoder.upsamples ---- */

typedef struct
{
  gboolean        is_resample;
  LaVaeResidualBlock residual;
  LaVaeResample   resample;
} LaVaeLayer;

/* append to @layers (of LaVaeLayer) a ResidualBlock or a Resample named
 * "@list.<its index>" ("encoder.downsamples.3"); appended even when it
 * fails to load */
gboolean        la_vae_append_residual_block (LaVaeLoader * ld,
    GArray * layers, const gchar * list, gint in_dim, gint out_dim,
    GError ** error);
gboolean        la_vae_append_resample (LaVaeLoader * ld, GArray * layers,
    const gchar * list, gint dim, LaVaeResampleMode mode, GError ** error);

/* x through layers [0, n); takes x, returns the last output or NULL */
LaTensor       *la_vae_layers_forward (LaVaeLayer * layers, guint n,
    LaVaeCache * cache, LaTensor * x, GError ** error);

/* ---- encoder.middle / decoder.middle (nn.Sequential) ---- */

typedef struct
{
  LaVaeResidualBlock block0;
  LaVaeAttentionBlock attention1;
  LaVaeResidualBlock block2;
} LaVaeMiddle;

gboolean        la_vae_load_middle (LaVaeLoader * ld, LaVaeMiddle * middle,
    const gchar * prefix, gint dim, GError ** error);
LaTensor       *la_vae_middle_forward (LaVaeMiddle * middle,
    LaVaeCache * cache, const LaTensor * x, GError ** error);

/* ---- encoder.head / decoder.head: RMS_norm, SiLU, CausalConv3d ---- */

typedef struct
{
  LaVaeRmsNorm    head0;
  /* head.1 is nn.SiLU */
  LaVaeConv       head2;
} LaVaeHead;

gboolean        la_vae_load_head (LaVaeLoader * ld, LaVaeHead * head,
    const gchar * prefix, gint in_dim, gint out_dim, GError ** error);
gboolean        la_vae_head_forward_into (LaVaeHead * head,
    LaVaeCache * cache, LaTensor * y, const LaTensor * x, GError ** error);

/* ---- Encoder3d (prefix "encoder.") ---- */

typedef struct
{
  LaVaeConv       conv1;        /* CausalConv3d (3, dim, 3) */
  LaVaeLayer     *downsamples;
  guint           n_downsamples;
  LaVaeMiddle     middle;
  LaVaeHead       head;         /* head.2: CausalConv3d (top dim,
                                 * 2 z_dim, 3) */
  guint           n_slots;
  gint            t_scale;      /* pictures per latent frame (4) */
} LaVaeEncoder3d;

gboolean        la_vae_load_encoder3d (LaVaeLoader * ld, LaVaeEncoder3d * enc,
    const LaVaeConfig * config, GError ** error);
/* one chunk (1 frame first, then t_scale): x [n, 3, H, W] -> y
 * [1, 2 z_dim, H / 8, W / 8] */
gboolean        la_vae_encoder3d_forward_into (LaVaeEncoder3d * enc,
    LaVaeCache * cache, LaTensor * y, const LaTensor * x, GError ** error);

/* ---- Decoder3d (prefix "decoder.") ---- */

typedef struct
{
  LaVaeConv       conv1;        /* CausalConv3d (z_dim, top dim, 3) */
  LaVaeMiddle     middle;
  LaVaeLayer     *upsamples;
  guint           n_upsamples;
  LaVaeHead       head;         /* head.2: CausalConv3d (dim, 3, 3) */
  guint           n_slots;
  gint            t_scale;      /* pictures per latent frame (4) */
} LaVaeDecoder3d;

gboolean        la_vae_load_decoder3d (LaVaeLoader * ld, LaVaeDecoder3d * dec,
    const LaVaeConfig * config, GError ** error);
/* one latent frame: x [1, z_dim, h, w] (after conv2) -> y [n, 3, 8h, 8w],
 * n = 1 on the cache's first call, t_scale after */
gboolean        la_vae_decoder3d_forward_into (LaVaeDecoder3d * dec,
    LaVaeCache * cache, LaTensor * y, const LaTensor * x, GError ** error);

/* ---- helpers ---- */

/* a new [t, c, h, w] tensor of @dtype */
LaTensor       *la_vae_new_maps (LaBackend * backend, LaDType dtype,
    gint64 t, gint64 c, gint64 h, gint64 w, GError ** error);
/* frames [first, first + n) of x [T, C, H, W], a view */
LaTensor       *la_vae_frames (const LaTensor * x, gint64 first, gint64 n,
    GError ** error);

G_END_DECLS

#endif /* __LA_VAE_PRIVATE_H__ */
