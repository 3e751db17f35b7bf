/* liveavatar: one DiT transformer block
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* CausalWanS2VAttentionBlock (Live Avatar causal_model_s2v.py) over
 * WanAttentionBlock (wan/modules/model.py):
 *
 *   m      = modulation [6, dim] + e0 (per noisy frame; t = 0 for cond)
 *   x     += self_attn (LN (x) * (1 + m1) + m0) * m2
 *   x     += cross_attn (norm3 (x), text)
 *   x     += ffn (LN (x) * (1 + m4) + m3) * m5
 *
 * with self_attn's q, k RMS-normed over dim and rotated by 3-axis RoPE,
 * and its keys and values going through the caller's cache (la-dit.h).
 *
 * BF16 compute (la-dit.h LaDitCompute): x enters rounded to bf16, the
 * norms, modulation and residual stay fp32, each branch's input is
 * converted to bf16 once (hc), and q/k/v, attention, the FFN hidden run
 * in bf16; the linears back into the residual write fp32. */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

/* A block's six modulation vectors for the two kinds of token: noisy rows
 * [0, n_noisy) in frames, cond rows [n_noisy, L) with t = 0. */
typedef struct
{
  LaTensor *noisy[6];           /* [n_frames, dim] views, or NULL */
  LaTensor *cond[6];            /* [1, dim] views, or NULL */
  LaTensor *x_noisy;            /* row views of x, or NULL */
  LaTensor *x_cond;
  LaTensor *h_noisy;            /* row views of the normalised input */
  LaTensor *h_cond;
  LaTensor *y_noisy;            /* row views of a branch's output */
  LaTensor *y_cond;
} Segments;

static gboolean
check_tokens (LaDit * dit, const LaTensor * x, const LaDitTokens * tok,
    const LaDitCrossKv * cross, guint layer, const LaDitKv * kv,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  gint64 L, dim = c->dim;
  const gchar *what;

  if (layer >= (guint) c->num_layers) {
    what = "no such layer";
    goto bad;
  }
  if (!x || x->n_dims != 2 || x->ne[1] != dim || !tok || !tok->pos) {
    what = "x must be [L, dim], with token positions";
    goto bad;
  }
  L = x->ne[0];
  if (tok->n_noisy < 0 || tok->n_noisy > L) {
    what = "n_noisy outside [0, L]";
    goto bad;
  }
  if (tok->n_noisy > 0 && (tok->n_frames < 1
          || tok->n_noisy % tok->n_frames != 0 || !tok->e0
          || tok->e0->n_dims != 3 || tok->e0->ne[0] != tok->n_frames
          || tok->e0->ne[1] != 6 || tok->e0->ne[2] != dim)) {
    what = "noisy tokens need n_frames frames of equal length and e0 "
        "[n_frames, 6, dim]";
    goto bad;
  }
  if (tok->n_noisy < L && (!tok->e0_zero
          || la_tensor_nelements (tok->e0_zero) != 6 * dim)) {
    what = "cond tokens need e0_zero [1, 6, dim]";
    goto bad;
  }
  if (tok->pos->dtype != LA_DTYPE_I32 || tok->pos->n_dims != 2
      || tok->pos->ne[0] != L || tok->pos->ne[1] != 3) {
    what = "pos must be [L, 3] I32";
    goto bad;
  }
  if (!cross || cross->n_layers != (guint) c->num_layers
      || cross->k[layer]->dtype != dit->cdtype
      || cross->v[layer]->dtype != dit->cdtype) {
    what = "cross-attention K/V of another model or compute dtype";
    goto bad;
  }
  if (kv && ((kv->k && kv->k->dtype != dit->cdtype)
          || (kv->v && kv->v->dtype != dit->cdtype)
          || (kv->raw_k && kv->raw_k->dtype != dit->cdtype))) {
    what = "KV cache in another dtype than the DiT computes in";
    goto bad;
  }
  if (kv && (!kv->k || !kv->v || kv->n_prefix < 0
          || !la_tensor_same_shape (kv->k, kv->v) || kv->k->n_dims != 3
          || kv->k->ne[1] != c->num_heads
          || kv->k->ne[2] != la_dit_config_head_dim (c)
          || kv->k->ne[0] < kv->n_prefix + L
          || (kv->n_keys != 0 && (kv->n_keys < kv->n_prefix + L
                  || kv->n_keys > kv->k->ne[0])))) {
    what = "KV cache must be [>= n_keys >= n_prefix + L, heads, head_dim] "
        "twice";
    goto bad;
  }
  if (kv && kv->raw_k && (kv->raw_k->n_dims != 3 || kv->raw_k->ne[0] < L
          || kv->raw_k->ne[1] != c->num_heads
          || kv->raw_k->ne[2] != la_dit_config_head_dim (c))) {
    what = "raw keys must be [>= L, heads, head_dim]";
    goto bad;
  }
  if (tok->n_rope_zero < 0 || tok->n_rope_zero > L - tok->n_noisy) {
    what = "n_rope_zero must count cond tokens";
    goto bad;
  }
  return TRUE;

bad:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "DiT block: %s",
      what);
  return FALSE;
}

/* rows [0, n) and [n, L) of @t as views (NULL for an empty part) */
static gboolean
split_rows (LaDitScratch * s, const LaTensor * t, gint64 n, LaTensor ** a,
    LaTensor ** b, GError ** error)
{
  gint64 L = t->ne[0], C = t->ne[1];

  *a = *b = NULL;
  if (n > 0 && !(*a = la_dit_scratch_view (s, t, 0, 2, SHAPE (n, C), error)))
    return FALSE;
  if (n < L && !(*b = la_dit_scratch_view (s, t, n * C, 2, SHAPE (L - n, C),
              error)))
    return FALSE;
  return TRUE;
}

static gboolean
make_modulation (LaDit * dit, LaDitScratch * s, const LaDitBlock * b,
    const LaDitTokens * tok, gint64 L, Segments * seg, GError ** error)
{
  gint64 dim = dit->cfg.dim, F = tok->n_frames;
  LaTensor *sum, *a, *t, *mc;
  gint j;

  if (tok->n_noisy > 0) {
    /* [F, 6, dim] -> [6, F, dim], so that each vector is a [F, dim] block
     * grouping the rows frame by frame */
    if (!(sum = la_dit_scratch_new (s, 3, SHAPE (F, 6, dim), error))
        || !la_add (dit->backend, sum, tok->e0, b->modulation, error)
        || !(a = la_dit_scratch_view (s, sum, 0, 4, SHAPE (1, F, 6, dim),
                error))
        || !(t = la_dit_scratch_new (s, 4, SHAPE (1, 6, F, dim), error))
        || !la_transpose (dit->backend, t, a, error))
      return FALSE;
    for (j = 0; j < 6; j++)
      if (!(seg->noisy[j] = la_dit_scratch_view (s, t, j * F * dim, 2,
                  SHAPE (F, dim), error)))
        return FALSE;
  }
  if (tok->n_noisy < L) {
    if (!(a = la_dit_scratch_view (s, tok->e0_zero, 0, 2, SHAPE (6, dim),
                error))
        || !(mc = la_dit_scratch_new (s, 2, SHAPE (6, dim), error))
        || !la_add (dit->backend, mc, a, b->modulation, error))
      return FALSE;
    for (j = 0; j < 6; j++)
      if (!(seg->cond[j] = la_dit_scratch_view (s, mc, j * dim, 2,
                  SHAPE (1, dim), error)))
        return FALSE;
  }
  return TRUE;
}

/* h = LN (x) * (1 + m[scale]) + m[shift], each part with its vectors */
static gboolean
modulate (LaDit * dit, Segments * seg, gint shift, gint scale, GError ** error)
{
  gfloat eps = (gfloat) dit->cfg.eps;

  if (seg->x_noisy && !la_layer_norm_modulate (dit->backend, seg->h_noisy,
          seg->x_noisy, seg->noisy[scale], seg->noisy[shift], eps, error))
    return FALSE;
  if (seg->x_cond && !la_layer_norm_modulate (dit->backend, seg->h_cond,
          seg->x_cond, seg->cond[scale], seg->cond[shift], eps, error))
    return FALSE;
  return TRUE;
}

/* hc = h in the compute dtype (hc is h under F32) */
static gboolean
narrow (LaDit * dit, LaTensor * hc, const LaTensor * h, GError ** error)
{
  return hc == h || la_convert (dit->backend, hc, h, error);
}

/* x = bf16 (x) under BF16 compute: Live Avatar's residual stream between
 * blocks is bf16 */
static gboolean
round_x (LaDit * dit, LaDitScratch * s, LaTensor * x, GError ** error)
{
  LaTensor *xb;

  if (dit->cdtype == LA_DTYPE_F32)
    return TRUE;
  return (xb = la_dit_scratch_new_c (s, x->n_dims, x->ne, error))
      && la_convert (dit->backend, xb, x, error)
      && la_convert (dit->backend, x, xb, error);
}

/* x += y * m[gate] */
static gboolean
gate (LaDit * dit, Segments * seg, gint g, GError ** error)
{
  if (seg->x_noisy && !la_gated_residual (dit->backend, seg->x_noisy,
          seg->x_noisy, seg->noisy[g], seg->y_noisy, error))
    return FALSE;
  if (seg->x_cond && !la_gated_residual (dit->backend, seg->x_cond,
          seg->x_cond, seg->cond[g], seg->y_cond, error))
    return FALSE;
  return TRUE;
}

/* rotated queries and keys of the last @n tokens = 0 (multipliers 0) */
static gboolean
zero_rope_rows (LaDit * dit, LaDitScratch * s, LaTensor * q3, LaTensor * k3,
    gint64 n, GError ** error)
{
  gint64 L = q3->ne[0], HD = q3->ne[1] * q3->ne[2];
  LaTensor *q, *k;

  if (n == 0)
    return TRUE;
  return (q = la_dit_scratch_view (s, q3, (L - n) * HD, 2, SHAPE (n, HD),
          error))
      && (k = la_dit_scratch_view (s, k3, (L - n) * HD, 2, SHAPE (n, HD),
          error))
      && la_clamp (dit->backend, q, q, 0.0f, 0.0f, error)
      && la_clamp (dit->backend, k, k, 0.0f, 0.0f, error);
}

gboolean
la_dit_block_forward (LaDit * dit, guint layer, LaTensor * x,
    const LaDitTokens * tok, const LaDitCrossKv * cross, LaDitKv * kv,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  const LaDitBlock *b;
  gint64 L, dim = c->dim, H = c->num_heads, D, n_prefix, n_keys;
  gfloat eps = (gfloat) c->eps;
  LaBackend *be = dit->backend;
  LaDitScratch s;
  Segments seg = { {NULL} };
  LaTensor *h, *hc, *y, *q, *q3, *k_store, *v_store, *k2, *k3, *v2, *k_all,
      *v_all, *o, *o2, *f;
  gboolean ok = FALSE;

  if (!check_tokens (dit, x, tok, cross, layer, kv, error))
    return FALSE;
  b = &dit->blocks[layer];
  L = x->ne[0];
  D = la_dit_config_head_dim (c);
  la_dit_scratch_init (&s, dit);

  hc = NULL;
  if (!round_x (dit, &s, x, error)
      || !(h = la_dit_scratch_new (&s, 2, SHAPE (L, dim), error))
      || !(hc = dit->cdtype == LA_DTYPE_F32 ? h :
          la_dit_scratch_new_c (&s, 2, SHAPE (L, dim), error))
      || !(y = la_dit_scratch_new (&s, 2, SHAPE (L, dim), error))
      || !split_rows (&s, x, tok->n_noisy, &seg.x_noisy, &seg.x_cond, error)
      || !split_rows (&s, h, tok->n_noisy, &seg.h_noisy, &seg.h_cond, error)
      || !split_rows (&s, y, tok->n_noisy, &seg.y_noisy, &seg.y_cond, error)
      || !make_modulation (dit, &s, b, tok, L, &seg, error))
    goto out;

  /* ---- self-attention ---- */
  if (kv) {
    k_store = kv->k;
    v_store = kv->v;
    n_prefix = kv->n_prefix;
    n_keys = kv->n_keys ? kv->n_keys : n_prefix + L;
  } else {
    if (!(k_store = la_dit_scratch_new_c (&s, 3, SHAPE (L, H, D), error))
        || !(v_store = la_dit_scratch_new_c (&s, 3, SHAPE (L, H, D), error)))
      goto out;
    n_prefix = 0;
    n_keys = L;
  }

  if (!modulate (dit, &seg, 0, 1, error)
      || !narrow (dit, hc, h, error)
      || !(q = la_dit_scratch_new_c (&s, 2, SHAPE (L, dim), error))
      || !la_dit_linear (dit, q, hc, &b->self_attn.q, error)
      || !la_rms_norm (be, q, q, b->self_attn.norm_q, eps, error)
      || !(q3 = la_dit_scratch_view (&s, q, 0, 3, SHAPE (L, H, D), error))
      || !la_rope_3d (be, q3, q3, tok->pos, 10000.0f, error))
    goto out;
  /* this call's keys and values go straight to their cache rows */
  if (!(k2 = la_dit_scratch_view (&s, k_store, n_prefix * dim, 2,
              SHAPE (L, dim), error))
      || !(k3 = la_dit_scratch_view (&s, k_store, n_prefix * dim, 3,
              SHAPE (L, H, D), error))
      || !(v2 = la_dit_scratch_view (&s, v_store, n_prefix * dim, 2,
              SHAPE (L, dim), error))
      || !la_dit_linear (dit, k2, hc, &b->self_attn.k, error)
      || !la_rms_norm (be, k2, k2, b->self_attn.norm_k, eps, error)
      || (kv && kv->raw_k && !la_convert (be, la_dit_scratch_view (&s,
                  kv->raw_k, 0, 3, SHAPE (L, H, D), error), k3, error))
      || !la_rope_3d (be, k3, k3, tok->pos, 10000.0f, error)
      || !zero_rope_rows (dit, &s, q3, k3, tok->n_rope_zero, error)
      || !la_dit_linear (dit, v2, hc, &b->self_attn.v, error)
      || !(k_all = la_dit_scratch_view (&s, k_store, 0, 3,
              SHAPE (n_keys, H, D), error))
      || !(v_all = la_dit_scratch_view (&s, v_store, 0, 3,
              SHAPE (n_keys, H, D), error))
      || !(o = la_dit_scratch_new_c (&s, 3, SHAPE (L, H, D), error))
      || !la_attention (be, o, q3, k_all, v_all, 0.0f, error)
      || !(o2 = la_dit_scratch_view (&s, o, 0, 2, SHAPE (L, dim), error))
      || !la_dit_linear (dit, y, o2, &b->self_attn.o, error)
      || !gate (dit, &seg, 2, error))
    goto out;

  /* ---- cross-attention: norm3 has an affine, the branch no gate ---- */
  if (!la_layer_norm_modulate (be, h, x, NULL, NULL, eps, error)
      || !la_mul (be, h, h, b->norm3_weight, error)
      || !la_add (be, h, h, b->norm3_bias, error)
      || !narrow (dit, hc, h, error)
      || !la_dit_linear (dit, q, hc, &b->cross_attn.q, error)
      || !la_rms_norm (be, q, q, b->cross_attn.norm_q, eps, error)
      || !la_attention (be, o, q3, cross->k[layer], cross->v[layer], 0.0f,
          error)
      || !la_dit_linear (dit, y, o2, &b->cross_attn.o, error)
      || !la_add (be, x, x, y, error))
    goto out;

  /* ---- feed-forward ---- */
  if (!modulate (dit, &seg, 3, 4, error)
      || !narrow (dit, hc, h, error)
      || !(f = la_dit_scratch_new_c (&s, 2, SHAPE (L, c->ffn_dim), error))
      || !la_dit_linear (dit, f, hc, &b->ffn0, error)
      || !la_gelu_tanh (be, f, f, error)
      || !la_dit_linear (dit, y, f, &b->ffn2, error)
      || !gate (dit, &seg, 5, error))
    goto out;
  ok = TRUE;

out:
  la_dit_scratch_clear (&s);
  return ok;
}
