/* liveavatar: the video VAE's Decoder3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Decoder3d of wan/modules/vae2_1.py, one latent frame per call (Wan's
 * decode loop). For Wan2.1_VAE.pth (dim 96):
 *   conv1            CausalConv3d (16, 384, 3)
 *   middle.0/1/2     ResidualBlock (384), AttentionBlock (384), ResidualBlock
 *   upsamples.0-2    ResidualBlock (384, 384)        .3 Resample upsample3d
 *   upsamples.4-6    ResidualBlock (192 -> 384, ...) .7 Resample upsample3d
 *   upsamples.8-10   ResidualBlock (192, 192)        .11 Resample upsample2d
 *   upsamples.12-14  ResidualBlock (96, 96)
 *   head.0 RMS_norm (96), head.1 SiLU, head.2 CausalConv3d (96, 3, 3) */

#include "config.h"

#include "la-vae-private.h"

gboolean
la_vae_load_decoder3d (LaVaeLoader * ld, LaVaeDecoder3d * dec,
    const LaVaeConfig * config, GError ** error)
{
  gint n_mult = G_N_ELEMENTS (config->dim_mult), dims[5], i, j;
  gint in_dim, out_dim = 0;
  GArray *layers = g_array_new (FALSE, TRUE, sizeof (LaVaeLayer));
  gboolean ok;

  /* dims = [dim * u for u in [dim_mult[-1]] + dim_mult[::-1]] */
  dims[0] = config->dim * config->dim_mult[n_mult - 1];
  for (i = 0; i < n_mult; i++)
    dims[i + 1] = config->dim * config->dim_mult[n_mult - 1 - i];

  ld->n_slots = 0;
  dec->t_scale = 1;
  ok = la_vae_load_causal_conv (ld, &dec->conv1, "decoder.conv1",
      config->z_dim, dims[0], 3, error)
      && la_vae_load_middle (ld, &dec->middle, "decoder.middle", dims[0],
      error);

  for (i = 0; ok && i < n_mult; i++) {
    /* an upsampling Resample halves the channels it outputs */
    in_dim = i > 0 ? dims[i] / 2 : dims[i];
    out_dim = dims[i + 1];
    for (j = 0; ok && j < config->num_res_blocks + 1; j++) {
      ok = la_vae_append_residual_block (ld, layers, "decoder.upsamples",
          in_dim, out_dim, error);
      in_dim = out_dim;
    }
    if (ok && i != n_mult - 1) {
      /* temperal_upsample = temperal_downsample[::-1] */
      gboolean in_time = config->temperal_downsample[n_mult - 2 - i];

      ok = la_vae_append_resample (ld, layers, "decoder.upsamples", out_dim,
          in_time ? LA_VAE_UPSAMPLE_3D : LA_VAE_UPSAMPLE_2D, error);
      if (in_time)
        dec->t_scale *= 2;
    }
  }

  ok = ok && la_vae_load_head (ld, &dec->head, "decoder.head", out_dim, 3,
      error);
  dec->n_upsamples = layers->len;
  dec->upsamples = (LaVaeLayer *) g_array_free (layers, FALSE);
  dec->n_slots = ld->n_slots;
  return ok;
}

/* x: [1, z_dim, h, w]   one latent frame, after conv2
 * y: [n, 3, 8h, 8w]     n = 1 on the cache's first call, t_scale after */
gboolean
la_vae_decoder3d_forward_into (LaVaeDecoder3d * dec, LaVaeCache * cache,
    LaTensor * y, const LaTensor * x, GError ** error)
{
  LaTensor *h, *next;
  gboolean ok;

  /* conv1 */
  h = la_vae_conv_forward (&dec->conv1, cache, x, error);
  if (!h)
    return FALSE;

  /* middle */
  next = la_vae_middle_forward (&dec->middle, cache, h, error);
  la_tensor_free (h);

  /* upsamples */
  h = la_vae_layers_forward (dec->upsamples, dec->n_upsamples, cache, next,
      error);
  if (!h)
    return FALSE;

  /* head */
  ok = la_vae_head_forward_into (&dec->head, cache, y, h, error);
  la_tensor_free (h);
  return ok;
}
