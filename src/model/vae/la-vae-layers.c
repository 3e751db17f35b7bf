/* liveavatar: the video VAE's layers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* CausalConv3d, RMS_norm, ResidualBlock, AttentionBlock and Resample of
 * wan/modules/vae2_1.py, with Wan's feat_cache made an explicit LaVaeCache.
 *
 * Wan's cache rules, and why a rolling window of the last frames is the
 * same thing: a causal conv with kernel 3 in time pads 2 frames in front.
 * Wan fills them from feat_cache (the last 2 input frames of the previous
 * chunks, or the previous chunk's last frame plus this chunk's one frame
 * when a chunk has a single frame) and with zeros where no history exists
 * yet. So the conv always sees the 2 input frames just before the chunk,
 * zeros before the stream's first frame: a 2-frame window over its input,
 * zero-initialised. Resample's time_conv has its own rules (see
 * la_vae_resample_forward ()). */

#include "config.h"

#include "la-vae-private.h"
#include "liveavatar.h"

#include <math.h>
#include <stdarg.h>

/* ---- helpers ---- */

LaTensor *
la_vae_new_maps (LaBackend * backend, LaDType dtype, gint64 t, gint64 c,
    gint64 h, gint64 w, GError ** error)
{
  gint64 ne[4] = { t, c, h, w };

  return la_tensor_new (backend, dtype, 4, ne, error);
}

LaTensor *
la_vae_frames (const LaTensor * x, gint64 first, gint64 n, GError ** error)
{
  gint64 ne[4] = { n, x->ne[1], x->ne[2], x->ne[3] };

  g_assert (x->n_dims == 4 && first >= 0 && first + n <= x->ne[0]);
  return la_tensor_new_view ((LaTensor *) x, first * ne[1] * ne[2] * ne[3],
      4, ne, error);
}

/* x's element count as another shape, a view */
static LaTensor *
reshape (const LaTensor * x, gint n_dims, const gint64 * ne, GError ** error)
{
  return la_tensor_new_view ((LaTensor *) x, 0, n_dims, ne, error);
}

/* ---- weights ---- */

LaTensor *
la_vae_load (LaVaeLoader * ld, gint ndim, const gint64 * shape, gint t_ndim,
    const gint64 * t_shape, GError ** error, const gchar * format, ...)
{
  va_list args;
  gchar *name;
  gfloat *data;
  LaTensor *t = NULL;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  data = ld->read (ld->user_data, name, ndim, shape, error);
  if (!data)
    goto done;
  /* la_tensor_set_f32 () rounds to the storage type (nearest even), as
   * Wan's module.to (dtype) does */
  t = la_tensor_new (ld->backend, ld->dtype, t_ndim, t_shape, error);
  if (t && !la_tensor_set_f32 (t, data, la_tensor_nelements (t), error)) {
    la_tensor_free (t);
    t = NULL;
  }
  if (t)
    g_ptr_array_add (ld->tensors, t);
  else
    g_prefix_error (error, "VAE weight '%s': ", name);

done:
  g_free (data);
  g_free (name);
  return t;
}

LaTensor *
la_vae_load_view (LaVaeLoader * ld, LaTensor * src, gint64 elem_offset,
    gint n_dims, const gint64 * ne, GError ** error)
{
  LaTensor *v = la_tensor_new_view (src, elem_offset, n_dims, ne, error);

  if (v)
    g_ptr_array_add (ld->tensors, v);
  return v;
}

/* weight [out, in, kt, kh, kw] (Conv3d) or [out, in, kh, kw] (Conv2d,
 * @kt 0) and bias [out] */
static gboolean
load_conv (LaVaeLoader * ld, LaVaeConv * conv, const gchar * prefix,
    gint in, gint out, gint kt, gint kh, gint kw, GError ** error)
{
  gint64 shape3[5] = { out, in, kt, kh, kw };
  gint64 shape2[4] = { out, in, kh, kw };
  gint64 t_shape[4] = { out, in, MAX (kt, 1), (gint64) kh * kw };
  gint64 b_shape[1] = { out };

  conv->in = in;
  conv->out = out;
  conv->params.kernel[0] = MAX (kt, 1);
  conv->params.kernel[1] = kh;
  conv->params.kernel[2] = kw;
  conv->params.stride[0] = conv->params.stride[1] = conv->params.stride[2] = 1;
  conv->history = 0;
  conv->slot = -1;
  conv->weight = kt > 0 ?
      la_vae_load (ld, 5, shape3, 4, t_shape, error, "%s.weight", prefix) :
      la_vae_load (ld, 4, shape2, 4, t_shape, error, "%s.weight", prefix);
  if (!conv->weight)
    return FALSE;
  conv->bias = la_vae_load (ld, 1, b_shape, 1, b_shape, error, "%s.bias",
      prefix);
  return conv->bias != NULL;
}

static void
take_slot (LaVaeLoader * ld, LaVaeConv * conv, gint history)
{
  conv->history = history;
  conv->slot = history > 0 ? (gint) ld->n_slots++ : -1;
}

gboolean
la_vae_load_causal_conv (LaVaeLoader * ld, LaVaeConv * conv,
    const gchar * prefix, gint in, gint out, gint k, GError ** error)
{
  gint p = k / 2;

  g_assert (k == 1 || k == 3);
  if (!load_conv (ld, conv, prefix, in, out, k, k, k, error))
    return FALSE;
  conv->params.pad[0] = conv->params.pad[1] = p;
  conv->params.pad[2] = conv->params.pad[3] = p;
  /* the time padding, 2 * p frames in front, comes from the history */
  take_slot (ld, conv, 2 * p);
  return TRUE;
}

gboolean
la_vae_load_conv2d (LaVaeLoader * ld, LaVaeConv * conv, const gchar * prefix,
    gint in, gint out, gint stride, const gint pad[4], GError ** error)
{
  gint i;

  if (!load_conv (ld, conv, prefix, in, out, 0, 3, 3, error))
    return FALSE;
  conv->params.stride[1] = conv->params.stride[2] = stride;
  for (i = 0; i < 4; i++)
    conv->params.pad[i] = pad[i];
  return TRUE;
}

gboolean
la_vae_load_time_conv (LaVaeLoader * ld, LaVaeConv * conv,
    const gchar * prefix, gint in, gint out, gint st, gint history,
    GError ** error)
{
  if (!load_conv (ld, conv, prefix, in, out, 3, 1, 1, error))
    return FALSE;
  conv->params.stride[0] = st;
  conv->params.pad[0] = conv->params.pad[1] = 0;
  conv->params.pad[2] = conv->params.pad[3] = 0;
  take_slot (ld, conv, history);
  return TRUE;
}

/* ---- the causal cache ---- */

LaVaeCache *
la_vae_cache_new_for (LaBackend * backend, LaDType dtype, guint n_slots,
    gint t_scale)
{
  LaVaeCache *cache = g_new0 (LaVaeCache, 1);

  cache->backend = backend;
  cache->dtype = dtype;
  cache->n_slots = n_slots;
  cache->history = g_new0 (LaTensor *, MAX (n_slots, 1));
  cache->t_scale = t_scale;
  return cache;
}

/* The history of @slot for input like @x: allocated as zeros (a stream's
 * start) on first use, and it must keep x's channels and size. */
static LaTensor *
history_get (LaVaeCache * cache, gint slot, gint frames, const LaTensor * x,
    GError ** error)
{
  LaTensor *h;
  guint8 *zeros;

  g_assert (slot >= 0 && (guint) slot < cache->n_slots);
  h = cache->history[slot];
  if (h) {
    if (h->dtype != x->dtype) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "VAE: a %s cache fed %s maps", la_dtype_name (h->dtype),
          la_dtype_name (x->dtype));
      return NULL;
    }
    if (h->ne[0] != frames || h->ne[1] != x->ne[1] || h->ne[2] != x->ne[2]
        || h->ne[3] != x->ne[3]) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "VAE: the picture size changed in the middle of a stream "
          "(%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " maps, now %"
          G_GINT64_FORMAT "x%" G_GINT64_FORMAT "); reset the cache first",
          h->ne[2], h->ne[3], x->ne[2], x->ne[3]);
      return NULL;
    }
    return h;
  }
  /* the activations' type: Live Avatar keeps some of these histories in
   * fp32 (the SiLU outputs that autocast left in fp32), but only ever
   * feeds them to a bf16 convolution, which rounds them first */
  h = la_vae_new_maps (cache->backend, x->dtype, frames, x->ne[1], x->ne[2],
      x->ne[3], error);
  if (!h)
    return NULL;
  zeros = g_malloc0 (h->nbytes);
  if (!la_tensor_set_data (h, 0, zeros, h->nbytes, error)) {
    g_free (zeros);
    la_tensor_free (h);
    return NULL;
  }
  g_free (zeros);
  cache->history[slot] = h;
  return h;
}

/* copy frames [src_first, src_first + n) of @src to [dst_first, ...) of
 * @dst */
static gboolean
copy_frames (LaBackend * be, LaTensor * dst, gint64 dst_first,
    const LaTensor * src, gint64 src_first, gint64 n, GError ** error)
{
  LaTensor *d = la_vae_frames (dst, dst_first, n, error);
  LaTensor *s = d ? la_vae_frames (src, src_first, n, error) : NULL;
  gboolean ok = s && la_convert (be, d, s, error);

  la_tensor_free (s);
  la_tensor_free (d);
  return ok;
}

/* history := the last frames of (history ++ x) */
static gboolean
history_push (LaVaeCache * cache, LaTensor * h, const LaTensor * x,
    GError ** error)
{
  gint64 keep = h->ne[0], t = x->ne[0];

  if (t >= keep)
    return copy_frames (cache->backend, h, 0, x, t - keep, keep, error);
  /* fewer new frames than kept: shift the old ones forward first */
  return copy_frames (cache->backend, h, 0, h, t, keep - t, error)
      && copy_frames (cache->backend, h, keep - t, x, 0, t, error);
}

/* ---- CausalConv3d ---- */

static gint64
out_size (gint64 in, gint64 pad, gint64 kernel, gint64 stride)
{
  return in + pad < kernel ? 0 : (in + pad - kernel) / stride + 1;
}

gboolean
la_vae_conv_forward_into (LaVaeConv * conv, LaVaeCache * cache, LaTensor * y,
    const LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  LaTensor *past = NULL;

  if (conv->history > 0) {
    g_assert (cache != NULL);
    past = history_get (cache, conv->slot, conv->history, x, error);
    if (!past)
      return FALSE;
  }
  if (!la_conv3d (be, y, x, past, conv->weight, conv->bias, &conv->params,
          error))
    return FALSE;
  return !past || history_push (cache, past, x, error);
}

LaTensor *
la_vae_conv_forward (LaVaeConv * conv, LaVaeCache * cache,
    const LaTensor * x, GError ** error)
{
  const LaConv3dParams *p = &conv->params;
  LaTensor *y;
  gint64 to, ho, wo;

  to = out_size (x->ne[0] + conv->history, 0, p->kernel[0], p->stride[0]);
  ho = out_size (x->ne[2], p->pad[0] + p->pad[1], p->kernel[1], p->stride[1]);
  wo = out_size (x->ne[3], p->pad[2] + p->pad[3], p->kernel[2], p->stride[2]);
  if (to == 0 || ho == 0 || wo == 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " maps are too small "
        "for a %dx%dx%d convolution", x->ne[2], x->ne[3], p->kernel[0],
        p->kernel[1], p->kernel[2]);
    return NULL;
  }
  y = la_vae_new_maps (x->backend, x->dtype, to, conv->out, ho, wo, error);
  if (y && !la_vae_conv_forward_into (conv, cache, y, x, error)) {
    la_tensor_free (y);
    y = NULL;
  }
  return y;
}

/* ---- RMS_norm ---- */

gboolean
la_vae_load_rms_norm (LaVaeLoader * ld, LaVaeRmsNorm * norm,
    const gchar * prefix, gint dim, gboolean images, GError ** error)
{
  /* images = False: [dim, 1, 1, 1]; True: [dim, 1, 1] */
  gint64 shape[4] = { dim, 1, 1, 1 }, t_shape[1] = { dim };

  norm->gamma = la_vae_load (ld, images ? 3 : 4, shape, 1, t_shape, error,
      "%s.gamma", prefix);
  return norm->gamma != NULL;
}

/* y = SiLU (RMS_norm (x)), a new tensor */
static LaTensor *
norm_silu (LaVaeRmsNorm * norm, const LaTensor * x, GError ** error)
{
  LaTensor *y = la_vae_new_maps (x->backend, x->dtype, x->ne[0], x->ne[1],
      x->ne[2], x->ne[3], error);

  if (y && (!la_channel_rms_norm (x->backend, y, x, norm->gamma, NULL, error)
          || !la_silu (x->backend, y, y, error))) {
    la_tensor_free (y);
    y = NULL;
  }
  return y;
}

/* ---- ResidualBlock ---- */

gboolean
la_vae_load_residual_block (LaVaeLoader * ld, LaVaeResidualBlock * block,
    const gchar * prefix, gint in_dim, gint out_dim, GError ** error)
{
  gchar *p0 = g_strdup_printf ("%s.residual.0", prefix);
  gchar *p2 = g_strdup_printf ("%s.residual.2", prefix);
  gchar *p3 = g_strdup_printf ("%s.residual.3", prefix);
  gchar *p6 = g_strdup_printf ("%s.residual.6", prefix);
  gchar *ps = g_strdup_printf ("%s.shortcut", prefix);
  gboolean ok;

  block->in_dim = in_dim;
  block->out_dim = out_dim;
  /* the same order as the forward, so cache slots follow Wan's feat_idx */
  ok = la_vae_load_rms_norm (ld, &block->residual0, p0, in_dim, FALSE, error)
      && la_vae_load_causal_conv (ld, &block->residual2, p2, in_dim, out_dim,
      3, error)
      && la_vae_load_rms_norm (ld, &block->residual3, p3, out_dim, FALSE, error)
      && la_vae_load_causal_conv (ld, &block->residual6, p6, out_dim,
      out_dim, 3, error);
  block->shortcut.weight = NULL;
  if (ok && in_dim != out_dim)
    ok = la_vae_load_causal_conv (ld, &block->shortcut, ps, in_dim, out_dim,
        1, error);

  g_free (p0);
  g_free (p2);
  g_free (p3);
  g_free (p6);
  g_free (ps);
  return ok;
}

/* x: [T, in, H, W]
 * return: [T, out, H, W] */
LaTensor *
la_vae_residual_block_forward (LaVaeResidualBlock * block,
    LaVaeCache * cache, const LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  LaTensor *h = NULL, *a = NULL, *y = NULL;

  /* shortcut */
  if (block->shortcut.weight) {
    h = la_vae_conv_forward (&block->shortcut, NULL, x, error);
    if (!h)
      goto error;
  }
  /* residual.0 RMS_norm, .1 SiLU, .2 CausalConv3d */
  a = norm_silu (&block->residual0, x, error);
  if (!a)
    goto error;
  y = la_vae_conv_forward (&block->residual2, cache, a, error);
  la_tensor_free (a);
  if (!y)
    goto error;
  /* residual.3 RMS_norm, .4 SiLU, .5 Dropout, .6 CausalConv3d */
  a = norm_silu (&block->residual3, y, error);
  la_tensor_free (y);
  y = NULL;
  if (!a)
    goto error;
  y = la_vae_conv_forward (&block->residual6, cache, a, error);
  la_tensor_free (a);
  if (!y)
    goto error;
  /* x + h */
  if (!la_add (be, y, y, h ? h : x, error))
    goto error;
  la_tensor_free (h);
  return y;

  /* ERRORS */
error:
  {
    la_tensor_free (y);
    la_tensor_free (h);
    return NULL;
  }
}

/* ---- AttentionBlock ---- */

gboolean
la_vae_load_attention_block (LaVaeLoader * ld, LaVaeAttentionBlock * block,
    const gchar * prefix, gint dim, GError ** error)
{
  gchar *pn = g_strdup_printf ("%s.norm", prefix);
  gint64 qkv_shape[4] = { 3 * dim, dim, 1, 1 }, qkv_t[2] = { 3 * dim, dim };
  gint64 qkv_b[1] = { 3 * dim };
  gint64 proj_shape[4] = { dim, dim, 1, 1 }, proj_t[2] = { dim, dim };
  gint64 vec[1] = { dim };
  gboolean ok;

  block->dim = dim;
  ok = la_vae_load_rms_norm (ld, &block->norm, pn, dim, TRUE, error);
  g_free (pn);
  if (!ok)
    return FALSE;

  /* 1x1 convolutions are linears over the channels of each pixel */
  block->to_qkv_weight = la_vae_load (ld, 4, qkv_shape, 2, qkv_t, error,
      "%s.to_qkv.weight", prefix);
  block->to_qkv_bias = block->to_qkv_weight ? la_vae_load (ld, 1, qkv_b, 1,
      qkv_b, error, "%s.to_qkv.bias", prefix) : NULL;
  block->proj_weight = block->to_qkv_bias ? la_vae_load (ld, 4, proj_shape,
      2, proj_t, error, "%s.proj.weight", prefix) : NULL;
  block->proj_bias = block->proj_weight ? la_vae_load (ld, 1, vec, 1, vec,
      error, "%s.proj.bias", prefix) : NULL;
  if (!block->proj_bias)
    return FALSE;

  /* q, k, v = channels [0, dim), [dim, 2 dim), [2 dim, 3 dim) */
  block->q_weight = la_vae_load_view (ld, block->to_qkv_weight, 0, 2, proj_t,
      error);
  block->k_weight = block->q_weight ? la_vae_load_view (ld,
      block->to_qkv_weight, (gint64) dim * dim, 2, proj_t, error) : NULL;
  block->v_weight = block->k_weight ? la_vae_load_view (ld,
      block->to_qkv_weight, 2 * (gint64) dim * dim, 2, proj_t, error) : NULL;
  block->q_bias = block->v_weight ? la_vae_load_view (ld, block->to_qkv_bias,
      0, 1, vec, error) : NULL;
  block->k_bias = block->q_bias ? la_vae_load_view (ld, block->to_qkv_bias,
      dim, 1, vec, error) : NULL;
  block->v_bias = block->k_bias ? la_vae_load_view (ld, block->to_qkv_bias,
      2 * dim, 1, vec, error) : NULL;
  return block->v_bias != NULL;
}

/* x: [T, C, H, W]
 * return: x + proj (attention over the H * W pixels of each frame), a new
 * tensor; single head of dim C, scale 1 / sqrt (C) */
LaTensor *
la_vae_attention_block_forward (LaVaeAttentionBlock * block,
    const LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  LaDType dt = x->dtype;
  gint64 t = x->ne[0], c = x->ne[1], hw = x->ne[2] * x->ne[3];
  gint64 cf_ne[4] = { t, c, hw, 1 };    /* channel-first pixels */
  gint64 tok_ne[4] = { t, hw, c, 1 };   /* pixel-major tokens */
  gint64 tok3_ne[3] = { t, hw, c };
  gint64 head_ne[4] = { t, hw, 1, c };  /* [B, L, heads, head_dim] */
  LaTensor *n = NULL, *tok = NULL, *q = NULL, *k = NULL, *v = NULL;
  LaTensor *o = NULL, *p = NULL, *y = NULL, *view_a = NULL, *view_b = NULL;
  LaTensor *qh = NULL, *kh = NULL, *vh = NULL, *oh = NULL;

  /* norm: RMS_norm over channels */
  n = la_vae_new_maps (be, dt, t, c, x->ne[2], x->ne[3], error);
  if (!n || !la_channel_rms_norm (be, n, x, block->norm.gamma, NULL, error))
    goto error;
  /* [T, C, H * W] -> tokens [T, H * W, C] */
  tok = la_tensor_new (be, dt, 3, tok3_ne, error);
  if (!tok)
    goto error;
  view_a = reshape (n, 4, cf_ne, error);
  view_b = view_a ? reshape (tok, 4, tok_ne, error) : NULL;
  if (!view_b || !la_transpose (be, view_b, view_a, error))
    goto error;
  g_clear_pointer (&view_a, la_tensor_free);
  g_clear_pointer (&view_b, la_tensor_free);
  g_clear_pointer (&n, la_tensor_free);

  /* to_qkv */
  q = la_tensor_new (be, dt, 3, tok3_ne, error);
  k = q ? la_tensor_new (be, dt, 3, tok3_ne, error) : NULL;
  v = k ? la_tensor_new (be, dt, 3, tok3_ne, error) : NULL;
  if (!v || !la_linear (be, q, tok, block->q_weight, block->q_bias, error)
      || !la_linear (be, k, tok, block->k_weight, block->k_bias, error)
      || !la_linear (be, v, tok, block->v_weight, block->v_bias, error))
    goto error;
  g_clear_pointer (&tok, la_tensor_free);

  /* scaled_dot_product_attention, one head per frame */
  o = la_tensor_new (be, dt, 3, tok3_ne, error);
  qh = o ? reshape (q, 4, head_ne, error) : NULL;
  kh = qh ? reshape (k, 4, head_ne, error) : NULL;
  vh = kh ? reshape (v, 4, head_ne, error) : NULL;
  oh = vh ? reshape (o, 4, head_ne, error) : NULL;
  if (!oh || !la_attention (be, oh, qh, kh, vh, 0.0f, error))
    goto error;

  /* proj, back to [T, C, H, W], + identity */
  p = la_tensor_new (be, dt, 3, tok3_ne, error);
  if (!p || !la_linear (be, p, o, block->proj_weight, block->proj_bias, error))
    goto error;
  y = la_vae_new_maps (be, dt, t, c, x->ne[2], x->ne[3], error);
  view_a = y ? reshape (p, 4, tok_ne, error) : NULL;
  view_b = view_a ? reshape (y, 4, cf_ne, error) : NULL;
  if (!view_b || !la_transpose (be, view_b, view_a, error)
      || !la_add (be, y, y, x, error))
    goto error;

  la_tensor_free (view_b);
  la_tensor_free (view_a);
  la_tensor_free (oh);
  la_tensor_free (vh);
  la_tensor_free (kh);
  la_tensor_free (qh);
  la_tensor_free (p);
  la_tensor_free (o);
  la_tensor_free (v);
  la_tensor_free (k);
  la_tensor_free (q);
  return y;

  /* ERRORS */
error:
  {
    la_tensor_free (view_b);
    la_tensor_free (view_a);
    la_tensor_free (oh);
    la_tensor_free (vh);
    la_tensor_free (kh);
    la_tensor_free (qh);
    la_tensor_free (y);
    la_tensor_free (p);
    la_tensor_free (o);
    la_tensor_free (v);
    la_tensor_free (k);
    la_tensor_free (q);
    la_tensor_free (tok);
    la_tensor_free (n);
    return NULL;
  }
}

/* ---- Resample ---- */

gboolean
la_vae_load_resample (LaVaeLoader * ld, LaVaeResample * resample,
    const gchar * prefix, gint dim, LaVaeResampleMode mode, GError ** error)
{
  static const gint pad_up[4] = { 1, 1, 1, 1 };
  /* ZeroPad2d ((left 0, right 1, top 0, bottom 1)) */
  static const gint pad_down[4] = { 0, 1, 0, 1 };
  gboolean up = mode == LA_VAE_UPSAMPLE_2D || mode == LA_VAE_UPSAMPLE_3D;
  gchar *p1 = g_strdup_printf ("%s.resample.1", prefix);
  gchar *pt = g_strdup_printf ("%s.time_conv", prefix);
  gboolean ok = TRUE;

  resample->mode = mode;
  resample->dim = dim;
  resample->time_conv.weight = NULL;
  /* the time_conv runs first when upsampling, after when downsampling:
   * load in that order so that cache slots follow the forward */
  if (mode == LA_VAE_UPSAMPLE_3D)
    /* CausalConv3d (dim, 2 dim, (3, 1, 1), padding (1, 0, 0)) */
    ok = la_vae_load_time_conv (ld, &resample->time_conv, pt, dim, 2 * dim,
        1, 2, error);
  if (ok)
    ok = la_vae_load_conv2d (ld, &resample->resample1, p1, dim,
        up ? dim / 2 : dim, up ? 1 : 2, up ? pad_up : pad_down, error);
  if (ok && mode == LA_VAE_DOWNSAMPLE_3D)
    /* CausalConv3d (dim, dim, (3, 1, 1), stride (2, 1, 1)), fed the last
     * frame of the previous chunk */
    ok = la_vae_load_time_conv (ld, &resample->time_conv, pt, dim, dim, 2, 1,
        error);
  g_free (p1);
  g_free (pt);
  return ok;
}

/* x: [T, C, H, W]
 * return: upsample2d [T, C / 2, 2H, 2W]; upsample3d [T', C / 2, 2H, 2W]
 * with T' = T on the cache's first call, else 2T; downsample2d
 * [T, C, H / 2, W / 2]; downsample3d the same, then T' = T on the first
 * call, else T / 2 (for even T). */
LaTensor *
la_vae_resample_forward (LaVaeResample * resample, LaVaeCache * cache,
    const LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  gboolean first = cache->n_calls == 0;
  gint64 t = x->ne[0], c = x->ne[1], h = x->ne[2], w = x->ne[3];
  LaTensor *a = NULL, *view = NULL, *up = NULL, *y = NULL;

  switch (resample->mode) {
    case LA_VAE_UPSAMPLE_3D:
      /* Wan marks the time_conv's cache 'Rep' on the first chunk and skips
       * it: that chunk's frames are not doubled and do not enter the
       * history. From the next chunk on the history starts from zeros. The
       * 2C output channels of time step i are frames 2i and 2i + 1 (C
       * each), which frame-major memory already holds in that order. */
      if (!first) {
        gint64 ne[4] = { t, 2 * c, h, w };

        a = la_vae_new_maps (be, x->dtype, 2 * t, c, h, w, error);
        view = a ? reshape (a, 4, ne, error) : NULL;
        if (!view || !la_vae_conv_forward_into (&resample->time_conv, cache,
                view, x, error))
          goto error;
        g_clear_pointer (&view, la_tensor_free);
        x = a;
      }
      /* fall through */
    case LA_VAE_UPSAMPLE_2D:
      /* resample.0: nearest-exact 2x; resample.1: Conv2d 3x3 */
      up = la_vae_new_maps (be, x->dtype, x->ne[0], c, 2 * h, 2 * w, error);
      if (!up || !la_upsample_nearest_2x (be, up, x, error))
        goto error;
      y = la_vae_conv_forward (&resample->resample1, NULL, up, error);
      if (!y)
        goto error;
      break;
    case LA_VAE_DOWNSAMPLE_2D:
    case LA_VAE_DOWNSAMPLE_3D:
      /* resample.0 ZeroPad2d + resample.1 Conv2d 3x3 stride 2 */
      y = la_vae_conv_forward (&resample->resample1, NULL, x, error);
      if (!y)
        goto error;
      if (resample->mode == LA_VAE_DOWNSAMPLE_2D)
        break;
      /* Wan keeps the first chunk as it is (and remembers it); later
       * chunks go through the time_conv behind the previous chunk's last
       * frame */
      if (first) {
        LaTensor *past = history_get (cache, resample->time_conv.slot, 1, y,
            error);

        if (!past || !history_push (cache, past, y, error))
          goto error;
      } else {
        a = la_vae_conv_forward (&resample->time_conv, cache, y, error);
        if (!a)
          goto error;
        la_tensor_free (y);
        y = a;
        a = NULL;
      }
      break;
  }
  la_tensor_free (up);
  la_tensor_free (a);
  return y;

  /* ERRORS */
error:
  {
    la_tensor_free (view);
    la_tensor_free (y);
    la_tensor_free (up);
    la_tensor_free (a);
    return NULL;
  }
}

/* ---- downsamples / upsamples ---- */

gboolean
la_vae_append_residual_block (LaVaeLoader * ld, GArray * layers,
    const gchar * list, gint in_dim, gint out_dim, GError ** error)
{
  LaVaeLayer layer = { FALSE };
  gchar *prefix = g_strdup_printf ("%s.%u", list, layers->len);
  gboolean ok;

  ok = la_vae_load_residual_block (ld, &layer.residual, prefix, in_dim,
      out_dim, error);
  g_free (prefix);
  g_array_append_val (layers, layer);
  return ok;
}

gboolean
la_vae_append_resample (LaVaeLoader * ld, GArray * layers, const gchar * list,
    gint dim, LaVaeResampleMode mode, GError ** error)
{
  LaVaeLayer layer = { TRUE };
  gchar *prefix = g_strdup_printf ("%s.%u", list, layers->len);
  gboolean ok;

  ok = la_vae_load_resample (ld, &layer.resample, prefix, dim, mode, error);
  g_free (prefix);
  g_array_append_val (layers, layer);
  return ok;
}

LaTensor *
la_vae_layers_forward (LaVaeLayer * layers, guint n, LaVaeCache * cache,
    LaTensor * x, GError ** error)
{
  LaTensor *h = x, *next;
  guint i;

  for (i = 0; h && i < n; i++) {
    LaVaeLayer *layer = &layers[i];

    next = layer->is_resample ?
        la_vae_resample_forward (&layer->resample, cache, h, error) :
        la_vae_residual_block_forward (&layer->residual, cache, h, error);
    la_tensor_free (h);
    h = next;
  }
  return h;
}

/* ---- middle ---- */

gboolean
la_vae_load_middle (LaVaeLoader * ld, LaVaeMiddle * middle,
    const gchar * prefix, gint dim, GError ** error)
{
  gchar *p0 = g_strdup_printf ("%s.0", prefix);
  gchar *p1 = g_strdup_printf ("%s.1", prefix);
  gchar *p2 = g_strdup_printf ("%s.2", prefix);
  gboolean ok;

  ok = la_vae_load_residual_block (ld, &middle->block0, p0, dim, dim, error)
      && la_vae_load_attention_block (ld, &middle->attention1, p1, dim, error)
      && la_vae_load_residual_block (ld, &middle->block2, p2, dim, dim, error);
  g_free (p0);
  g_free (p1);
  g_free (p2);
  return ok;
}

LaTensor *
la_vae_middle_forward (LaVaeMiddle * middle, LaVaeCache * cache,
    const LaTensor * x, GError ** error)
{
  LaTensor *h, *next;

  h = la_vae_residual_block_forward (&middle->block0, cache, x, error);
  next = h ? la_vae_attention_block_forward (&middle->attention1, h, error) :
      NULL;
  la_tensor_free (h);
  h = next ? la_vae_residual_block_forward (&middle->block2, cache, next,
      error) : NULL;
  la_tensor_free (next);
  return h;
}

/* ---- head ---- */

gboolean
la_vae_load_head (LaVaeLoader * ld, LaVaeHead * head, const gchar * prefix,
    gint in_dim, gint out_dim, GError ** error)
{
  gchar *p0 = g_strdup_printf ("%s.0", prefix);
  gchar *p2 = g_strdup_printf ("%s.2", prefix);
  gboolean ok;

  ok = la_vae_load_rms_norm (ld, &head->head0, p0, in_dim, FALSE, error)
      && la_vae_load_causal_conv (ld, &head->head2, p2, in_dim, out_dim, 3,
      error);
  g_free (p0);
  g_free (p2);
  return ok;
}

gboolean
la_vae_head_forward_into (LaVaeHead * head, LaVaeCache * cache, LaTensor * y,
    const LaTensor * x, GError ** error)
{
  LaTensor *a = norm_silu (&head->head0, x, error);
  gboolean ok;

  ok = a && la_vae_conv_forward_into (&head->head2, cache, y, a, error);
  la_tensor_free (a);
  return ok;
}
