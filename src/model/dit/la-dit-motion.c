/* liveavatar: FramePack motion tokens
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* FramePackMotioner.forward (Live Avatar's causal_motioner.py, as
 * WanModel_S2V's inject_motion uses it with add_last_motion 2 and
 * drop_mode 'padd') and the grids rope_precompute
 * (wan_2_2/modules/s2v/s2v_utils.py) turns into positions. */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

/* frames of bucket i (post, 2x, 4x), and where it starts among the 19 */
static const gint bucket_frames[3] = { 1, 2, 16 };
static const gint bucket_first[3] = { 18, 16, 0 };

static gint64
bucket_tokens (gint i, gint64 H, gint64 W)
{
  gint64 k = LA_DIT_PACK_KS (i);

  return bucket_frames[i] / LA_DIT_PACK_KT (i) * (H / k) * (W / k);
}

gint64
la_dit_motion_n_tokens (gint64 H, gint64 W)
{
  return bucket_tokens (0, H, W) + bucket_tokens (1, H, W)
      + bucket_tokens (2, H, W);
}

/* numpy.linspace (start, stop, num)[i].astype (int): start + i * step in
 * double, the last point exactly stop, truncated toward zero */
static gint
linspace_int (gint64 start, gint64 stop, gint64 num, gint64 i)
{
  volatile gdouble step, t;

  if (num == 1)
    return (gint) start;
  if (i == num - 1)
    return (gint) stop;
  step = (gdouble) (stop - start) / (gdouble) (num - 1);
  /* no fused multiply-add: numpy multiplies, then adds */
  t = (gdouble) i *step;
  return (gint) (t + (gdouble) start);
}

/* rope_precompute's positions for one segment: start (f_o, 0, 0), n_f x
 * n_h x n_w tokens over a range (t_f, t_h, t_w); f_o < 0 samples
 * -linspace (-f_o, -t_f - f_o + 1) */
static gint32 *
segment (gint32 * pos, gint64 f_o, gint64 n_f, gint64 n_h, gint64 n_w,
    gint64 t_f, gint64 t_h, gint64 t_w)
{
  gint64 f, y, x;

  for (f = 0; f < n_f; f++) {
    gint t = f_o >= 0 ? linspace_int (f_o, t_f + f_o - 1, n_f, f)
        : -linspace_int (-f_o, -t_f - f_o + 1, n_f, f);

    for (y = 0; y < n_h; y++)
      for (x = 0; x < n_w; x++) {
        pos[0] = t;
        pos[1] = linspace_int (0, t_h - 1, n_h, y);
        pos[2] = linspace_int (0, t_w - 1, n_w, x);
        pos += 3;
      }
  }
  return pos;
}

void
la_dit_motion_positions (gint32 * pos, gint64 H, gint64 W)
{
  gint64 start = 0;
  gint i;

  /* bucket i starts at t = -(frames of buckets 0..i) and spans its
   * frames / kt latent steps over a range of its frames */
  for (i = 0; i < 3; i++) {
    gint64 k = LA_DIT_PACK_KS (i);

    start -= bucket_frames[i];
    pos = segment (pos, start, bucket_frames[i] / LA_DIT_PACK_KT (i), H / k,
        W / k, bucket_frames[i], H / 2, W / 2);
  }
}

gboolean
la_dit_embed_motion (LaDit * dit, LaTensor * y, const LaTensor * motion,
    GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  LaBackend *be = dit->backend;
  gint64 C, T, H, W, HW, dim = c->dim, n_keep, row = 0;
  gfloat *zeros = NULL;
  LaDitScratch s;
  LaTensor *src, *frames, *packed;
  gboolean ok = FALSE;
  gint i;

  if (!dit->pack_w[0]) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "DiT motion tokens: the model has no FramePack (enable_framepack)");
    return FALSE;
  }
  if (!motion || !y || motion->n_dims != 4 || motion->ne[0] != c->in_dim
      || y->n_dims != 2 || y->ne[1] != dim
      || y->ne[0] != la_dit_motion_n_tokens (motion->ne[2], motion->ne[3])
      || y->ne[0] < 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "DiT motion tokens: motion must be [in_dim, T, H, W] and y "
        "[motion tokens of H x W, dim]");
    return FALSE;
  }
  C = motion->ne[0];
  T = motion->ne[1];
  H = motion->ne[2];
  W = motion->ne[3];
  HW = H * W;
  n_keep = MIN (T, LA_DIT_PACK_FRAMES);
  la_dit_scratch_init (&s, dit);

  /* the 19 frames frame-major [19, C, H, W], zeros before the motion */
  zeros = g_new0 (gfloat, LA_DIT_PACK_FRAMES * C * HW);
  if (!(packed = la_dit_scratch_new (&s, 4, SHAPE (LA_DIT_PACK_FRAMES, C, H,
                  W), error))
      || !la_tensor_set_f32 (packed, zeros, LA_DIT_PACK_FRAMES * C * HW, error))
    goto out;
  if (n_keep > 0) {
    if (!(src = la_dit_scratch_view (&s, motion, 0, 4, SHAPE (1, C, T, HW),
                error))
        || !(frames = la_dit_scratch_new (&s, 4, SHAPE (1, T, C, HW), error))
        || !la_transpose (be, frames, src, error)
        || !la_convert (be, la_dit_scratch_view (&s, packed,
                (LA_DIT_PACK_FRAMES - n_keep) * C * HW, 2, SHAPE (n_keep,
                    C * HW), error), la_dit_scratch_view (&s, frames,
                (T - n_keep) * C * HW, 2, SHAPE (n_keep, C * HW), error),
            error))
      goto out;
  }

  for (i = 0; i < 3; i++) {
    gint kt = LA_DIT_PACK_KT (i), k = LA_DIT_PACK_KS (i);
    LaConv3dParams p = { {kt, k, k}, {kt, k, k}, {0, 0, 0, 0}
    };
    gint64 f = bucket_frames[i] / kt, n = bucket_tokens (i, H, W);
    LaTensor *in, *conv, *tok;

    if (n == 0)
      continue;
    /* [f, dim, h w] conv output -> [f, h w, dim] token rows */
    if (!(in = la_dit_scratch_view (&s, packed, bucket_first[i] * C * HW, 4,
                SHAPE (bucket_frames[i], C, H, W), error))
        || !(conv = la_dit_scratch_new (&s, 4, SHAPE (f, dim, H / k, W / k),
                error))
        || !la_conv3d (be, conv, in, NULL, dit->pack_w[i], dit->pack_b[i], &p,
            error)
        || !(tok = la_dit_scratch_view (&s, y, row * dim, 4, SHAPE (f,
                    n / f, dim, 1), error))
        || !la_transpose (be, tok, la_dit_scratch_view (&s, conv, 0, 4,
                SHAPE (f, dim, n / f, 1), error), error))
      goto out;
    row += n;
  }
  ok = la_add (be, y, y, dit->cond_mask_row[2], error);

out:
  g_free (zeros);
  la_dit_scratch_clear (&s);
  return ok;
}
