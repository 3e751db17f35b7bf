/* liveavatar: the video VAE's Encoder3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Encoder3d of wan/modules/vae2_1.py, one chunk of frames per call (1, then
 * 4 at a time, Wan's encode loop). For Wan2.1_VAE.pth (dim 96):
 *   conv1             CausalConv3d (3, 96, 3)
 *   downsamples.0-1   ResidualBlock (96, 96)      .2 Resample downsample2d
 *   downsamples.3-4   ResidualBlock (96 -> 192)   .5 Resample downsample3d
 *   downsamples.6-7   ResidualBlock (192 -> 384)  .8 Resample downsample3d
 *   downsamples.9-10  ResidualBlock (384, 384)
 *   middle.0/1/2      ResidualBlock (384), AttentionBlock (384), ResidualBlock
 *   head.0 RMS_norm (384), head.1 SiLU, head.2 CausalConv3d (384, 32, 3) */

#include "config.h"

#include "la-vae-private.h"

gboolean
la_vae_load_encoder3d (LaVaeLoader * ld, LaVaeEncoder3d * enc,
    const LaVaeConfig * config, GError ** error)
{
  gint n_mult = G_N_ELEMENTS (config->dim_mult), dims[5], i, j;
  gint in_dim, out_dim = 0;
  GArray *layers = g_array_new (FALSE, TRUE, sizeof (LaVaeLayer));
  gboolean ok;

  /* dims = [dim * u for u in [1] + dim_mult] */
  dims[0] = config->dim;
  for (i = 0; i < n_mult; i++)
    dims[i + 1] = config->dim * config->dim_mult[i];

  ld->n_slots = 0;
  enc->t_scale = 1;
  ok = la_vae_load_causal_conv (ld, &enc->conv1, "encoder.conv1", 3, dims[0],
      3, error);

  for (i = 0; ok && i < n_mult; i++) {
    in_dim = dims[i];
    out_dim = dims[i + 1];
    for (j = 0; ok && j < config->num_res_blocks; j++) {
      ok = la_vae_append_residual_block (ld, layers, "encoder.downsamples",
          in_dim, out_dim, error);
      in_dim = out_dim;
    }
    if (ok && i != n_mult - 1) {
      gboolean in_time = config->temperal_downsample[i];

      ok = la_vae_append_resample (ld, layers, "encoder.downsamples", out_dim,
          in_time ? LA_VAE_DOWNSAMPLE_3D : LA_VAE_DOWNSAMPLE_2D, error);
      if (in_time)
        enc->t_scale *= 2;
    }
  }

  ok = ok && la_vae_load_middle (ld, &enc->middle, "encoder.middle", out_dim,
      error)
      && la_vae_load_head (ld, &enc->head, "encoder.head", out_dim,
      2 * config->z_dim, error);
  enc->n_downsamples = layers->len;
  enc->downsamples = (LaVaeLayer *) g_array_free (layers, FALSE);
  enc->n_slots = ld->n_slots;
  return ok;
}

/* x: [n, 3, H, W]          n = 1 on the cache's first call, t_scale after
 * y: [1, 2 z_dim, H / 8, W / 8] */
gboolean
la_vae_encoder3d_forward_into (LaVaeEncoder3d * enc, LaVaeCache * cache,
    LaTensor * y, const LaTensor * x, GError ** error)
{
  LaTensor *h, *next;
  gboolean ok;

  /* conv1 */
  h = la_vae_conv_forward (&enc->conv1, cache, x, error);

  /* downsamples */
  next = la_vae_layers_forward (enc->downsamples, enc->n_downsamples, cache, h,
      error);
  if (!next)
    return FALSE;

  /* middle */
  h = la_vae_middle_forward (&enc->middle, cache, next, error);
  la_tensor_free (next);
  if (!h)
    return FALSE;

  /* head */
  ok = la_vae_head_forward_into (&enc->head, cache, y, h, error);
  la_tensor_free (h);
  return ok;
}
