/* liveavatar: the DiT's causal audio encoder and audio injection
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* wan/modules/s2v/audio_utils.py (CausalAudioEncoder, AudioInjector_WAN),
 * auxi_blocks.py (CausalConv1d, MotionEncoder_tc), diffusers' AdaLayerNorm
 * (chunk_dim 1) and Live Avatar's after_transformer_block.
 *
 * Sequences are time-major [L, C]. A CausalConv1d pads k - 1 = 2 copies of
 * its first input frame in front: each conv reads a buffer whose rows
 * [2, 2 + L) the previous step writes in place and whose two first rows
 * are then copied from row 2. */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

#define PAD 2                   /* kernel 3, causal */
#define AUDIO_LN_EPS 1e-6f      /* MotionEncoder_tc's norms */
#define ADAIN_EPS 1e-5f         /* diffusers AdaLayerNorm's default */

static gboolean
invalid (GError ** error, const gchar * what)
{
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT, "DiT audio: %s",
      what);
  return FALSE;
}

gint
la_dit_audio_n_latent (gint n_video_frames, gint motion_frames, gint drop)
{
  gint L;

  if (n_video_frames < 1 || motion_frames < 0 || drop < 0)
    return 0;
  L = n_video_frames + motion_frames;
  L = (L - 1) / 2 + 1;
  L = (L - 1) / 2 + 1;
  return MAX (0, L - drop);
}

/* rows [first, first + n) of the 2-D-like @t as a [n, C] view */
static LaTensor *
rows (LaDitScratch * s, const LaTensor * t, gint64 first, gint64 n,
    GError ** error)
{
  gint64 C = la_tensor_ncols (t);

  return la_dit_scratch_view (s, t, first * C, 2, SHAPE (n, C), error);
}

static gboolean
copy_rows (LaDitScratch * s, LaTensor * dst, gint64 dst_row,
    const LaTensor * src, gint64 src_row, gint64 n, GError ** error)
{
  LaTensor *d, *r;

  return (d = rows (s, dst, dst_row, n, error))
      && (r = rows (s, src, src_row, n, error))
      && la_convert (s->dit->backend, d, r, error);
}

/* the causal padding: rows 0 and 1 of @buf = its row 2 */
static gboolean
fill_pad (LaDitScratch * s, LaTensor * buf, GError ** error)
{
  return copy_rows (s, buf, 0, buf, PAD, 1, error)
      && copy_rows (s, buf, 1, buf, PAD, 1, error);
}

/* a [PAD + L, C] buffer and its body rows [PAD, PAD + L) */
static LaTensor *
padded (LaDitScratch * s, gint64 L, gint64 C, LaTensor ** body, GError ** error)
{
  LaTensor *buf = la_dit_scratch_new (s, 2, SHAPE (PAD + L, C), error);

  if (!buf || !(*body = rows (s, buf, PAD, L, error)))
    return NULL;
  return buf;
}

/* y = SiLU (LayerNorm (x)), in place allowed */
static gboolean
ln_silu (LaDit * dit, LaTensor * y, const LaTensor * x, GError ** error)
{
  return la_layer_norm_modulate (dit->backend, y, x, NULL, NULL,
      AUDIO_LN_EPS, error) && la_silu (dit->backend, y, y, error);
}

/* conv2, conv3 (stride 2 each) from a filled [PAD + L1, C1] buffer, each
 * followed by LayerNorm and SiLU: out [L3, dim] */
static gboolean
tail_convs (LaDit * dit, LaDitScratch * s, const LaTensor * in, gint64 L1,
    LaTensor * out, GError ** error)
{
  const LaDitAudioEncoder *a = &dit->audio;
  LaConv1dParams p = { 2, {0, 0}, 1 };
  gint64 dim = dit->cfg.dim, L2 = (L1 - 1) / 2 + 1;
  LaTensor *b2, *body2;

  return (b2 = padded (s, L2, dim / 2, &body2, error))
      && la_conv1d (dit->backend, body2, in, a->conv2_w, a->conv2_b, &p, error)
      && ln_silu (dit, body2, body2, error)
      && fill_pad (s, b2, error)
      && la_conv1d (dit->backend, out, b2, a->conv3_w, a->conv3_b, &p, error)
      && ln_silu (dit, out, out, error);
}

gboolean
la_dit_audio_encode (LaDit * dit, LaTensor * local, LaTensor * global,
    const gfloat * features, gint n_video_frames, gint motion_frames,
    gint drop, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  const LaDitAudioEncoder *a = &dit->audio;
  LaBackend *be = dit->backend;
  LaConv1dParams p1 = { 1, {0, 0}, 1 };
  gint64 A = c->audio_dim, dim = c->dim, n = c->num_audio_token;
  gint64 c1 = dim / 4, T = n_video_frames, L1, L3, F, h, f;
  LaDitScratch s;
  LaTensor *in, *in_t, *buf1, *body1, *fused, *y1, *y1_4, *heads, *heads_4;
  LaTensor *b2, *body2, *y3, *g3;
  gboolean ok = FALSE;

  F = la_dit_audio_n_latent (n_video_frames, motion_frames, drop);
  if (!features || F < 1)
    return invalid (error, "encode: no latent step left (frames, motion "
        "frames, dropped steps)");
  if (!local || local->n_dims != 3 || local->ne[0] != F
      || local->ne[1] != n + 1 || local->ne[2] != dim || !global
      ||global->n_dims != 2 || global->ne[0] != F || global->ne[1] != dim)
    return invalid (error, "encode: local must be [F, num_audio_token + 1, "
        "dim], global [F, dim]");
  L1 = T + motion_frames;
  L3 = (L1 - 1) / 2 + 1;
  L3 = (L3 - 1) / 2 + 1;
  la_dit_scratch_init (&s, dit);

  /* fuse the 25 states of each frame: [T, 25, A] -> [T, A, 25] -> a
   * [1, 25] linear, written after the motion copies and the padding */
  if (!(in = la_dit_scratch_new (&s, 3, SHAPE (T, LA_DIT_AUDIO_STATES, A),
              error))
      || !la_tensor_set_f32 (in, features, T * LA_DIT_AUDIO_STATES * A, error)
      || !(in_t = la_dit_scratch_new (&s, 4, SHAPE (T, A,
                  LA_DIT_AUDIO_STATES, 1), error))
      || !la_transpose (be, in_t, la_dit_scratch_view (&s, in, 0, 4,
              SHAPE (T, LA_DIT_AUDIO_STATES, A, 1), error), error)
      || !(buf1 = padded (&s, L1, A, &body1, error))
      || !(fused = la_dit_scratch_view (&s, buf1, (PAD + motion_frames) * A,
              3, SHAPE (T, A, 1), error))
      || !la_linear (be, fused, la_dit_scratch_view (&s, in_t, 0, 3,
              SHAPE (T, A, LA_DIT_AUDIO_STATES), error), a->fusion, NULL,
          error))
    goto out;
  /* the motion span and the padding repeat the first frame */
  for (f = 0; f < PAD + motion_frames; f++)
    if (!copy_rows (&s, buf1, f, buf1, PAD + motion_frames, 1, error))
      goto out;

  /* local branch: conv1_local, heads split '(n c)', per head the rest */
  if (!(y1 = la_dit_scratch_new (&s, 2, SHAPE (L1, n * c1), error))
      || !la_conv1d (be, y1, buf1, a->conv1_local_w, a->conv1_local_b, &p1,
          error)
      || !(heads = la_dit_scratch_new (&s, 3, SHAPE (n, L1, c1), error))
      || !(y1_4 = la_dit_scratch_view (&s, y1, 0, 4, SHAPE (1, L1, n, c1),
              error))
      || !(heads_4 = la_dit_scratch_view (&s, heads, 0, 4, SHAPE (1, n, L1,
                  c1), error))
      || !la_transpose (be, heads_4, y1_4, error)
      || !ln_silu (dit, heads, heads, error)
      || !(y3 = la_dit_scratch_new (&s, 2, SHAPE (L3, dim), error)))
    goto out;
  for (h = 0; h < n; h++) {
    LaTensor *b, *body;

    if (!(b = padded (&s, L1, c1, &body, error))
        || !la_convert (be, body, la_dit_scratch_view (&s, heads, h * L1 * c1,
                2, SHAPE (L1, c1), error), error)
        || !fill_pad (&s, b, error)
        || !tail_convs (dit, &s, b, L1, y3, error))
      goto out;
    /* head h is token h of each kept latent step */
    for (f = 0; f < F; f++)
      if (!copy_rows (&s, local, f * (n + 1) + h, y3, drop + f, 1, error))
        goto out;
  }
  for (f = 0; f < F; f++) {
    LaTensor *d = rows (&s, local, f * (n + 1) + n, 1, error);

    if (!d || !la_convert (be, d, la_dit_scratch_view (&s, a->padding_token,
                0, 2, SHAPE (1, dim), error), error))
      goto out;
  }

  /* global branch: conv1_global, then the same conv2, conv3 */
  if (!(b2 = padded (&s, L1, c1, &body2, error))
      || !la_conv1d (be, body2, buf1, a->conv1_global_w, a->conv1_global_b,
          &p1, error)
      || !ln_silu (dit, body2, body2, error)
      || !fill_pad (&s, b2, error)
      || !tail_convs (dit, &s, b2, L1, y3, error)
      || !(g3 = rows (&s, y3, drop, F, error))
      || !la_dit_linear (dit, global, g3, &a->final_linear, error))
      goto out;
  ok = TRUE;

out:
  la_dit_scratch_clear (&s);
  return ok;
}

/* index of @layer in audio_inject_layers, or -1 */
static gint
injector_of (const LaDitConfig * c, guint layer)
{
  guint k;

  for (k = 0; k < c->n_audio_inject_layers; k++)
    if (c->audio_inject_layers[k] == (gint) layer)
      return (gint) k;
  return -1;
}

gboolean
la_dit_audio_inject (LaDit * dit, guint layer, LaTensor * x,
    const LaDitTokens * tok, const LaTensor * local, const LaTensor * global,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  LaBackend *be = dit->backend;
  gint64 dim = c->dim, H = c->num_heads, D = la_dit_config_head_dim (c);
  gint64 F, N, fs, Na;
  gint k = injector_of (c, layer);
  const LaDitInjector *inj;
  LaDitScratch s;
  LaTensor *xn, *g, *m, *mt, *shift, *scale, *h, *hc, *lc, *q, *ka, *va, *o, *r;
  gboolean ok = FALSE;

  if (k < 0)
    return TRUE;
  if (!x || x->n_dims != 2 || x->ne[1] != dim || !tok || tok->n_noisy < 1
      || tok->n_noisy > x->ne[0] || tok->n_frames < 1
      || tok->n_noisy % tok->n_frames != 0)
    return invalid (error, "inject: x must be [L, dim] with noisy frames");
  F = tok->n_frames;
  N = tok->n_noisy;
  fs = N / F;
  Na = c->num_audio_token + 1;
  if (!local || local->n_dims != 3 || local->ne[0] != F || local->ne[1] != Na
      || local->ne[2] != dim || !global ||global->n_dims != 2
      || global->ne[0] != F || global->ne[1] != dim)
    return invalid (error, "inject: audio tokens of another number of "
        "frames or width");
  inj = &dit->injectors[k];
  la_dit_scratch_init (&s, dit);

  /* AdaLayerNorm: [F, 2 dim] rows (shift | scale) -> two [F, dim] blocks */
  if (!(xn = rows (&s, x, 0, N, error))
      || !(g = la_dit_scratch_new (&s, 2, SHAPE (F, dim), error))
      || !la_silu (be, g, global, error)
      || !(m = la_dit_scratch_new (&s, 4, SHAPE (1, F, 2, dim), error))
      || !la_dit_linear (dit, la_dit_scratch_view (&s, m, 0, 2, SHAPE (F,
                  2 * dim), error), g, &inj->adain, error)
      || !(mt = la_dit_scratch_new (&s, 4, SHAPE (1, 2, F, dim), error))
      || !la_transpose (be, mt, m, error)
      || !(shift = la_dit_scratch_view (&s, mt, 0, 2, SHAPE (F, dim), error))
      || !(scale = la_dit_scratch_view (&s, mt, F * dim, 2, SHAPE (F, dim),
              error))
      || !(h = la_dit_scratch_new (&s, 2, SHAPE (N, dim), error))
      || !la_layer_norm_modulate (be, h, xn, scale, shift, ADAIN_EPS, error))
    goto out;

  /* BF16 compute: the injector's linears and attention in bf16 on the
   * AdaLN output and the audio tokens, both rounded (Live Avatar's
   * injector runs under bf16 autocast on bf16 audio tokens) */
  hc = h;
  lc = la_dit_scratch_view (&s, local, 0, 2, SHAPE (F * Na, dim), error);
  if (lc && dit->cdtype != LA_DTYPE_F32) {
    if (!(hc = la_dit_scratch_new_c (&s, 2, SHAPE (N, dim), error))
        || !la_convert (be, hc, h, error)) {
      hc = NULL;
    } else {
      LaTensor *l2 = la_dit_scratch_new_c (&s, 2, SHAPE (F * Na, dim), error);

      lc = l2 && la_convert (be, l2, lc, error) ? l2 : NULL;
    }
  }
  if (!hc || !lc)
    goto out;

  /* per frame: that frame's fs tokens attend to its Na audio tokens */
  if (!(q = la_dit_scratch_new_c (&s, 2, SHAPE (N, dim), error))
      || !la_dit_linear (dit, q, hc, &inj->attn.q, error)
      || !la_rms_norm (be, q, q, inj->attn.norm_q, c->eps, error)
      || !(ka = la_dit_scratch_new_c (&s, 2, SHAPE (F * Na, dim), error))
      || !la_dit_linear (dit, ka, lc, &inj->attn.k, error)
      || !la_rms_norm (be, ka, ka, inj->attn.norm_k, c->eps, error)
      || !(va = la_dit_scratch_new_c (&s, 2, SHAPE (F * Na, dim), error))
      || !la_dit_linear (dit, va, lc, &inj->attn.v, error)
      || !(o = la_dit_scratch_new_c (&s, 4, SHAPE (F, fs, H, D), error))
      || !la_attention (be, o,
          la_dit_scratch_view (&s, q, 0, 4, SHAPE (F, fs, H, D), error),
          la_dit_scratch_view (&s, ka, 0, 4, SHAPE (F, Na, H, D), error),
          la_dit_scratch_view (&s, va, 0, 4, SHAPE (F, Na, H, D), error),
          0.0f, error)
      || !(r = la_dit_scratch_new (&s, 2, SHAPE (N, dim), error))
      || !la_dit_linear (dit, r, la_dit_scratch_view (&s, o, 0, 2,
              SHAPE (N, dim), error), &inj->attn.o, error)
      || !la_add (be, xn, xn, r, error))
    goto out;
  ok = TRUE;

out:
  la_dit_scratch_clear (&s);
  return ok;
}
