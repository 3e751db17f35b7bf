/* liveavatar: the video VAE's CPU ops against their definitions
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* conv3d, channel_rms_norm, channel_affine, silu, upsample_nearest_2x,
 * transpose and clamp on the CPU backend: each against its formula written
 * out again here in double (conv3d as one explicit sum per output over a
 * zero-padded concat (past, x), the plainest reading of the header), on
 * small odd shapes with random data, plus values worked out by hand and
 * the argument checks.
 *
 * Tolerance: every element within 1e-5 * (1 + |expected|); in-place
 * variants bit-identical to out-of-place ones. */

#include "config.h"

#include "la-backend.h"
#include "liveavatar.h"
#include "test-common.h"

#include <math.h>
#include <string.h>

#define TOL 1e-5

static LaBackend *be;

/* ---- conv3d ---- */

typedef struct
{
  gint64 t, p, cin, cout, h, w;
  LaConv3dParams prm;
  gboolean bias;
} ConvCase;

/* y[o, co, oy, ox] straight from the definition */
static gdouble *
conv_reference (const ConvCase * c, const gfloat * past, const gfloat * x,
    const gfloat * w, const gfloat * b, gint64 to, gint64 ho, gint64 wo)
{
  const gint *k = c->prm.kernel, *st = c->prm.stride, *pad = c->prm.pad;
  gdouble *y = g_new0 (gdouble, to * c->cout * ho * wo);
  gint64 o, co, oy, ox, ci, dt, dy, dx;

  for (o = 0; o < to; o++)
    for (co = 0; co < c->cout; co++)
      for (oy = 0; oy < ho; oy++)
        for (ox = 0; ox < wo; ox++) {
          gdouble acc = b ? b[co] : 0.0;

          for (ci = 0; ci < c->cin; ci++)
            for (dt = 0; dt < k[0]; dt++)
              for (dy = 0; dy < k[1]; dy++)
                for (dx = 0; dx < k[2]; dx++) {
                  gint64 ti = o * st[0] + dt;
                  gint64 iy = oy * st[1] + dy - pad[0];
                  gint64 ix = ox * st[2] + dx - pad[2];
                  gdouble v;

                  if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                    continue;
                  v = ti < c->p
                      ? past[((ti * c->cin + ci) * c->h + iy) * c->w + ix]
                      : x[(((ti - c->p) * c->cin + ci) * c->h + iy) * c->w
                      + ix];
                  acc += v * w[(((co * c->cin + ci) * k[0] + dt) * k[1]
                          + dy) * k[2] + dx];
                }
          y[((o * c->cout + co) * ho + oy) * wo + ox] = acc;
        }
  return y;
}

static void
run_conv_case (const ConvCase * c)
{
  const gint *k = c->prm.kernel, *st = c->prm.stride, *pad = c->prm.pad;
  gint64 to = (c->p + c->t - k[0]) / st[0] + 1;
  gint64 ho = (c->h + pad[0] + pad[1] - k[1]) / st[1] + 1;
  gint64 wo = (c->w + pad[2] + pad[3] - k[2]) / st[2] + 1;
  gint64 x_ne[4] = { c->t, c->cin, c->h, c->w };
  gint64 p_ne[4] = { c->p, c->cin, c->h, c->w };
  gint64 w_ne[4] = { c->cout, c->cin, k[0], k[1] * k[2] };
  gint64 b_ne[1] = { c->cout };
  gint64 y_ne[4] = { to, c->cout, ho, wo };
  gfloat *x = la_test_rnd_array (c->t * c->cin * c->h * c->w, 1.0);
  gfloat *past =
      c->p ? la_test_rnd_array (c->p * c->cin * c->h * c->w, 1.0) : NULL;
  gfloat *w = la_test_rnd_array (w_ne[0] * w_ne[1] * w_ne[2] * w_ne[3], 0.5);
  gfloat *b = c->bias ? la_test_rnd_array (c->cout, 1.0) : NULL;
  LaTensor *tx = la_test_tensor_f32 (be, 4, x_ne, x);
  LaTensor *tp = c->p ? la_test_tensor_f32 (be, 4, p_ne, past) : NULL;
  LaTensor *tw = la_test_tensor_f32 (be, 4, w_ne, w);
  LaTensor *tb = b ? la_test_tensor_f32 (be, 1, b_ne, b) : NULL;
  LaTensor *ty = la_test_tensor_f32 (be, 4, y_ne, NULL);
  GError *error = NULL;
  gdouble *want;
  gfloat *got;

  g_assert_true (la_conv3d (be, ty, tx, tp, tw, tb, &c->prm, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  want = conv_reference (c, past, x, w, b, to, ho, wo);
  la_test_assert_close (got, want, to * c->cout * ho * wo, TOL);

  g_free (want);
  g_free (got);
  la_tensor_free (ty);
  la_tensor_free (tb);
  la_tensor_free (tw);
  la_tensor_free (tp);
  la_tensor_free (tx);
  g_free (b);
  g_free (w);
  g_free (past);
  g_free (x);
}

static void
test_conv3d (void)
{
  static const ConvCase cases[] = {
    /* CausalConv3d k 3, padding 1, with 2 frames of history */
    {3, 2, 3, 4, 5, 6, {{3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1}}, TRUE},
    /* the same at a stream's start (no past: fewer output frames) */
    {3, 0, 2, 3, 4, 7, {{3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1}}, TRUE},
    /* downsample3d's time_conv: (3, 1, 1), stride 2 in time, 1 past frame */
    {4, 1, 3, 3, 3, 5, {{3, 1, 1}, {2, 1, 1}, {0, 0, 0, 0}}, TRUE},
    /* upsample3d's time_conv: (3, 1, 1) into 2C channels */
    {2, 2, 3, 6, 2, 3, {{3, 1, 1}, {1, 1, 1}, {0, 0, 0, 0}}, TRUE},
    /* downsample's Conv2d 3x3 stride 2 after ZeroPad2d (0, 1, 0, 1), odd
     * and even sizes */
    {2, 0, 3, 2, 7, 8, {{1, 3, 3}, {1, 2, 2}, {0, 1, 0, 1}}, TRUE},
    {1, 0, 2, 2, 6, 5, {{1, 3, 3}, {1, 2, 2}, {0, 1, 0, 1}}, FALSE},
    /* shortcut 1x1x1 without bias */
    {2, 0, 5, 3, 3, 4, {{1, 1, 1}, {1, 1, 1}, {0, 0, 0, 0}}, FALSE},
    /* wide rows, several row bands, a kernel wider than tall */
    {1, 2, 2, 3, 19, 37, {{3, 1, 5}, {1, 1, 1}, {0, 0, 2, 2}}, TRUE},
    /* stride 3 in width with uneven padding */
    {1, 0, 2, 2, 5, 11, {{1, 3, 3}, {1, 1, 3}, {2, 0, 1, 2}}, TRUE},
  };
  guint i;

  la_test_seed (1);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    run_conv_case (&cases[i]);
}

/* big enough to be split over threads: the split must not change results */
static void
test_conv3d_threads (void)
{
  ConvCase c = { 2, 2, 16, 16, 40, 44, {{3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1}},
  TRUE
  };

  la_test_seed (7);
  run_conv_case (&c);
}

static void
test_conv3d_by_hand (void)
{
  /* time only: w = (1, 10, 100) over frames past = (1, 2), x = (3) */
  LaConv3dParams time3 = { {3, 1, 1}, {1, 1, 1}, {0, 0, 0, 0} };
  /* space only: a 3x3 box filter with zero padding 1 over a 2x2 picture */
  LaConv3dParams box = { {1, 3, 3}, {1, 1, 1}, {1, 1, 1, 1} };
  gint64 one[4] = { 1, 1, 1, 1 }, two[4] = { 2, 1, 1, 1 };
  gint64 w3[4] = { 1, 1, 3, 1 }, w9[4] = { 1, 1, 1, 9 }, pic[4] = {
    1, 1, 2, 2
  };
  gfloat past_v[2] = { 1, 2 }, x_v[1] = { 3 }, w_v[3] = { 1, 10, 100 };
  gfloat ones[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, p_v[4] = { 1, 2, 3, 4 };
  LaTensor *past = la_test_tensor_f32 (be, 4, two, past_v);
  LaTensor *x = la_test_tensor_f32 (be, 4, one, x_v);
  LaTensor *w = la_test_tensor_f32 (be, 4, w3, w_v);
  LaTensor *y = la_test_tensor_f32 (be, 4, one, NULL);
  LaTensor *bw = la_test_tensor_f32 (be, 4, w9, ones);
  LaTensor *p = la_test_tensor_f32 (be, 4, pic, p_v);
  LaTensor *py = la_test_tensor_f32 (be, 4, pic, NULL);
  GError *error = NULL;
  gfloat *got;
  gint i;

  g_assert_true (la_conv3d (be, y, x, past, w, NULL, &time3, &error));
  got = la_test_download (y);
  g_assert_cmpfloat (got[0], ==, 321.0f);
  g_free (got);

  g_assert_true (la_conv3d (be, py, p, NULL, bw, NULL, &box, &error));
  got = la_test_download (py);
  for (i = 0; i < 4; i++)
    g_assert_cmpfloat (got[i], ==, 10.0f);
  g_free (got);
  g_assert_no_error (error);

  la_tensor_free (py);
  la_tensor_free (p);
  la_tensor_free (bw);
  la_tensor_free (y);
  la_tensor_free (w);
  la_tensor_free (x);
  la_tensor_free (past);
}

static void
test_conv3d_errors (void)
{
  LaConv3dParams k3 = { {3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1} };
  LaConv3dParams bad = { {3, 3, 3}, {0, 1, 1}, {1, 1, 1, 1} };
  gint64 x_ne[4] = { 1, 2, 4, 4 }, p_ne[4] = { 2, 2, 4, 4 };
  gint64 p3_ne[4] = { 2, 3, 4, 4 }, w_ne[4] = { 3, 2, 3, 9 };
  gint64 w_bad[4] = { 3, 2, 3, 8 }, y_ne[4] = { 1, 3, 4, 4 };
  gint64 y_bad[4] = { 2, 3, 4, 4 }, b_bad[1] = { 2 };
  LaTensor *x = la_test_tensor_f32 (be, 4, x_ne, NULL);
  LaTensor *past = la_test_tensor_f32 (be, 4, p_ne, NULL);
  LaTensor *past3 = la_test_tensor_f32 (be, 4, p3_ne, NULL);
  LaTensor *w = la_test_tensor_f32 (be, 4, w_ne, NULL);
  LaTensor *wb = la_test_tensor_f32 (be, 4, w_bad, NULL);
  LaTensor *y = la_test_tensor_f32 (be, 4, y_ne, NULL);
  LaTensor *yb = la_test_tensor_f32 (be, 4, y_bad, NULL);
  LaTensor *bb = la_test_tensor_f32 (be, 1, b_bad, NULL);
  GError *error = NULL;

  /* the good call, so that each failure below has one cause */
  g_assert_true (la_conv3d (be, y, x, past, w, NULL, &k3, &error));
  g_assert_no_error (error);

  la_test_expect_invalid (la_conv3d (be, y, x, past, wb, NULL, &k3, &error),
      &error);
  la_test_expect_invalid (la_conv3d (be, y, x, past3, w, NULL, &k3, &error),
      &error);
  la_test_expect_invalid (la_conv3d (be, yb, x, past, w, NULL, &k3, &error),
      &error);
  la_test_expect_invalid (la_conv3d (be, y, x, past, w, bb, &k3, &error),
      &error);
  la_test_expect_invalid (la_conv3d (be, y, x, past, w, NULL, &bad, &error),
      &error);
  /* one frame, no past: a kernel of 3 frames does not fit */
  la_test_expect_invalid (la_conv3d (be, y, x, NULL, w, NULL, &k3, &error),
      &error);
  /* the output may not be an input */
  la_test_expect_invalid (la_conv3d (be, past, x, past, w, NULL, &k3, &error),
      &error);
  la_test_expect_invalid (la_conv3d (be, y, x, past, w, NULL, NULL, &error),
      &error);

  la_tensor_free (bb);
  la_tensor_free (yb);
  la_tensor_free (y);
  la_tensor_free (wb);
  la_tensor_free (w);
  la_tensor_free (past3);
  la_tensor_free (past);
  la_tensor_free (x);
}

/* ---- per-channel ops ---- */

static void
test_channel_rms_norm (void)
{
  gint64 ne[4] = { 2, 5, 3, 4 }, c_ne[1] = { 5 }, bad_ne[1] = { 4 };
  gint64 n = 2 * 5 * 3 * 4, s = 12, i, ch, p;
  gfloat *x, *g, *b;
  LaTensor *tx, *tg, *tb, *ty, *bad;
  gdouble *want = g_new (gdouble, n);
  GError *error = NULL;
  gfloat *got, *again;

  la_test_seed (3);
  x = la_test_rnd_array (n, 2.0);
  g = la_test_rnd_array (5, 1.0);
  b = la_test_rnd_array (5, 1.0);
  tx = la_test_tensor_f32 (be, 4, ne, x);
  tg = la_test_tensor_f32 (be, 1, c_ne, g);
  tb = la_test_tensor_f32 (be, 1, c_ne, b);
  ty = la_test_tensor_f32 (be, 4, ne, NULL);
  bad = la_test_tensor_f32 (be, 1, bad_ne, NULL);
  for (i = 0; i < 2; i++)
    for (p = 0; p < s; p++) {
      gdouble ss = 0.0;

      for (ch = 0; ch < 5; ch++)
        ss += (gdouble) x[(i * 5 + ch) * s + p] * x[(i * 5 + ch) * s + p];
      for (ch = 0; ch < 5; ch++)
        want[(i * 5 + ch) * s + p] = x[(i * 5 + ch) * s + p]
            / MAX (sqrt (ss), 1e-12) * sqrt (5.0) * g[ch] + b[ch];
    }
  g_assert_true (la_channel_rms_norm (be, ty, tx, tg, tb, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  la_test_assert_close (got, want, n, TOL);

  /* in place */
  g_assert_true (la_channel_rms_norm (be, tx, tx, tg, tb, &error));
  again = la_test_download (tx);
  g_assert_cmpmem (got, n * 4, again, n * 4);

  /* wrong gamma length */
  la_test_expect_invalid (la_channel_rms_norm (be, ty, tx, bad, NULL, &error),
      &error);
  la_test_expect_invalid (la_channel_rms_norm (be, ty, tx, tg, bad, &error),
      &error);

  g_free (again);
  g_free (got);
  g_free (want);
  la_tensor_free (bad);
  la_tensor_free (ty);
  la_tensor_free (tb);
  la_tensor_free (tg);
  la_tensor_free (tx);
  g_free (b);
  g_free (g);
  g_free (x);
}

static void
test_channel_rms_norm_by_hand (void)
{
  /* [C = 2, H = 1, W = 2]: pixel 0 is (3, 4), pixel 1 is zero */
  gint64 ne[3] = { 2, 1, 2 }, c_ne[1] = { 2 };
  gfloat x[4] = { 3, 0, 4, 0 }, g[2] = { 1, 2 };
  LaTensor *tx = la_test_tensor_f32 (be, 3, ne, x);
  LaTensor *tg = la_test_tensor_f32 (be, 1, c_ne, g);
  LaTensor *ty = la_test_tensor_f32 (be, 3, ne, NULL);
  GError *error = NULL;
  gfloat *got;

  g_assert_true (la_channel_rms_norm (be, ty, tx, tg, NULL, &error));
  got = la_test_download (ty);
  /* (3, 4) / 5 * sqrt (2) * (1, 2); the zero pixel stays zero */
  g_assert_cmpfloat_with_epsilon (got[0], 0.6 * G_SQRT2, 1e-6);
  g_assert_cmpfloat_with_epsilon (got[2], 1.6 * G_SQRT2, 1e-6);
  g_assert_cmpfloat (got[1], ==, 0.0f);
  g_assert_cmpfloat (got[3], ==, 0.0f);
  g_free (got);
  la_tensor_free (ty);
  la_tensor_free (tg);
  la_tensor_free (tx);
}

static void
test_channel_affine (void)
{
  /* [C = 3, H = 2, W = 1]: y = x * (1, 2, 3) + (10, 20, 30) */
  gint64 ne[3] = { 3, 2, 1 }, c_ne[1] = { 3 };
  gfloat x[6] = { 1, 2, 3, 4, 5, 6 }, sc[3] = { 1, 2, 3 };
  gfloat sh[3] = { 10, 20, 30 };
  gfloat want[6] = { 11, 12, 26, 28, 45, 48 };
  LaTensor *tx = la_test_tensor_f32 (be, 3, ne, x);
  LaTensor *ts = la_test_tensor_f32 (be, 1, c_ne, sc);
  LaTensor *tsh = la_test_tensor_f32 (be, 1, c_ne, sh);
  GError *error = NULL;
  gfloat *got;

  g_assert_true (la_channel_affine (be, tx, tx, ts, tsh, &error));
  g_assert_no_error (error);
  got = la_test_download (tx);
  g_assert_cmpmem (got, sizeof (want), want, sizeof (want));
  g_free (got);
  la_test_expect_invalid (la_channel_affine (be, tx, tx, ts, NULL, &error),
      &error);
  la_tensor_free (tsh);
  la_tensor_free (ts);
  la_tensor_free (tx);
}

/* ---- elementwise and layout ---- */

static void
test_silu (void)
{
  gint64 ne[1] = { 5 };
  gfloat x[5] = { 0.0f, 1.0f, -1.0f, 30.0f, -200.0f };
  LaTensor *tx = la_test_tensor_f32 (be, 1, ne, x);
  GError *error = NULL;
  gfloat *got;

  g_assert_true (la_silu (be, tx, tx, &error));
  g_assert_no_error (error);
  got = la_test_download (tx);
  g_assert_cmpfloat (got[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (got[1], 1.0 / (1.0 + exp (-1.0)), 1e-7);
  g_assert_cmpfloat_with_epsilon (got[2], -1.0 / (1.0 + exp (1.0)), 1e-7);
  g_assert_cmpfloat_with_epsilon (got[3], 30.0, 1e-5);
  g_assert_cmpfloat (fabsf (got[4]), <, 1e-30f);
  g_free (got);
  la_tensor_free (tx);
}

static void
test_upsample (void)
{
  gint64 x_ne[3] = { 2, 2, 3 }, y_ne[3] = { 2, 4, 6 }, bad[3] = { 2, 4, 5 };
  gfloat x[12];
  LaTensor *tx, *ty, *tb;
  GError *error = NULL;
  gfloat *got;
  gint n, i, j;

  for (i = 0; i < 12; i++)
    x[i] = (gfloat) i;
  tx = la_test_tensor_f32 (be, 3, x_ne, x);
  ty = la_test_tensor_f32 (be, 3, y_ne, NULL);
  tb = la_test_tensor_f32 (be, 3, bad, NULL);
  g_assert_true (la_upsample_nearest_2x (be, ty, tx, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (n = 0; n < 2; n++)
    for (i = 0; i < 4; i++)
      for (j = 0; j < 6; j++)
        g_assert_cmpfloat (got[(n * 4 + i) * 6 + j], ==,
            x[(n * 2 + i / 2) * 3 + j / 2]);
  g_free (got);
  la_test_expect_invalid (la_upsample_nearest_2x (be, tb, tx, &error), &error);
  la_tensor_free (tb);
  la_tensor_free (ty);
  la_tensor_free (tx);
}

static void
test_transpose (void)
{
  /* x [B 2, M 3, N 4, S 5] -> y [2, 4, 3, 5], and a plain matrix */
  gint64 x_ne[4] = { 2, 3, 4, 5 }, y_ne[4] = { 2, 4, 3, 5 };
  gint64 m_ne[4] = { 1, 2, 3, 1 }, mt_ne[4] = { 1, 3, 2, 1 };
  gfloat x[120], m[6] = { 1, 2, 3, 4, 5, 6 }, mt[6] = { 1, 4, 2, 5, 3, 6 };
  LaTensor *tx, *ty, *tm, *tmt, *tb;
  GError *error = NULL;
  gfloat *got;
  gint b, i, j, s;

  for (i = 0; i < 120; i++)
    x[i] = (gfloat) i;
  tx = la_test_tensor_f32 (be, 4, x_ne, x);
  ty = la_test_tensor_f32 (be, 4, y_ne, NULL);
  g_assert_true (la_transpose (be, ty, tx, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (b = 0; b < 2; b++)
    for (i = 0; i < 3; i++)
      for (j = 0; j < 4; j++)
        for (s = 0; s < 5; s++)
          g_assert_cmpfloat (got[((b * 4 + j) * 3 + i) * 5 + s], ==,
              x[((b * 3 + i) * 4 + j) * 5 + s]);
  g_free (got);

  tm = la_test_tensor_f32 (be, 4, m_ne, m);
  tmt = la_test_tensor_f32 (be, 4, mt_ne, NULL);
  g_assert_true (la_transpose (be, tmt, tm, &error));
  got = la_test_download (tmt);
  g_assert_cmpmem (got, sizeof (mt), mt, sizeof (mt));
  g_free (got);
  /* x's own shape is not the transposed shape */
  tb = la_test_tensor_f32 (be, 4, x_ne, NULL);
  la_test_expect_invalid (la_transpose (be, tb, tx, &error), &error);
  la_tensor_free (tb);

  la_tensor_free (tmt);
  la_tensor_free (tm);
  la_tensor_free (ty);
  la_tensor_free (tx);
}

static void
test_clamp (void)
{
  gint64 ne[1] = { 5 };
  gfloat x[5] = { -3.0f, -1.0f, 0.25f, 1.5f, NAN };
  LaTensor *tx = la_test_tensor_f32 (be, 1, ne, x);
  LaTensor *ty = la_test_tensor_f32 (be, 1, ne, NULL);
  GError *error = NULL;
  gfloat *got;

  g_assert_true (la_clamp (be, ty, tx, -1.0f, 1.0f, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  g_assert_cmpfloat (got[0], ==, -1.0f);
  g_assert_cmpfloat (got[1], ==, -1.0f);
  g_assert_cmpfloat (got[2], ==, 0.25f);
  g_assert_cmpfloat (got[3], ==, 1.0f);
  g_assert_true (isnan (got[4]));
  g_free (got);
  la_test_expect_invalid (la_clamp (be, ty, tx, 1.0f, -1.0f, &error), &error);
  la_test_expect_invalid (la_clamp (be, ty, tx, NAN, 1.0f, &error), &error);
  la_tensor_free (ty);
  la_tensor_free (tx);
}

static void
test_support (void)
{
  static const LaOp ops[] = {
    LA_OP_CONV3D, LA_OP_CHANNEL_RMS_NORM, LA_OP_CHANNEL_AFFINE, LA_OP_SILU,
    LA_OP_UPSAMPLE_NEAREST_2X, LA_OP_TRANSPOSE, LA_OP_CLAMP
  };
  guint i;

  /* the CUDA backend's pairs: every float storage type (the CPU widens
   * bf16 and f16 to run its fp32 code), never FP8 or I32 */
  for (i = 0; i < G_N_ELEMENTS (ops); i++) {
    g_assert_true (la_backend_supports_op (be, ops[i], LA_DTYPE_F32));
    g_assert_true (la_backend_supports_op (be, ops[i], LA_DTYPE_BF16));
    g_assert_true (la_backend_supports_op (be, ops[i], LA_DTYPE_F16));
    g_assert_false (la_backend_supports_op (be, ops[i], LA_DTYPE_FP8_E4M3));
    g_assert_false (la_backend_supports_op (be, ops[i], LA_DTYPE_I32));
    g_assert_cmpstr (la_op_name (ops[i]), !=, "invalid");
  }
  g_assert_cmpstr (la_op_name (LA_OP_CONV3D), ==, "conv3d");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  be = la_test_cpu ();

  g_test_add_func ("/vae/ops/conv3d", test_conv3d);
  g_test_add_func ("/vae/ops/conv3d-threads", test_conv3d_threads);
  g_test_add_func ("/vae/ops/conv3d-by-hand", test_conv3d_by_hand);
  g_test_add_func ("/vae/ops/conv3d-errors", test_conv3d_errors);
  g_test_add_func ("/vae/ops/channel-rms-norm", test_channel_rms_norm);
  g_test_add_func ("/vae/ops/channel-rms-norm-by-hand",
      test_channel_rms_norm_by_hand);
  g_test_add_func ("/vae/ops/channel-affine", test_channel_affine);
  g_test_add_func ("/vae/ops/silu", test_silu);
  g_test_add_func ("/vae/ops/upsample-nearest-2x", test_upsample);
  g_test_add_func ("/vae/ops/transpose", test_transpose);
  g_test_add_func ("/vae/ops/clamp", test_clamp);
  g_test_add_func ("/vae/ops/support", test_support);
  ret = g_test_run ();

  la_backend_free (be);
  return ret;
}
