/* liveavatar: the CPU reference ops against double-precision formulas
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The CPU backend is the oracle for every other backend, so it is checked
 * against the math itself: each op's formula is written out again here, in
 * double, straight from its definition (for RoPE: from Wan's rope_params /
 * rope_apply, building the frequency table the way Wan does), on small
 * shapes with random data from a fixed seed.
 *
 * Tolerance: every element within 1e-5 * (1 + |expected|) (fp32 rounding
 * over at most a few hundred terms stays well inside it); the in-place
 * variants must give bit-identical results to the out-of-place ones.
 * A few results are also checked against values worked out by hand. */

#include "config.h"

#include "la-backend.h"
#include "test-common.h"

#include <math.h>
#include <string.h>

#define TOL 1e-5

static LaBackend *be;

/* ---- helpers ---- */

static gfloat *
rnd_array (gsize n, gdouble amp, gdouble offset)
{
  gfloat *a = g_new (gfloat, n);
  gsize i;

  for (i = 0; i < n; i++)
    a[i] = (gfloat) (offset + amp * la_test_rnd ());
  return a;
}

static void
assert_close (const gchar * what, const gfloat * got, const gdouble * want,
    gsize n)
{
  gsize i;

  /* la_test_assert_close (), but naming the check that failed */
  for (i = 0; i < n; i++) {
    gdouble err = fabs ((gdouble) got[i] - want[i]);

    if (!(err <= TOL * (1.0 + fabs (want[i]))))
      g_error ("%s: element %" G_GSIZE_FORMAT ": got %.9g, expected %.9g",
          what, i, got[i], want[i]);
  }
}

/* ---- linear ---- */

static void
check_linear (gint64 outer, gint64 rows, gint64 in, gint64 out,
    gboolean with_bias)
{
  GError *error = NULL;
  gint64 x_ne[] = { outer, rows, in }, y_ne[] = { outer, rows, out };
  gint64 w_ne[] = { out, in };
  gint64 m = outer * rows;
  gfloat *x = rnd_array (m * in, 1.0, 0.0), *w = rnd_array (out * in, 1.0,
      0.0), *b = rnd_array (out, 1.0, 0.0), *got;
  gdouble *want = g_new (gdouble, m * out);
  LaTensor *tx = la_test_tensor_f32 (be, 3, x_ne, x);
  LaTensor *tw = la_test_tensor_f32 (be, 2, w_ne, w);
  LaTensor *tb = la_test_tensor_f32 (be, 1, &out, b);
  LaTensor *ty = la_test_tensor_f32 (be, 3, y_ne, NULL);
  gint64 i, o, k;

  g_assert_true (la_linear (be, ty, tx, tw, with_bias ? tb : NULL, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (i = 0; i < m; i++)
    for (o = 0; o < out; o++) {
      gdouble s = with_bias ? b[o] : 0.0;

      for (k = 0; k < in; k++)
        s += (gdouble) x[i * in + k] * w[o * in + k];
      want[i * out + o] = s;
    }
  assert_close ("linear", got, want, m * out);

  g_free (got);
  g_free (want);
  g_free (x);
  g_free (w);
  g_free (b);
  la_tensor_free (tx);
  la_tensor_free (tw);
  la_tensor_free (tb);
  la_tensor_free (ty);
}

static void
test_linear (void)
{
  la_test_seed (1);
  check_linear (1, 5, 37, 11, TRUE);
  check_linear (1, 5, 37, 11, FALSE);
  check_linear (2, 3, 64, 1, TRUE);
  check_linear (1, 1, 1, 7, TRUE);
}

/* a hand-sized case: [1 2; 3 4] [1 0 1; 0 1 1]^T + [10 20 30] */
static void
test_linear_by_hand (void)
{
  GError *error = NULL;
  gint64 x_ne[] = { 2, 2 }, w_ne[] = { 3, 2 }, y_ne[] = { 2, 3 }, b_n = 3;
  gfloat x[] = { 1, 2, 3, 4 }, w[] = { 1, 0, 0, 1, 1, 1 }, b[] = { 10, 20,
    30
  }, *got;
  gfloat want[] = { 11, 22, 33, 13, 24, 37 };
  LaTensor *tx = la_test_tensor_f32 (be, 2, x_ne, x);
  LaTensor *tw = la_test_tensor_f32 (be, 2, w_ne, w);
  LaTensor *tb = la_test_tensor_f32 (be, 1, &b_n, b);
  LaTensor *ty = la_test_tensor_f32 (be, 2, y_ne, NULL);
  gint i;

  g_assert_true (la_linear (be, ty, tx, tw, tb, &error));
  got = la_test_download (ty);
  for (i = 0; i < 6; i++)
    g_assert_cmpfloat (got[i], ==, want[i]);
  g_free (got);
  la_tensor_free (tx);
  la_tensor_free (tw);
  la_tensor_free (tb);
  la_tensor_free (ty);
}

/* ---- rms_norm ---- */

static void
test_rms_norm (void)
{
  GError *error = NULL;
  const gint64 rows = 7, cols = 33;
  gint64 ne[] = { rows, cols };
  const gfloat eps = 1e-6f;
  gfloat *x, *w, *got, *got2;
  gdouble *want = g_new (gdouble, rows * cols);
  LaTensor *tx, *tw, *ty;
  gint64 r, c;

  la_test_seed (2);
  x = rnd_array (rows * cols, 2.0, 0.0);
  w = rnd_array (cols, 0.5, 1.0);
  for (c = 0; c < cols; c++)
    x[3 * cols + c] = 0.0f;     /* an all-zero row: eps keeps it finite */
  tx = la_test_tensor_f32 (be, 2, ne, x);
  tw = la_test_tensor_f32 (be, 1, &ne[1], w);
  ty = la_test_tensor_f32 (be, 2, ne, NULL);

  g_assert_true (la_rms_norm (be, ty, tx, tw, eps, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (r = 0; r < rows; r++) {
    gdouble ms = 0.0;

    for (c = 0; c < cols; c++)
      ms += (gdouble) x[r * cols + c] * x[r * cols + c];
    ms /= cols;
    for (c = 0; c < cols; c++)
      want[r * cols + c] = x[r * cols + c] / sqrt (ms + eps) * w[c];
  }
  assert_close ("rms_norm", got, want, rows * cols);
  for (c = 0; c < cols; c++)
    g_assert_cmpfloat (got[3 * cols + c], ==, 0.0f);

  /* in place gives the same bits */
  g_assert_true (la_rms_norm (be, tx, tx, tw, eps, &error));
  got2 = la_test_download (tx);
  g_assert_cmpmem (got, rows * cols * 4, got2, rows * cols * 4);

  g_free (got);
  g_free (got2);
  g_free (want);
  g_free (x);
  g_free (w);
  la_tensor_free (tx);
  la_tensor_free (tw);
  la_tensor_free (ty);
}

/* ---- layer_norm_modulate ---- */

static void
check_layer_norm (gint64 rows, gint64 cols, gint64 groups, gboolean modulate)
{
  GError *error = NULL;
  gint64 ne[] = { rows, cols }, p_ne[] = { groups, cols };
  const gfloat eps = 1e-6f;
  gfloat *x = rnd_array (rows * cols, 1.5, 0.7);
  gfloat *scale = rnd_array (groups * cols, 0.5, 0.0);
  gfloat *shift = rnd_array (groups * cols, 0.5, 0.0), *got;
  gdouble *want = g_new (gdouble, rows * cols);
  LaTensor *tx = la_test_tensor_f32 (be, 2, ne, x);
  LaTensor *ty = la_test_tensor_f32 (be, 2, ne, NULL);
  LaTensor *tscale = la_test_tensor_f32 (be, 2, p_ne, scale);
  LaTensor *tshift = la_test_tensor_f32 (be, 2, p_ne, shift);
  gint64 r, c;

  g_assert_true (la_layer_norm_modulate (be, ty, tx,
          modulate ? tscale : NULL, modulate ? tshift : NULL, eps, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (r = 0; r < rows; r++) {
    gdouble mean = 0.0, var = 0.0;
    gint64 g = r / (rows / groups);

    for (c = 0; c < cols; c++)
      mean += x[r * cols + c];
    mean /= cols;
    for (c = 0; c < cols; c++)
      var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
    var /= cols;
    for (c = 0; c < cols; c++) {
      gdouble n = (x[r * cols + c] - mean) / sqrt (var + eps);

      want[r * cols + c] = modulate ? n * (1.0 + scale[g * cols + c]) +
          shift[g * cols + c] : n;
    }
  }
  assert_close ("layer_norm_modulate", got, want, rows * cols);

  g_free (got);
  g_free (want);
  g_free (x);
  g_free (scale);
  g_free (shift);
  la_tensor_free (tx);
  la_tensor_free (ty);
  la_tensor_free (tscale);
  la_tensor_free (tshift);
}

static void
test_layer_norm_modulate (void)
{
  la_test_seed (3);
  check_layer_norm (12, 40, 3, TRUE);   /* per-frame: 3 frames of 4 rows */
  check_layer_norm (5, 17, 1, TRUE);
  check_layer_norm (5, 64, 1, FALSE);
  check_layer_norm (1, 1, 1, TRUE);     /* one column: normalises to 0 */
}

/* ---- gelu_tanh ---- */

static void
test_gelu_tanh (void)
{
  GError *error = NULL;
  gint64 n = 257;
  gfloat *x, *got;
  gdouble *want = g_new (gdouble, n);
  LaTensor *tx, *ty;
  gint64 i;

  la_test_seed (4);
  x = rnd_array (n, 6.0, 0.0);
  x[0] = 0.0f;
  tx = la_test_tensor_f32 (be, 1, &n, x);
  ty = la_test_tensor_f32 (be, 1, &n, NULL);
  g_assert_true (la_gelu_tanh (be, ty, tx, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (i = 0; i < n; i++) {
    gdouble v = x[i];

    want[i] = 0.5 * v * (1.0 + tanh (sqrt (2.0 / G_PI) * (v + 0.044715 * v *
                v * v)));
  }
  assert_close ("gelu_tanh", got, want, n);
  g_assert_cmpfloat (got[0], ==, 0.0f);
  g_free (got);
  g_free (want);
  g_free (x);
  la_tensor_free (tx);
  la_tensor_free (ty);
}

/* ---- rope_3d ---- */

/* Wan's table, built as wan/modules/model.py does it: three rope_params
 * tables of widths d - 4 (d / 6), 2 (d / 6), 2 (d / 6), each
 * freqs[p][j] = p / theta^(2j / width), concatenated, then split for
 * rope_apply at c - 2 (c / 3), c / 3, c / 3 complex entries. */
static void
wan_angles (gint64 d, gdouble theta, const gint32 * pos, gdouble * angle)
{
  gint64 widths[3] = { d - 4 * (d / 6), 2 * (d / 6), 2 * (d / 6) };
  gint64 c = d / 2, split[3] = { c - 2 * (c / 3), c / 3, c / 3 };
  gint64 axis, j, at = 0;

  for (axis = 0; axis < 3; axis++) {
    g_assert_cmpint (widths[axis] / 2, ==, split[axis]);
    for (j = 0; j < widths[axis]; j += 2)
      angle[at++] = pos[axis] * (1.0 / pow (theta,
              (gdouble) j / (gdouble) widths[axis]));
  }
  g_assert_cmpint (at, ==, c);
}

static void
check_rope (gint64 batch, gint64 seq, gint64 heads, gint64 d)
{
  GError *error = NULL;
  gint64 ne[] = { batch, seq, heads, d }, pos_ne[] = { seq, 3 };
  const gdouble theta = 10000.0;
  gint64 n = batch * seq * heads * d, c = d / 2, b, l, h, j;
  gfloat *x = rnd_array (n, 1.0, 0.0), *pos_f = g_new (gfloat, seq * 3);
  gint32 *pos = g_new (gint32, seq * 3);
  gdouble *want = g_new (gdouble, n), *angle = g_new (gdouble, c);
  gfloat *got, *got2;
  LaTensor *tx, *ty, *tpos;

  for (l = 0; l < seq * 3; l++) {
    pos[l] = (gint32) floor (la_test_rnd () * 30.0);    /* negative ones included */
    pos_f[l] = (gfloat) pos[l];
  }
  tx = la_test_tensor_f32 (be, 4, ne, x);
  ty = la_test_tensor_f32 (be, 4, ne, NULL);
  tpos = la_tensor_new (be, LA_DTYPE_I32, 2, pos_ne, &error);
  g_assert_true (la_tensor_set_f32 (tpos, pos_f, seq * 3, &error));

  g_assert_true (la_rope_3d (be, ty, tx, tpos, (gfloat) theta, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (b = 0; b < batch; b++)
    for (l = 0; l < seq; l++) {
      wan_angles (d, theta, pos + 3 * l, angle);
      for (h = 0; h < heads; h++)
        for (j = 0; j < c; j++) {
          gint64 at = ((b * seq + l) * heads + h) * d + 2 * j;
          gdouble re = x[at], im = x[at + 1];

          /* (re + i im) * e^(i angle) */
          want[at] = re * cos (angle[j]) - im * sin (angle[j]);
          want[at + 1] = re * sin (angle[j]) + im * cos (angle[j]);
        }
    }
  assert_close ("rope_3d", got, want, n);

  g_assert_true (la_rope_3d (be, tx, tx, tpos, (gfloat) theta, &error));
  got2 = la_test_download (tx);
  g_assert_cmpmem (got, n * 4, got2, n * 4);

  g_free (got);
  g_free (got2);
  g_free (want);
  g_free (angle);
  g_free (x);
  g_free (pos);
  g_free (pos_f);
  la_tensor_free (tx);
  la_tensor_free (ty);
  la_tensor_free (tpos);
}

static void
test_rope_3d (void)
{
  la_test_seed (5);
  check_rope (1, 6, 2, 128);
  check_rope (2, 3, 3, 12);
  check_rope (1, 2, 1, 6);
}

/* The frequency split for Wan's head dim 128, by hand: pairs 0..21 are
 * time (ladder theta^(-j/22)), 22..42 height and 43..63 width (ladders
 * theta^(-j/21)). A unit vector (1, 0) in one pair comes out as
 * (cos a, sin a). */
static void
test_rope_3d_split_by_hand (void)
{
  GError *error = NULL;
  gint64 ne[] = { 4, 1, 128 }, pos_ne[] = { 4, 3 };
  gfloat pos[] = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 };
  gfloat x[4 * 128], *got;
  LaTensor *tx, *ty, *tpos;
  struct
  {
    gint token, pair;
    gdouble angle;
  } checks[] = {
    {0, 0, 1.0},                /* t = 1, first time pair */
    {0, 21, 1.0 * pow (10000.0, -21.0 / 22.0)}, /* last time pair */
    {0, 22, 0.0},               /* height untouched by t */
    {1, 21, 0.0},
    {1, 22, 1.0},               /* h = 1, first height pair */
    {1, 42, pow (10000.0, -20.0 / 21.0)},       /* last height pair */
    {1, 43, 0.0},
    {2, 43, 1.0},               /* w = 1, first width pair */
    {2, 63, pow (10000.0, -20.0 / 21.0)},
    {2, 0, 0.0},
    {3, 30, 0.0},               /* position (0, 0, 0): identity */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (i % 2 == 0) ? 1.0f : 0.0f;
  tx = la_test_tensor_f32 (be, 3, ne, x);
  ty = la_test_tensor_f32 (be, 3, ne, NULL);
  tpos = la_tensor_new (be, LA_DTYPE_I32, 2, pos_ne, NULL);
  la_tensor_set_f32 (tpos, pos, 12, NULL);
  g_assert_true (la_rope_3d (be, ty, tx, tpos, 10000.0f, &error));
  got = la_test_download (ty);
  for (i = 0; i < G_N_ELEMENTS (checks); i++) {
    gint at = checks[i].token * 128 + 2 * checks[i].pair;

    g_assert_cmpfloat_with_epsilon (got[at], cos (checks[i].angle), 1e-6);
    g_assert_cmpfloat_with_epsilon (got[at + 1], sin (checks[i].angle), 1e-6);
  }
  g_free (got);
  la_tensor_free (tx);
  la_tensor_free (ty);
  la_tensor_free (tpos);
}

/* ---- attention ---- */

static void
check_attention (gint64 batch, gint64 lq, gint64 lk, gint64 heads, gint64 d,
    gfloat scale_arg, gdouble amp)
{
  GError *error = NULL;
  gint64 q_ne[] = { batch, lq, heads, d }, k_ne[] = { batch, lk, heads, d };
  gint64 nq = batch * lq * heads * d, nk = batch * lk * heads * d;
  gint64 row = heads * d, b, h, i, j, e;
  gdouble scale = scale_arg > 0 ? scale_arg : 1.0 / sqrt ((gdouble) d);
  gfloat *q = rnd_array (nq, amp, 0.0), *k = rnd_array (nk, amp, 0.0);
  gfloat *v = rnd_array (nk, 1.0, 0.0), *got;
  gdouble *want = g_new0 (gdouble, nq), *p = g_new (gdouble, lk);
  LaTensor *tq = la_test_tensor_f32 (be, 4, q_ne, q);
  LaTensor *tk = la_test_tensor_f32 (be, 4, k_ne, k);
  LaTensor *tv = la_test_tensor_f32 (be, 4, k_ne, v);
  LaTensor *to = la_test_tensor_f32 (be, 4, q_ne, NULL);

  g_assert_true (la_attention (be, to, tq, tk, tv, scale_arg, &error));
  g_assert_no_error (error);
  got = la_test_download (to);
  for (b = 0; b < batch; b++)
    for (h = 0; h < heads; h++)
      for (i = 0; i < lq; i++) {
        gdouble max = -INFINITY, sum = 0.0;
        const gfloat *q_i = q + (b * lq + i) * row + h * d;

        for (j = 0; j < lk; j++) {
          const gfloat *k_j = k + (b * lk + j) * row + h * d;
          gdouble s = 0.0;

          for (e = 0; e < d; e++)
            s += (gdouble) q_i[e] * k_j[e];
          p[j] = s * scale;
          max = MAX (max, p[j]);
        }
        for (j = 0; j < lk; j++)
          sum += (p[j] = exp (p[j] - max));
        for (j = 0; j < lk; j++)
          for (e = 0; e < d; e++)
            want[(b * lq + i) * row + h * d + e] += p[j] / sum *
                v[(b * lk + j) * row + h * d + e];
      }
  assert_close ("attention", got, want, nq);

  g_free (got);
  g_free (want);
  g_free (p);
  g_free (q);
  g_free (k);
  g_free (v);
  la_tensor_free (tq);
  la_tensor_free (tk);
  la_tensor_free (tv);
  la_tensor_free (to);
}

static void
test_attention (void)
{
  la_test_seed (6);
  check_attention (1, 5, 9, 3, 16, 0.0f, 1.0);
  check_attention (2, 4, 3, 2, 8, 0.0f, 2.0);
  check_attention (1, 3, 7, 1, 12, 0.5f, 3.0);  /* explicit scale, peaky */
  check_attention (1, 2, 1, 2, 4, 0.0f, 1.0);   /* one key: o = v */
}

/* ---- add, mul, gated_residual, euler_step ---- */

static void
test_elementwise (void)
{
  GError *error = NULL;
  const gint64 rows = 6, cols = 10, n = rows * cols;
  gint64 ne[] = { rows, cols }, g_ne[] = { 3, cols };
  gfloat *a, *b, *row_b, *gate, *gotv;
  gdouble *want = g_new (gdouble, n);
  LaTensor *ta, *tb, *trow, *tgate, *ty;
  gint64 i;

  la_test_seed (7);
  a = rnd_array (n, 1.0, 0.0);
  b = rnd_array (n, 1.0, 0.0);
  row_b = rnd_array (cols, 1.0, 0.0);
  gate = rnd_array (3 * cols, 1.0, 0.0);
  ta = la_test_tensor_f32 (be, 2, ne, a);
  tb = la_test_tensor_f32 (be, 2, ne, b);
  trow = la_test_tensor_f32 (be, 1, &ne[1], row_b);
  tgate = la_test_tensor_f32 (be, 2, g_ne, gate);
  ty = la_test_tensor_f32 (be, 2, ne, NULL);

  g_assert_true (la_add (be, ty, ta, tb, &error));
  gotv = la_test_download (ty);
  for (i = 0; i < n; i++)
    want[i] = (gdouble) a[i] + b[i];
  assert_close ("add", gotv, want, n);
  g_free (gotv);

  g_assert_true (la_mul (be, ty, ta, trow, &error));
  gotv = la_test_download (ty);
  for (i = 0; i < n; i++)
    want[i] = (gdouble) a[i] * row_b[i % cols];
  assert_close ("mul (row broadcast)", gotv, want, n);
  g_free (gotv);

  g_assert_true (la_gated_residual (be, ty, ta, tgate, tb, &error));
  gotv = la_test_download (ty);
  for (i = 0; i < n; i++)
    want[i] = a[i] + (gdouble) gate[(i / cols / 2) * cols + i % cols] * b[i];
  assert_close ("gated_residual (3 groups)", gotv, want, n);
  g_free (gotv);

  g_assert_true (la_gated_residual (be, ty, ta, trow, tb, &error));
  gotv = la_test_download (ty);
  for (i = 0; i < n; i++)
    want[i] = a[i] + (gdouble) row_b[i % cols] * b[i];
  assert_close ("gated_residual (one gate)", gotv, want, n);
  g_free (gotv);

  g_assert_true (la_euler_step (be, ty, ta, tb, -0.25f, &error));
  gotv = la_test_download (ty);
  for (i = 0; i < n; i++)
    want[i] = a[i] - 0.25 * b[i];
  assert_close ("euler_step", gotv, want, n);
  g_free (gotv);

  /* in place: x += dt v, twice, is x + 2 dt v */
  g_assert_true (la_euler_step (be, ta, ta, tb, 0.5f, &error));
  g_assert_true (la_euler_step (be, ta, ta, tb, 0.5f, &error));
  g_assert_no_error (error);
  gotv = la_test_download (ta);
  for (i = 0; i < n; i++)
    want[i] = a[i] + 1.0 * b[i];
  assert_close ("euler_step in place", gotv, want, n);
  g_free (gotv);

  g_free (want);
  g_free (a);
  g_free (b);
  g_free (row_b);
  g_free (gate);
  la_tensor_free (ta);
  la_tensor_free (tb);
  la_tensor_free (trow);
  la_tensor_free (tgate);
  la_tensor_free (ty);
}

/* ---- convert ---- */

static void
test_convert (void)
{
  GError *error = NULL;
  gint64 n = 64;
  gfloat *x, back[64];
  guint16 raw16[64], want16[64];
  guint8 raw8[64];
  LaTensor *tx, *tbf, *tfp8, *tf32;
  gint64 i;

  la_test_seed (8);
  x = rnd_array (n, 600.0, 0.0);        /* spans fp8's saturation */
  x[0] = 1.0f + ldexpf (1, -8);
  tx = la_test_tensor_f32 (be, 1, &n, x);
  tbf = la_tensor_new (be, LA_DTYPE_BF16, 1, &n, NULL);
  tfp8 = la_tensor_new (be, LA_DTYPE_FP8_E4M3, 1, &n, NULL);
  tf32 = la_tensor_new (be, LA_DTYPE_F32, 1, &n, NULL);

  g_assert_true (la_convert (be, tbf, tx, &error));
  g_assert_no_error (error);
  la_tensor_get_data (tbf, 0, raw16, sizeof (raw16), NULL);
  for (i = 0; i < n; i++)
    want16[i] = la_f32_to_bf16 (x[i]);
  g_assert_cmpmem (raw16, sizeof (raw16), want16, sizeof (want16));
  g_assert_cmphex (raw16[0], ==, 0x3f80);

  /* bf16 -> fp8 -> f32 */
  g_assert_true (la_convert (be, tfp8, tbf, &error));
  la_tensor_get_data (tfp8, 0, raw8, sizeof (raw8), NULL);
  g_assert_true (la_convert (be, tf32, tfp8, &error));
  la_tensor_get_f32 (tf32, back, n, NULL);
  for (i = 0; i < n; i++) {
    g_assert_cmphex (raw8[i], ==, la_f32_to_fp8_e4m3 (la_bf16_to_f32
            (want16[i])));
    g_assert_cmpfloat (back[i], ==, la_fp8_e4m3_to_f32 (raw8[i]));
    g_assert_cmpfloat (fabsf (back[i]), <=, 448.0f);
  }

  g_free (x);
  la_tensor_free (tx);
  la_tensor_free (tbf);
  la_tensor_free (tfp8);
  la_tensor_free (tf32);
}

int
main (int argc, char **argv)
{
  gint ret;

  g_test_init (&argc, &argv, NULL);
  be = la_backend_new (LA_BACKEND_CPU, 0, NULL);

  g_test_add_func ("/backend/cpu/linear", test_linear);
  g_test_add_func ("/backend/cpu/linear-by-hand", test_linear_by_hand);
  g_test_add_func ("/backend/cpu/rms-norm", test_rms_norm);
  g_test_add_func ("/backend/cpu/layer-norm-modulate",
      test_layer_norm_modulate);
  g_test_add_func ("/backend/cpu/gelu-tanh", test_gelu_tanh);
  g_test_add_func ("/backend/cpu/rope-3d", test_rope_3d);
  g_test_add_func ("/backend/cpu/rope-3d-split-by-hand",
      test_rope_3d_split_by_hand);
  g_test_add_func ("/backend/cpu/attention", test_attention);
  g_test_add_func ("/backend/cpu/elementwise", test_elementwise);
  g_test_add_func ("/backend/cpu/convert", test_convert);

  ret = g_test_run ();
  la_backend_free (be);
  return ret;
}
