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
  gchar *prefix;
  gboolean ok;

  /* dims = [dim * u for u in [dim_mult[-1]] + dim_mult[::-1]] */
  dims[0] = config->dim * config->dim_mult[n_mult - 1];
  for (i = 0; i < n_mult; i++)
    dims[i + 1] = config->dim * config->dim_mult[n_mult - 1 - i];

  ld->n_slots = 0;
  dec->t_scale = 1;
  ok = la_vae_load_causal_conv (ld, &dec->conv1, "decoder.conv1",
      config->z_dim, dims[0], 3, error)
      && la_vae_load_residual_block (ld, &dec->middle0, "decoder.middle.0",
      dims[0], dims[0], error)
      && la_vae_load_attention_block (ld, &dec->middle1, "decoder.middle.1",
      dims[0], error)
      && la_vae_load_residual_block (ld, &dec->middle2, "decoder.middle.2",
      dims[0], dims[0], error);

  for (i = 0; ok && i < n_mult; i++) {
    /* an upsampling Resample halves the channels it outputs */
    in_dim = i > 0 ? dims[i] / 2 : dims[i];
    out_dim = dims[i + 1];
    for (j = 0; ok && j < config->num_res_blocks + 1; j++) {
      LaVaeLayer layer = { FALSE };

      prefix = g_strdup_printf ("decoder.upsamples.%u", layers->len);
      ok = la_vae_load_residual_block (ld, &layer.residual, prefix, in_dim,
          out_dim, error);
      g_free (prefix);
      g_array_append_val (layers, layer);
      in_dim = out_dim;
    }
    if (ok && i != n_mult - 1) {
      /* temperal_upsample = temperal_downsample[::-1] */
      gboolean in_time = config->temperal_downsample[n_mult - 2 - i];
      LaVaeLayer layer = { TRUE };

      prefix = g_strdup_printf ("decoder.upsamples.%u", layers->len);
      ok = la_vae_load_resample (ld, &layer.resample, prefix, out_dim,
          in_time ? LA_VAE_UPSAMPLE_3D : LA_VAE_UPSAMPLE_2D, error);
      g_free (prefix);
      g_array_append_val (layers, layer);
      if (in_time)
        dec->t_scale *= 2;
    }
  }

  ok = ok && la_vae_load_rms_norm (ld, &dec->head0, "decoder.head.0",
      out_dim, FALSE, error)
      && la_vae_load_causal_conv (ld, &dec->head2, "decoder.head.2", out_dim,
      3, 3, error);
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
  LaBackend *be = x->backend;
  LaTensor *h, *next, *a;
  guint i;

  /* conv1 */
  h = la_vae_conv_forward (&dec->conv1, cache, x, error);
  if (!h)
    return FALSE;

  /* middle */
  next = la_vae_residual_block_forward (&dec->middle0, cache, h, error);
  la_tensor_free (h);
  h = next ? la_vae_attention_block_forward (&dec->middle1, next, error) : NULL;
  la_tensor_free (next);
  next = h ? la_vae_residual_block_forward (&dec->middle2, cache, h, error) :
      NULL;
  la_tensor_free (h);
  h = next;

  /* upsamples */
  for (i = 0; h && i < dec->n_upsamples; i++) {
    LaVaeLayer *layer = &dec->upsamples[i];

    next = layer->is_resample ?
        la_vae_resample_forward (&layer->resample, cache, h, error) :
        la_vae_residual_block_forward (&layer->residual, cache, h, error);
    la_tensor_free (h);
    h = next;
  }
  if (!h)
    return FALSE;

  /* head.0 RMS_norm, head.1 SiLU, head.2 CausalConv3d */
  a = la_vae_new_maps (be, h->ne[0], h->ne[1], h->ne[2], h->ne[3], error);
  if (!a || !la_channel_rms_norm (be, a, h, dec->head0.gamma, NULL, error)
      || !la_silu (be, a, a, error)
      || !la_vae_conv_forward_into (&dec->head2, cache, y, a, error)) {
    la_tensor_free (a);
    la_tensor_free (h);
    return FALSE;
  }
  la_tensor_free (a);
  la_tensor_free (h);
  return TRUE;
}
