/* liveavatar: the DiT's embeddings, head and unpatchify
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* wan/modules/model.py (sinusoidal_embedding_1d, Head),
 * wan/modules/s2v/model_s2v.py (WanModel_S2V embeddings) and Live
 * Avatar's causal_model_s2v.py (CausalHead_S2V: per-frame modulation). */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

#include <math.h>

static gboolean
invalid (GError ** error, const gchar * what)
{
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "DiT: %s", what);
  return FALSE;
}

gboolean
la_dit_time_embedding (LaDit * dit, LaTensor * e, LaTensor * e0,
    const gfloat * t, gint n, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint half = c->freq_dim / 2, i, j;
  gfloat *sin_host = NULL;
  LaDitScratch s;
  LaTensor *sinusoid, *h, *e_out, *e0_2d;
  gboolean ok = FALSE;

  la_dit_scratch_init (&s, dit);
  if (n < 1 || !t)
    goto bad;
  if (e && (e->n_dims != 2 || e->ne[0] != n || e->ne[1] != c->dim))
    goto bad;
  if (e0 && (e0->n_dims != 3 || e0->ne[0] != n || e0->ne[1] != 6
          || e0->ne[2] != c->dim))
    goto bad;

  /* cos half, then sin half, computed in double (Wan casts t to float64) */
  sin_host = g_new (gfloat, (gsize) n * c->freq_dim);
  for (i = 0; i < n; i++)
    for (j = 0; j < half; j++) {
      gdouble a = (gdouble) t[i] * pow (10000.0, -(gdouble) j / half);

      sin_host[(gsize) i * c->freq_dim + j] = (gfloat) cos (a);
      sin_host[(gsize) i * c->freq_dim + half + j] = (gfloat) sin (a);
    }

  if (!(sinusoid = la_dit_scratch_new (&s, 2, SHAPE (n, c->freq_dim), error))
      || !la_tensor_set_f32 (sinusoid, sin_host, (gsize) n * c->freq_dim, error)
      || !(h = la_dit_scratch_new (&s, 2, SHAPE (n, c->dim), error))
      || !la_dit_linear (dit, h, sinusoid, &dit->time0, error)
      || !la_silu (dit->backend, h, h, error))
    goto out;
  e_out = e;
  if (!e_out && !(e_out = la_dit_scratch_new (&s, 2, SHAPE (n, c->dim), error)))
    goto out;
  if (!la_dit_linear (dit, e_out, h, &dit->time2, error))
    goto out;
  if (e0) {
    /* time_projection = SiLU, Linear (dim, 6 dim), unflattened to 6 */
    if (!la_silu (dit->backend, h, e_out, error)
        || !(e0_2d = la_dit_scratch_view (&s, e0, 0, 2,
                SHAPE (n, 6 * (gint64) c->dim), error))
        || !la_dit_linear (dit, e0_2d, h, &dit->time_proj, error))
      goto out;
  }
  ok = TRUE;
  goto out;

bad:
  invalid (error, "time embedding: bad timesteps or output shapes");
out:
  g_free (sin_host);
  la_dit_scratch_clear (&s);
  return ok;
}

gboolean
la_dit_patch_embed (LaDit * dit, LaTensor * y, const LaTensor * latent,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  const gint *ps = c->patch_size;
  LaConv3dParams params = { {ps[0], ps[1], ps[2]}, {ps[0], ps[1], ps[2]},
  {0, 0, 0, 0}
  };
  gint64 C, F, H, W, f, h, w;
  LaDitScratch s;
  LaTensor *src, *frames, *dst, *conv, *tokens;
  gboolean ok = FALSE;

  la_dit_scratch_init (&s, dit);
  if (!latent || !y || latent->n_dims != 4 || latent->ne[0] != c->in_dim)
    goto bad;
  C = latent->ne[0];
  F = latent->ne[1];
  H = latent->ne[2];
  W = latent->ne[3];
  if (F % ps[0] || H % ps[1] || W % ps[2])
    goto bad;
  f = F / ps[0];
  h = H / ps[1];
  w = W / ps[2];
  if (y->n_dims != 2 || y->ne[0] != f * h * w || y->ne[1] != c->dim)
    goto bad;

  /* channel-first [C, F, H, W] -> frame-major [F, C, H, W] for conv3d,
   * whose [f, dim, h, w] output turns into tokens [f, h * w, dim] */
  if (!(src = la_dit_scratch_view (&s, latent, 0, 4, SHAPE (1, C, F, H * W),
              error))
      || !(frames = la_dit_scratch_new (&s, 4, SHAPE (1, F, C, H * W), error))
      || !la_transpose (dit->backend, frames, src, error)
      || !(dst = la_dit_scratch_view (&s, frames, 0, 4, SHAPE (F, C, H, W),
              error))
      || !(conv = la_dit_scratch_new (&s, 4, SHAPE (f, c->dim, h, w), error))
      || !la_conv3d (dit->backend, conv, dst, NULL, dit->patch_weight,
          dit->patch_bias, &params, error))
    goto out;
  if (!(src = la_dit_scratch_view (&s, conv, 0, 4, SHAPE (f, c->dim,
                  h * w, 1), error))
      || !(tokens = la_dit_scratch_view (&s, y, 0, 4, SHAPE (f, h * w,
                  c->dim, 1), error))
      || !la_transpose (dit->backend, tokens, src, error))
    goto out;
  ok = TRUE;
  goto out;

bad:
  invalid (error, "patch embedding: latent must be [in_dim, F, H, W] in "
      "whole patches and y [F H W / patch volume, dim]");
out:
  la_dit_scratch_clear (&s);
  return ok;
}

gboolean
la_dit_embed_noisy (LaDit * dit, LaTensor * y, const LaTensor * latent,
    GError ** error)
{
  /* Live Avatar's pose latents are zeros: cond_encoder adds its bias */
  if (!la_dit_patch_embed (dit, y, latent, error)
      || (dit->cond_bias && !la_add (dit->backend, y, y, dit->cond_bias,
              error)))
    return FALSE;
  return la_add (dit->backend, y, y, dit->cond_mask_row[0], error);
}

gboolean
la_dit_embed_ref (LaDit * dit, LaTensor * y, const LaTensor * latent,
    GError ** error)
{
  if (!la_dit_patch_embed (dit, y, latent, error))
    return FALSE;
  return la_add (dit->backend, y, y, dit->cond_mask_row[1], error);
}

gboolean
la_dit_text_embedding (LaDit * dit, LaTensor * y, const LaTensor * context,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint64 L, n_pad;
  gfloat *zeros = NULL;
  LaDitScratch s;
  LaTensor *hidden, *rows, *pad;
  gboolean ok = FALSE;

  la_dit_scratch_init_transient (&s, dit);
  if (!context || !y || context->n_dims != 2 || context->ne[1] != c->text_dim
      || context->ne[0] > c->text_len || y->n_dims != 2
      || y->ne[0] != c->text_len || y->ne[1] != c->dim) {
    invalid (error, "text embedding: context must be [<= text_len, "
        "text_dim] and y [text_len, dim]");
    goto out;
  }
  L = context->ne[0];
  n_pad = c->text_len - L;

  /* rows are independent: the zero pad rows go through the first linear
   * on their own */
  if (!(hidden = la_dit_scratch_new (&s, 2, SHAPE (c->text_len, c->dim), error))
      || !(rows = la_dit_scratch_view (&s, hidden, 0, 2, SHAPE (L, c->dim),
              error))
      || !la_dit_linear (dit, rows, context, &dit->text0, error))
    goto out;
  if (n_pad > 0) {
    zeros = g_new0 (gfloat, n_pad * c->text_dim);
    if (!(pad = la_dit_scratch_new (&s, 2, SHAPE (n_pad, c->text_dim), error))
        || !la_tensor_set_f32 (pad, zeros, n_pad * c->text_dim, error)
        || !(rows = la_dit_scratch_view (&s, hidden, L * c->dim, 2,
                SHAPE (n_pad, c->dim), error))
        || !la_dit_linear (dit, rows, pad, &dit->text0, error))
      goto out;
  }
  ok = la_gelu_tanh (dit->backend, hidden, hidden, error)
      && la_dit_linear (dit, y, hidden, &dit->text2, error);

out:
  g_free (zeros);
  la_dit_scratch_clear (&s);
  return ok;
}

LaDitCrossKv *
la_dit_cross_kv_new (LaDit * dit, const LaTensor * context, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint64 n, hd = la_dit_config_head_dim (c);
  LaDitCrossKv *kv;
  LaDitScratch s;
  const LaTensor *ctx;
  LaTensor *ctx_c;
  guint i;

  if (!context || context->n_dims != 2 || context->ne[1] != c->dim) {
    invalid (error, "cross-attention K/V: context must be [L, dim]");
    return NULL;
  }
  n = context->ne[0];
  kv = g_new0 (LaDitCrossKv, 1);
  kv->n_layers = c->num_layers;
  kv->k = g_new0 (LaTensor *, c->num_layers);
  kv->v = g_new0 (LaTensor *, c->num_layers);
  la_dit_scratch_init_transient (&s, dit);
  /* Live Avatar's text embedding is bf16 under autocast: the K/V
   * linears read it rounded */
  ctx = context;
  if (dit->cdtype != context->dtype) {
    if (!(ctx_c = la_dit_scratch_new_c (&s, 2, SHAPE (n, c->dim), error))
        || !la_convert (dit->backend, ctx_c, context, error))
      goto error;
    ctx = ctx_c;
  }

  for (i = 0; i < kv->n_layers; i++) {
    const LaDitAttention *a = &dit->blocks[i].cross_attn;
    LaTensor *k2, *v2;

    if (!(kv->k[i] = la_dit_tensor_c (dit, 3, SHAPE (n, c->num_heads, hd),
                error))
        || !(kv->v[i] = la_dit_tensor_c (dit, 3, SHAPE (n, c->num_heads, hd),
                error))
        || !(k2 = la_dit_scratch_view (&s, kv->k[i], 0, 2, SHAPE (n, c->dim),
                error))
        || !(v2 = la_dit_scratch_view (&s, kv->v[i], 0, 2, SHAPE (n, c->dim),
                error))
        || !la_dit_linear (dit, k2, ctx, &a->k, error)
        || !la_rms_norm (dit->backend, k2, k2, a->norm_k, c->eps, error)
        || !la_dit_linear (dit, v2, ctx, &a->v, error))
      goto error;
  }
  la_dit_scratch_clear (&s);
  return kv;

  /* ERRORS */
error:
  {
    la_dit_scratch_clear (&s);
    la_dit_cross_kv_free (kv);
    return NULL;
  }
}

void
la_dit_cross_kv_free (LaDitCrossKv * kv)
{
  guint i;

  if (!kv)
    return;
  for (i = 0; i < kv->n_layers; i++) {
    la_tensor_free (kv->k[i]);
    la_tensor_free (kv->v[i]);
  }
  g_free (kv->k);
  g_free (kv->v);
  g_free (kv);
}

gboolean
la_dit_head (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaTensor * e, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint64 n, n_frames, dim = c->dim;
  LaDitScratch s;
  LaTensor *xn, *h, *shift, *scale, *m0, *m1;
  gboolean ok = FALSE;

  la_dit_scratch_init (&s, dit);
  if (!y || !x || !e || y->n_dims != 2 || x->n_dims != 2
      || e->n_dims != 2 || x->ne[1] != dim || e->ne[1] != dim
      || y->ne[0] > x->ne[0] || e->ne[0] < 1 || y->ne[0] % e->ne[0] != 0) {
    invalid (error, "head: x [>= n, dim], e [frames, dim], y [n, out] "
        "with n a multiple of frames");
    goto out;
  }
  n = y->ne[0];
  n_frames = e->ne[0];

  /* (shift, scale) = head.modulation + e[f], per frame */
  if (!(m0 = la_dit_scratch_view (&s, dit->head_modulation, 0, 1,
              SHAPE (dim), error))
      || !(m1 = la_dit_scratch_view (&s, dit->head_modulation, dim, 1,
              SHAPE (dim), error))
      || !(shift = la_dit_scratch_new (&s, 2, SHAPE (n_frames, dim), error))
      || !(scale = la_dit_scratch_new (&s, 2, SHAPE (n_frames, dim), error))
      || !la_add (dit->backend, shift, e, m0, error)
      || !la_add (dit->backend, scale, e, m1, error)
      || !(xn = la_dit_scratch_view (&s, x, 0, 2, SHAPE (n, dim), error))
      || !(xn = la_dit_scratch_round (&s, xn, error))
      || !(h = la_dit_scratch_new (&s, 2, SHAPE (n, dim), error))
      || !la_layer_norm_modulate (dit->backend, h, xn, scale, shift, c->eps,
          error)
      || !la_dit_linear (dit, y, h, &dit->head, error))
    goto out;
  ok = TRUE;

out:
  la_dit_scratch_clear (&s);
  return ok;
}

gboolean
la_dit_unpatchify (LaDit * dit, LaTensor * video, const LaTensor * y,
    gint n_frames, gint h, gint w, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint64 p = c->patch_size[0], q = c->patch_size[1], r = c->patch_size[2];
  gint64 ch = c->out_dim, F = n_frames;
  LaDitScratch s;
  LaTensor *a, *b, *t1, *t2;
  gboolean ok = FALSE;

  la_dit_scratch_init (&s, dit);
  if (!video || !y || n_frames < 1 || h < 1 || w < 1 || y->n_dims != 2
      || y->ne[0] != F * h * w || y->ne[1] != p * q * r * ch
      || video->n_dims != 4 || video->ne[0] != ch || video->ne[1] != F * p
      || video->ne[2] != h * q || video->ne[3] != w * r) {
    invalid (error, "unpatchify: y must be [F h w, patch volume * out_dim] "
        "and video [out_dim, F pt, h ph, w pw]");
    goto out;
  }

  /* 'fhwpqrc -> cfphqwr' as three block swaps:
   *   [F h w p q r, c]  -> [c, F h w p q r]
   *   [c F, h w, p, q r] -> [c F, p, h w, q r]     = [c, F, p, h, w, q, r]
   *   [c F p h, w, q, r] -> [c F p h, q, w, r]     = [c, F p, h q, w r] */
  if (!(a = la_dit_scratch_view (&s, y, 0, 4, SHAPE (1, F * h * w * p * q
                  * r, ch, 1), error))
      || !(t1 = la_dit_scratch_new (&s, 4, SHAPE (1, ch, F * h * w * p * q
                  * r, 1), error))
      || !la_transpose (dit->backend, t1, a, error)
      || !(a = la_dit_scratch_view (&s, t1, 0, 4, SHAPE (ch * F, h * w, p,
                  q * r), error))
      || !(t2 = la_dit_scratch_new (&s, 4, SHAPE (ch * F, p, h * w, q * r),
              error))
      || !la_transpose (dit->backend, t2, a, error)
      || !(a = la_dit_scratch_view (&s, t2, 0, 4, SHAPE (ch * F * p * h, w,
                  q, r), error))
      || !(b = la_dit_scratch_view (&s, video, 0, 4, SHAPE (ch * F * p * h,
                  q, w, r), error))
      || !la_transpose (dit->backend, b, a, error))
    goto out;
  ok = TRUE;

out:
  la_dit_scratch_clear (&s);
  return ok;
}
