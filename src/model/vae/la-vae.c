/* liveavatar: the Wan2.1 causal 3D video VAE
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WanVAE_ and Wan2_1_VAE of wan/modules/vae2_1.py: the weights, the latent
 * normalisation, the top-level conv1 / conv2, and the encode and decode
 * loops over chunks. */

#include "config.h"

#include "la-vae-private.h"
#include "liveavatar.h"

#include <stdarg.h>

struct _LaVae
{
  LaBackend *backend;
  LaVaeConfig config;
  LaVaeParts parts;
  LaDType dtype;                /* compute: weights, maps, cache */
  GPtrArray *tensors;           /* every weight and view */
  LaVaeEncoder3d encoder;
  LaVaeDecoder3d decoder;
  LaVaeConv conv1;              /* CausalConv3d (2 z_dim, 2 z_dim, 1) */
  LaVaeConv conv2;              /* CausalConv3d (z_dim, z_dim, 1) */
  /* [z_dim] each, fp32 whatever the compute type: z = z_norm * std + mean;
   * z_norm = mu * inv_std + shift with shift = -mean * inv_std */
  LaTensor *mean, *std, *inv_std, *shift;
};

const gfloat la_vae_latent_mean[LA_VAE_Z_DIM] = {
  -0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f,
  1.5508f, 0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f,
  0.2503f, -0.2921f,
};

const gfloat la_vae_latent_std[LA_VAE_Z_DIM] = {
  2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f, 2.0743f,
  3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f,
};

void
la_vae_config_init (LaVaeConfig * config)
{
  static const LaVaeConfig wan21 = {
    96, LA_VAE_Z_DIM, {1, 2, 4, 4}, 2, {FALSE, TRUE, TRUE}
  };

  *config = wan21;
}

static gboolean
check_config (const LaVaeConfig * c, GError ** error)
{
  guint i;

  if (c->dim < 1 || c->dim > 4096 || c->num_res_blocks < 1
      || c->num_res_blocks > 64)
    goto invalid;
  for (i = 0; i < G_N_ELEMENTS (c->dim_mult); i++)
    if (c->dim_mult[i] < 1 || c->dim_mult[i] > 64)
      goto invalid;
  /* the upsampling Resamples halve the channels: the decoder needs even
   * widths there */
  for (i = 0; i + 1 < G_N_ELEMENTS (c->dim_mult); i++)
    if ((c->dim * c->dim_mult[i + 1]) % 2 != 0)
      goto invalid;
  if (c->z_dim != LA_VAE_Z_DIM) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: z_dim %d; the latent mean/std tables have %d channels",
        c->z_dim, LA_VAE_Z_DIM);
    return FALSE;
  }
  return TRUE;

invalid:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
      "VAE: invalid configuration (dim %d, dim_mult %d,%d,%d,%d, "
      "num_res_blocks %d)", c->dim, c->dim_mult[0], c->dim_mult[1],
      c->dim_mult[2], c->dim_mult[3], c->num_res_blocks);
  return FALSE;
}

static LaTensor *
upload_table (LaVae * vae, const gdouble * values, GError ** error)
{
  gfloat v[LA_VAE_Z_DIM];
  gint64 ne[1] = { LA_VAE_Z_DIM };
  LaTensor *t;
  gint i;

  for (i = 0; i < LA_VAE_Z_DIM; i++)
    v[i] = (gfloat) values[i];
  t = la_tensor_new (vae->backend, LA_DTYPE_F32, 1, ne, error);
  if (t && !la_tensor_set_f32 (t, v, LA_VAE_Z_DIM, error))
    g_clear_pointer (&t, la_tensor_free);
  if (t)
    g_ptr_array_add (vae->tensors, t);
  return t;
}

static gfloat
round_bf16 (gfloat v)
{
  return la_bf16_to_f32 (la_f32_to_bf16 (v));
}

static gboolean
load_tables (LaVae * vae, GError ** error)
{
  gdouble mean[LA_VAE_Z_DIM], std[LA_VAE_Z_DIM];
  gdouble inv_std[LA_VAE_Z_DIM], shift[LA_VAE_Z_DIM];
  gint i;

  for (i = 0; i < LA_VAE_Z_DIM; i++) {
    if (vae->dtype == LA_DTYPE_BF16) {
      /* Live Avatar's bf16 WanVAE makes mean and std bf16 tensors and
       * scale[1] = 1.0 / std in bf16 (vae_streaming.py:730-732); decode
       * divides by scale[1] */
      gfloat inv = round_bf16 (1.0f / round_bf16 (la_vae_latent_std[i]));

      mean[i] = round_bf16 (la_vae_latent_mean[i]);
      inv_std[i] = inv;
      std[i] = 1.0 / inv;
    } else {
      mean[i] = la_vae_latent_mean[i];
      std[i] = la_vae_latent_std[i];
      /* Wan keeps scale[1] = 1 / std as a float32 tensor */
      inv_std[i] = (gfloat) (1.0 / std[i]);
    }
    shift[i] = -mean[i] * inv_std[i];
  }
  vae->mean = upload_table (vae, mean, error);
  vae->std = vae->mean ? upload_table (vae, std, error) : NULL;
  vae->inv_std = vae->std ? upload_table (vae, inv_std, error) : NULL;
  vae->shift = vae->inv_std ? upload_table (vae, shift, error) : NULL;
  return vae->shift != NULL;
}

static void
free_tensor (gpointer t)
{
  la_tensor_free (t);
}

gboolean
la_vae_backend_supports (LaBackend * backend, LaDType dtype)
{
  /* every op the layers run on the maps (la-vae-layers.c), and the
   * conversions at the latents and pictures; the (de)normalisation and
   * the clamp stay fp32 */
  static const LaOp ops[] = {
    LA_OP_CONV3D, LA_OP_CHANNEL_RMS_NORM, LA_OP_SILU, LA_OP_ADD,
    LA_OP_LINEAR, LA_OP_ATTENTION, LA_OP_TRANSPOSE,
    LA_OP_UPSAMPLE_NEAREST_2X, LA_OP_CONVERT,
  };
  static const LaOp f32_ops[] = {
    LA_OP_CHANNEL_AFFINE, LA_OP_CLAMP, LA_OP_TRANSPOSE, LA_OP_CONVERT,
  };
  guint i;

  g_return_val_if_fail (backend != NULL, FALSE);
  if (dtype != LA_DTYPE_F32 && dtype != LA_DTYPE_BF16)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (ops); i++)
    if (!la_backend_supports_op (backend, ops[i], dtype))
      return FALSE;
  for (i = 0; i < G_N_ELEMENTS (f32_ops); i++)
    if (!la_backend_supports_op (backend, f32_ops[i], LA_DTYPE_F32))
      return FALSE;
  return TRUE;
}

LaVae *
la_vae_new (LaBackend * backend, const LaVaeConfig * config,
    LaVaeParts parts, LaVaeReadFunc read, gpointer user_data, GError ** error)
{
  return la_vae_new_with_dtype (backend, config, parts, LA_DTYPE_F32, read,
      user_data, error);
}

LaVae *
la_vae_new_with_dtype (LaBackend * backend, const LaVaeConfig * config,
    LaVaeParts parts, LaDType dtype, LaVaeReadFunc read, gpointer user_data,
    GError ** error)
{
  LaVae *vae;
  LaVaeLoader ld = { backend, dtype, read, user_data, NULL, 0 };
  gint z;

  g_return_val_if_fail (backend != NULL && config != NULL && read != NULL,
      NULL);
  if (dtype != LA_DTYPE_F32 && dtype != LA_DTYPE_BF16) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: compute dtype %d (%s); only f32 and bf16 are supported",
        (gint) dtype, la_dtype_name (dtype));
    return NULL;
  }
  if (!la_vae_backend_supports (backend, dtype)) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "VAE: %s cannot run the VAE's ops on %s", la_backend_get_name
        (backend), la_dtype_name (dtype));
    return NULL;
  }
  if (!check_config (config, error))
    return NULL;
  if ((parts & (LA_VAE_ENCODER | LA_VAE_DECODER)) == 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: neither the encoder nor the decoder asked for");
    return NULL;
  }

  vae = g_new0 (LaVae, 1);
  vae->backend = backend;
  vae->config = *config;
  vae->parts = parts;
  vae->dtype = dtype;
  vae->tensors = g_ptr_array_new ();
  ld.tensors = vae->tensors;
  z = config->z_dim;

  if (!load_tables (vae, error))
    goto error;
  if ((parts & LA_VAE_ENCODER)
      && (!la_vae_load_encoder3d (&ld, &vae->encoder, config, error)
          || !la_vae_load_causal_conv (&ld, &vae->conv1, "conv1", 2 * z,
              2 * z, 1, error)))
    goto error;
  if ((parts & LA_VAE_DECODER)
      && (!la_vae_load_decoder3d (&ld, &vae->decoder, config, error)
          || !la_vae_load_causal_conv (&ld, &vae->conv2, "conv2", z, z, 1,
              error)))
    goto error;
  return vae;

  /* ERRORS */
error:
  {
    la_vae_free (vae);
    return NULL;
  }
}

void
la_vae_free (LaVae * vae)
{
  guint i;

  if (!vae)
    return;
  /* views were added after the tensors they point into */
  for (i = vae->tensors->len; i > 0; i--)
    free_tensor (g_ptr_array_index (vae->tensors, i - 1));
  g_ptr_array_free (vae->tensors, TRUE);
  g_free (vae->encoder.downsamples);
  g_free (vae->decoder.upsamples);
  g_free (vae);
}

const LaVaeConfig *
la_vae_get_config (LaVae * vae)
{
  return &vae->config;
}

LaBackend *
la_vae_get_backend (LaVae * vae)
{
  return vae->backend;
}

LaDType
la_vae_get_dtype (LaVae * vae)
{
  return vae->dtype;
}

/* ---- the decoder's cache ---- */

LaVaeCache *
la_vae_cache_new (LaVae * vae)
{
  g_return_val_if_fail (vae != NULL, NULL);
  return la_vae_cache_new_for (vae->backend, vae->dtype, vae->decoder.n_slots,
      vae->decoder.t_scale);
}

void
la_vae_cache_reset (LaVaeCache * cache)
{
  guint i;

  for (i = 0; i < cache->n_slots; i++)
    g_clear_pointer (&cache->history[i], la_tensor_free);
  cache->n_calls = 0;
}

void
la_vae_cache_free (LaVaeCache * cache)
{
  if (!cache)
    return;
  la_vae_cache_reset (cache);
  g_free (cache->history);
  g_free (cache);
}

gint64
la_vae_cache_get_n_decoded (LaVaeCache * cache)
{
  return cache->n_calls;
}

gint64
la_vae_cache_n_pictures (LaVaeCache * cache, gint64 n_latent)
{
  if (n_latent <= 0)
    return 0;
  return cache->n_calls == 0 ? 1 + cache->t_scale * (n_latent - 1)
      : cache->t_scale * n_latent;
}

/* ---- decode ---- */

/* *INDENT-OFF* */
static gboolean invalid (GError ** error, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static gboolean
invalid (GError ** error, const gchar * format, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "VAE: %s", msg);
  g_free (msg);
  return FALSE;
}

/* x [A, B, S] as [1, A, B, S] -> y [1, B, A, S] */
static gboolean
swap_outer (LaBackend * be, LaTensor * y, const LaTensor * x, gint64 a,
    gint64 b, gint64 s, GError ** error)
{
  gint64 x_ne[4] = { 1, a, b, s }, y_ne[4] = { 1, b, a, s };
  LaTensor *xv = la_tensor_new_view ((LaTensor *) x, 0, 4, x_ne, error);
  LaTensor *yv = xv ? la_tensor_new_view (y, 0, 4, y_ne, error) : NULL;
  gboolean ok = yv && la_transpose (be, yv, xv, error);

  la_tensor_free (yv);
  la_tensor_free (xv);
  return ok;
}

gboolean
la_vae_decode (LaVae * vae, LaVaeCache * cache, LaTensor * out,
    const LaTensor * z, GError ** error)
{
  LaBackend *be = vae->backend;
  gint64 zd = vae->config.z_dim, f, h, w, n_out, first = 0, i;
  LaTensor *zt = NULL, *zc = NULL, *x = NULL, *xf = NULL, *of = NULL;
  LaTensor *oc = NULL;

  g_return_val_if_fail (cache != NULL && out != NULL && z != NULL, FALSE);
  if (!(vae->parts & LA_VAE_DECODER))
    return invalid (error, "loaded without its decoder");
  if (cache->backend != be || cache->dtype != vae->dtype
      || cache->n_slots != vae->decoder.n_slots)
    return invalid (error, "the cache was made for another VAE");
  if (z->dtype != LA_DTYPE_F32 || z->n_dims != 4 || z->ne[0] != zd)
    return invalid (error, "latents must be f32 [%" G_GINT64_FORMAT
        ", F, h, w]", zd);
  f = z->ne[1];
  h = z->ne[2];
  w = z->ne[3];
  n_out = la_vae_cache_n_pictures (cache, f);
  if (out->dtype != LA_DTYPE_F32 || out->n_dims != 4 || out->ne[0] != n_out
      || out->ne[1] != 3 || out->ne[2] != 8 * h || out->ne[3] != 8 * w)
    return invalid (error, "decoding %" G_GINT64_FORMAT " latent frames of %"
        G_GINT64_FORMAT "x%" G_GINT64_FORMAT " needs an f32 output [%"
        G_GINT64_FORMAT ", 3, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
        f, h, w, n_out, 8 * h, 8 * w);

  /* z [z_dim, F, h, w] -> frame-major [F, z_dim, h, w] */
  zt = la_vae_new_maps (be, LA_DTYPE_F32, f, zd, h, w, error);
  if (!zt || !swap_outer (be, zt, z, zd, f, h * w, error))
    goto error;
  /* z / (1 / std) + mean, in fp32: autocast leaves a division and an
   * addition in their inputs' type, and Live Avatar's priming latents are
   * fp32 (encode () returns .float ()) */
  if (!la_channel_affine (be, zt, zt, vae->std, vae->mean, error))
    goto error;
  /* conv2 rounds its input to the compute type, as autocast does */
  if (vae->dtype != LA_DTYPE_F32) {
    zc = la_vae_new_maps (be, vae->dtype, f, zd, h, w, error);
    if (!zc || !la_convert (be, zc, zt, error))
      goto error;
  }
  /* conv2: 1x1x1, so the whole clip at once as Wan does */
  x = la_vae_conv_forward (&vae->conv2, NULL, zc ? zc : zt, error);
  if (!x)
    goto error;

  for (i = 0; i < f; i++) {
    gint64 n = la_vae_cache_n_pictures (cache, 1);

    xf = la_vae_frames (x, i, 1, error);
    of = xf ? la_vae_frames (out, first, n, error) : NULL;
    if (!of)
      goto error;
    if (vae->dtype == LA_DTYPE_F32) {
      if (!la_vae_decoder3d_forward_into (&vae->decoder, cache, of, xf, error))
        goto error;
    } else {
      /* .float ().clamp_ (-1, 1) after the bf16 decoder */
      oc = la_vae_new_maps (be, vae->dtype, n, 3, of->ne[2], of->ne[3], error);
      if (!oc || !la_vae_decoder3d_forward_into (&vae->decoder, cache, oc,
              xf, error) || !la_convert (be, of, oc, error))
        goto error;
      g_clear_pointer (&oc, la_tensor_free);
    }
    if (!la_clamp (be, of, of, -1.0f, 1.0f, error))
      goto error;
    cache->n_calls++;
    first += n;
    g_clear_pointer (&of, la_tensor_free);
    g_clear_pointer (&xf, la_tensor_free);
  }
  la_tensor_free (x);
  la_tensor_free (zc);
  la_tensor_free (zt);
  return TRUE;

  /* ERRORS */
error:
  {
    la_tensor_free (oc);
    la_tensor_free (of);
    la_tensor_free (xf);
    la_tensor_free (x);
    la_tensor_free (zc);
    la_tensor_free (zt);
    return FALSE;
  }
}

/* ---- encode ---- */

gint64
la_vae_n_latents (gint64 n_frames)
{
  return n_frames < 1 ? 0 : 1 + (n_frames - 1) / 4;
}

gboolean
la_vae_encode (LaVae * vae, LaTensor * z, const LaTensor * video,
    GError ** error)
{
  LaBackend *be = vae->backend;
  LaVaeEncoder3d *enc = &vae->encoder;
  gint64 zd = vae->config.z_dim, t_lat, h, w, i, chunk = enc->t_scale;
  LaVaeCache *cache = NULL;
  LaTensor *out = NULL, *x = NULL, *cf = NULL, *mu = NULL, *zv = NULL;
  LaTensor *xi = NULL, *oi = NULL, *vc = NULL;

  g_return_val_if_fail (z != NULL && video != NULL, FALSE);
  if (!(vae->parts & LA_VAE_ENCODER))
    return invalid (error, "loaded without its encoder");
  if (video->dtype != LA_DTYPE_F32 || video->n_dims != 4
      || video->ne[1] != 3 || video->ne[2] % 8 != 0 || video->ne[3] % 8 != 0)
    return invalid (error, "pictures must be f32 [T, 3, H, W] with H and W "
        "multiples of 8");
  /* chunks of 1, then t_scale frames */
  t_lat = 1 + (video->ne[0] - 1) / chunk;
  h = video->ne[2] / 8;
  w = video->ne[3] / 8;
  if (z->dtype != LA_DTYPE_F32 || z->n_dims != 4 || z->ne[0] != zd
      || z->ne[1] != t_lat || z->ne[2] != h || z->ne[3] != w)
    return invalid (error, "encoding %" G_GINT64_FORMAT " pictures needs an "
        "f32 output [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", video->ne[0], zd, t_lat,
        h, w);

  cache = la_vae_cache_new_for (be, vae->dtype, enc->n_slots, 1);
  /* the pictures in the compute type (Live Avatar hands its VAE bf16
   * pictures: causal_s2v_pipeline_tpp.py:889-891) */
  if (vae->dtype != LA_DTYPE_F32) {
    vc = la_vae_new_maps (be, vae->dtype, video->ne[0], 3, video->ne[2],
        video->ne[3], error);
    if (!vc || !la_convert (be, vc, video, error))
      goto error;
    video = vc;
  }
  out = la_vae_new_maps (be, vae->dtype, t_lat, 2 * zd, h, w, error);
  if (!out)
    goto error;
  for (i = 0; i < t_lat; i++) {
    xi = i == 0 ? la_vae_frames (video, 0, 1, error)
        : la_vae_frames (video, 1 + chunk * (i - 1), chunk, error);
    oi = xi ? la_vae_frames (out, i, 1, error) : NULL;
    if (!oi || !la_vae_encoder3d_forward_into (enc, cache, oi, xi, error))
      goto error;
    cache->n_calls++;
    g_clear_pointer (&oi, la_tensor_free);
    g_clear_pointer (&xi, la_tensor_free);
  }

  /* conv1, then mu = channels [0, z_dim) of [T, 2 z_dim, h, w] */
  x = la_vae_conv_forward (&vae->conv1, NULL, out, error);
  if (!x)
    goto error;
  cf = la_vae_new_maps (be, vae->dtype, 2 * zd, t_lat, h, w, error);
  if (!cf || !swap_outer (be, cf, x, t_lat, 2 * zd, h * w, error))
    goto error;
  {
    gint64 ne[3] = { zd, t_lat * h, w };

    mu = la_tensor_new_view (cf, 0, 3, ne, error);
    zv = mu ? la_tensor_new_view (z, 0, 3, ne, error) : NULL;
  }
  if (!zv)
    goto error;
  /* (mu - mean) * (1 / std), in fp32 (Live Avatar: in bf16, then .float ()) */
  if (vae->dtype != LA_DTYPE_F32) {
    if (!la_convert (be, zv, mu, error)
        || !la_channel_affine (be, zv, zv, vae->inv_std, vae->shift, error))
      goto error;
  } else if (!la_channel_affine (be, zv, mu, vae->inv_std, vae->shift, error))
    goto error;

  la_tensor_free (zv);
  la_tensor_free (mu);
  la_tensor_free (cf);
  la_tensor_free (x);
  la_tensor_free (out);
  la_tensor_free (vc);
  la_vae_cache_free (cache);
  return TRUE;

  /* ERRORS */
error:
  {
    la_tensor_free (oi);
    la_tensor_free (xi);
    la_tensor_free (zv);
    la_tensor_free (mu);
    la_tensor_free (cf);
    la_tensor_free (x);
    la_tensor_free (out);
    la_tensor_free (vc);
    la_vae_cache_free (cache);
    return FALSE;
  }
}
