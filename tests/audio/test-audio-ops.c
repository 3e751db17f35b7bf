/* liveavatar: the audio encoder's CPU ops against their definitions
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* conv1d and gelu_erf on the CPU backend: each against its formula written
 * out again here in double (conv1d as one explicit sum per output over a
 * zero-padded copy of the input, the plainest reading of the header), on
 * the shapes wav2vec2 uses and on odd ones, values worked out by hand, and
 * the argument checks.
 *
 * Tolerance: every element within 1e-5 * (1 + |expected|); in-place GELU
 * bit-identical to out-of-place; the threaded conv bit-identical to a
 * single-threaded run of the same rows. */

#include "config.h"

#include "audio-test-util.h"
#include "la-backend.h"
#include "liveavatar.h"

#include <math.h>
#include <string.h>

#define TOL 1e-5

static LaBackend *be;

/* ---- conv1d ---- */

typedef struct
{
  gint64 l, cin, cout, kernel;
  gint stride, pad0, pad1, groups;
  gboolean bias;
} ConvCase;

/* the definition: pad with zeros, then y[t, co] = bias + sum over the
 * group's channels and the kernel */
static gdouble *
conv1d_reference (const ConvCase * c, const gfloat * x, const gfloat * w,
    const gfloat * b, gint64 lo)
{
  gint64 lp = c->l + c->pad0 + c->pad1;
  gint64 cin_g = c->cin / c->groups, cout_g = c->cout / c->groups;
  gdouble *padded = g_new0 (gdouble, lp * c->cin);
  gdouble *y = g_new (gdouble, lo * c->cout);
  gint64 t, co, ci, k;

  for (t = 0; t < c->l; t++)
    for (ci = 0; ci < c->cin; ci++)
      padded[(t + c->pad0) * c->cin + ci] = x[t * c->cin + ci];
  for (t = 0; t < lo; t++)
    for (co = 0; co < c->cout; co++) {
      gint64 g = co / cout_g;
      gdouble acc = b ? b[co] : 0.0;

      for (ci = 0; ci < cin_g; ci++)
        for (k = 0; k < c->kernel; k++)
          acc += (gdouble) w[(co * cin_g + ci) * c->kernel + k]
              * padded[(t * c->stride + k) * c->cin + g * cin_g + ci];
      y[t * c->cout + co] = acc;
    }
  g_free (padded);
  return y;
}

static void
run_conv_case (const ConvCase * c)
{
  gint64 lo = (c->l + c->pad0 + c->pad1 - c->kernel) / c->stride + 1;
  gint64 xne[2] = { c->l, c->cin }, yne[2] = { lo, c->cout };
  gint64 wne[3] = { c->cout, c->cin / c->groups, c->kernel };
  gint64 bne[1] = { c->cout };
  gfloat *x = la_test_rnd_array (c->l * c->cin, 1.0);
  gfloat *w = la_test_rnd_array (wne[0] * wne[1] * wne[2], 0.5);
  gfloat *b = c->bias ? la_test_rnd_array (c->cout, 0.5) : NULL;
  LaTensor *tx = la_test_tensor_f32 (be, 2, xne, x);
  LaTensor *tw = la_test_tensor_f32 (be, 3, wne, w);
  LaTensor *tb = b ? la_test_tensor_f32 (be, 1, bne, b) : NULL;
  LaTensor *ty = la_test_tensor_f32 (be, 2, yne, NULL);
  LaConv1dParams p = { c->stride, {c->pad0, c->pad1}, c->groups };
  GError *error = NULL;
  gdouble *want;
  gfloat *got;

  g_assert_true (la_conv1d (be, ty, tx, tw, tb, &p, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  want = conv1d_reference (c, x, w, b, lo);
  la_test_assert_close (got, want, lo * c->cout, TOL);

  g_free (got);
  g_free (want);
  la_tensor_free (ty);
  if (tb)
    la_tensor_free (tb);
  la_tensor_free (tw);
  la_tensor_free (tx);
  g_free (b);
  g_free (w);
  g_free (x);
}

static void
test_conv1d (void)
{
  static const ConvCase cases[] = {
    /* the feature extractor's first layer: one channel in, k 10, s 5 */
    {203, 1, 8, 10, 5, 0, 0, 1, TRUE},
    /* its later layers: k 3 s 2, k 2 s 2, no bias */
    {51, 8, 6, 3, 2, 0, 0, 1, FALSE},
    {50, 6, 6, 2, 2, 0, 0, 1, TRUE},
    /* the positional conv: even kernel, padding K/2 and K/2 - 1, groups */
    {37, 16, 16, 16, 1, 8, 7, 4, TRUE},
    /* odd kernel, symmetric padding, groups of one channel */
    {9, 5, 10, 5, 1, 2, 2, 5, TRUE},
    /* padding only after, stride 3, a kernel longer than the input */
    {4, 3, 6, 6, 3, 0, 5, 3, TRUE},
    /* a single output frame */
    {7, 2, 3, 7, 4, 0, 0, 1, FALSE},
  };
  guint i;

  la_test_seed (1);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    run_conv_case (&cases[i]);
}

/* enough work for la_cpu_parallel_for to use threads: the result must not
 * depend on how the rows are split */
static void
test_conv1d_threads (void)
{
  ConvCase c = { 700, 64, 64, 16, 1, 8, 7, 2, TRUE };

  la_test_seed (2);
  run_conv_case (&c);
}

/* worked out by hand: x = 1, 2, 3, 4 (one channel), w = (1, -1), bias
 * 0.5, stride 1, one zero before: y = 0 - 1, 1 - 2, 2 - 3, 3 - 4 plus 0.5
 * -> -0.5, -0.5, -0.5, -0.5; stride 2 -> frames 0 and 2 */
static void
test_conv1d_by_hand (void)
{
  const gfloat x[] = { 1, 2, 3, 4 }, w[] = { 1, -1 }, b[] = { 0.5f };
  const gint64 xne[] = { 4, 1 }, wne[] = { 1, 1, 2 }, bne[] = { 1 };
  const gint64 y1ne[] = { 4, 1 }, y2ne[] = { 2, 1 };
  LaTensor *tx = la_test_tensor_f32 (be, 2, xne, x);
  LaTensor *tw = la_test_tensor_f32 (be, 3, wne, w);
  LaTensor *tb = la_test_tensor_f32 (be, 1, bne, b);
  LaTensor *y1 = la_test_tensor_f32 (be, 2, y1ne, NULL);
  LaTensor *y2 = la_test_tensor_f32 (be, 2, y2ne, NULL);
  LaConv1dParams p1 = { 1, {1, 0}, 1 }, p2 = { 2, {1, 0}, 1 };
  GError *error = NULL;
  gfloat *v;
  gint i;

  g_assert_true (la_conv1d (be, y1, tx, tw, tb, &p1, &error));
  g_assert_no_error (error);
  v = la_test_download (y1);
  for (i = 0; i < 4; i++)
    g_assert_cmpfloat (v[i], ==, -0.5f);
  g_free (v);

  /* x[-1] * 1 - x[0] and x[1] - x[2]: -1 + 0.5 and 2 - 3 + 0.5 */
  g_assert_true (la_conv1d (be, y2, tx, tw, tb, &p2, &error));
  g_assert_no_error (error);
  v = la_test_download (y2);
  g_assert_cmpfloat (v[0], ==, -0.5f);
  g_assert_cmpfloat (v[1], ==, -0.5f);
  g_free (v);

  la_tensor_free (y2);
  la_tensor_free (y1);
  la_tensor_free (tb);
  la_tensor_free (tw);
  la_tensor_free (tx);
}

static void
test_conv1d_errors (void)
{
  const gint64 xne[] = { 10, 4 }, wne[] = { 6, 2, 3 }, bne[] = { 6 };
  const gint64 yne[] = { 8, 6 }, bad_yne[] = { 9, 6 }, w1ne[] = { 6, 4, 3 };
  const gint64 big_wne[] = { 6, 2, 11 }, five[] = { 5 }, one_row[] = { 1, 6 };
  LaTensor *x = la_test_tensor_f32 (be, 2, xne, NULL);
  LaTensor *w = la_test_tensor_f32 (be, 3, wne, NULL);
  LaTensor *b = la_test_tensor_f32 (be, 1, bne, NULL);
  LaTensor *y = la_test_tensor_f32 (be, 2, yne, NULL);
  LaTensor *bad_y = la_test_tensor_f32 (be, 2, bad_yne, NULL);
  LaTensor *w1 = la_test_tensor_f32 (be, 3, w1ne, NULL);
  LaTensor *big_w = la_test_tensor_f32 (be, 3, big_wne, NULL);
  LaTensor *x_bf16;
  LaTensor *view;
  LaConv1dParams p = { 1, {0, 0}, 2 };
  LaConv1dParams bad;
  GError *error = NULL;

  /* the good call first, so each failure below is the one change */
  g_assert_true (la_conv1d (be, y, x, w, b, &p, &error));
  g_assert_no_error (error);

  la_test_expect_invalid (la_conv1d (be, y, NULL, w, b, &p, &error), &error);
  la_test_expect_invalid (la_conv1d (be, y, x, w, b, NULL, &error), &error);
  /* wrong output length, and Cin / G mismatching w */
  la_test_expect_invalid (la_conv1d (be, bad_y, x, w, b, &p, &error), &error);
  la_test_expect_invalid (la_conv1d (be, y, x, w1, b, &p, &error), &error);
  /* groups that do not divide the channels */
  bad = p;
  bad.groups = 3;
  la_test_expect_invalid (la_conv1d (be, y, x, w, b, &bad, &error), &error);
  bad = p;
  bad.groups = 0;
  la_test_expect_invalid (la_conv1d (be, y, x, w, b, &bad, &error), &error);
  bad = p;
  bad.stride = 0;
  la_test_expect_invalid (la_conv1d (be, y, x, w, b, &bad, &error), &error);
  bad = p;
  bad.pad[1] = -1;
  la_test_expect_invalid (la_conv1d (be, y, x, w, b, &bad, &error), &error);
  /* a kernel longer than the padded input */
  la_test_expect_invalid (la_conv1d (be, y, x, big_w, b, &p, &error), &error);
  /* bias of the wrong size: 5 of w's values as bias */
  view = la_tensor_new_view (w, 0, 1, five, &error);
  g_assert_no_error (error);
  la_test_expect_invalid (la_conv1d (be, y, x, w, view, &p, &error), &error);
  la_tensor_free (view);
  /* output overlapping the input */
  view = la_tensor_new_view (x, 0, 2, one_row, &error);
  g_assert_no_error (error);
  la_test_expect_invalid (la_conv1d (be, view, x, w, b, &p, &error), &error);
  la_tensor_free (view);
  /* mixed dtypes */
  x_bf16 = la_tensor_new (be, LA_DTYPE_BF16, 2, xne, &error);
  g_assert_no_error (error);
  la_test_expect_invalid (la_conv1d (be, y, x_bf16, w, b, &p, &error), &error);
  la_tensor_free (x_bf16);

  la_tensor_free (big_w);
  la_tensor_free (w1);
  la_tensor_free (bad_y);
  la_tensor_free (y);
  la_tensor_free (b);
  la_tensor_free (w);
  la_tensor_free (x);
}

/* ---- gelu_erf ---- */

static void
test_gelu_erf (void)
{
  const gint64 n = 1001;
  gint64 ne[1] = { n };
  gfloat *x = g_new (gfloat, n), *got, *in_place;
  gdouble *want = g_new (gdouble, n);
  LaTensor *tx, *ty;
  GError *error = NULL;
  gint64 i;

  /* a sweep over [-10, 10] through 0 */
  for (i = 0; i < n; i++) {
    x[i] = (gfloat) (-10.0 + 20.0 * i / (n - 1));
    want[i] = 0.5 * x[i] * (1.0 + erf (x[i] / sqrt (2.0)));
  }
  tx = la_test_tensor_f32 (be, 1, ne, x);
  ty = la_test_tensor_f32 (be, 1, ne, NULL);
  g_assert_true (la_gelu_erf (be, ty, tx, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  la_test_assert_close (got, want, n, TOL);

  g_assert_true (la_gelu_erf (be, tx, tx, &error));
  g_assert_no_error (error);
  in_place = la_test_download (tx);
  g_assert_cmpmem (in_place, n * sizeof (gfloat), got, n * sizeof (gfloat));

  g_free (in_place);
  g_free (got);
  la_tensor_free (ty);
  la_tensor_free (tx);
  g_free (want);
  g_free (x);
}

/* Phi (1) = 0.841344746068542..., so GELU (1) = Phi (1) and GELU (-1) =
 * -(1 - Phi (1)); and the tanh approximation is NOT what this op is:
 * at x = -3 the two differ by more than 1e-4 (erf: -0.00404969, tanh:
 * -0.00363739) */
static void
test_gelu_erf_by_hand (void)
{
  const gfloat x[] = { 0.0f, 1.0f, -1.0f, -3.0f };
  gint64 ne[1] = { 4 };
  LaTensor *tx = la_test_tensor_f32 (be, 1, ne, x);
  LaTensor *ty = la_test_tensor_f32 (be, 1, ne, NULL);
  GError *error = NULL;
  gfloat *v;

  g_assert_true (la_gelu_erf (be, ty, tx, &error));
  g_assert_no_error (error);
  v = la_test_download (ty);
  g_assert_cmpfloat (v[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (v[1], 0.8413447460685429, 1e-7);
  g_assert_cmpfloat_with_epsilon (v[2], -0.15865525393145707, 1e-7);
  g_assert_cmpfloat_with_epsilon (v[3], -0.0040496941, 1e-8);
  g_free (v);
  la_tensor_free (ty);
  la_tensor_free (tx);
}

static void
test_gelu_erf_errors (void)
{
  gint64 ne[1] = { 4 }, other[1] = { 5 };
  LaTensor *x = la_test_tensor_f32 (be, 1, ne, NULL);
  LaTensor *y = la_test_tensor_f32 (be, 1, other, NULL);
  GError *error = NULL;

  la_test_expect_invalid (la_gelu_erf (be, y, x, &error), &error);
  la_test_expect_invalid (la_gelu_erf (be, x, NULL, &error), &error);
  la_tensor_free (y);
  la_tensor_free (x);
}

static void
test_support (void)
{
  g_assert_cmpstr (la_op_name (LA_OP_CONV1D), ==, "conv1d");
  g_assert_cmpstr (la_op_name (LA_OP_GELU_ERF), ==, "gelu_erf");
  g_assert_true (la_backend_supports_op (be, LA_OP_CONV1D, LA_DTYPE_F32));
  g_assert_true (la_backend_supports_op (be, LA_OP_GELU_ERF, LA_DTYPE_F32));
  /* bf16 storage as on CUDA, computed in fp32 */
  g_assert_true (la_backend_supports_op (be, LA_OP_CONV1D, LA_DTYPE_BF16));
  g_assert_true (la_backend_supports_op (be, LA_OP_GELU_ERF, LA_DTYPE_BF16));
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  be = la_test_cpu ();

  g_test_add_func ("/audio/ops/conv1d", test_conv1d);
  g_test_add_func ("/audio/ops/conv1d-threads", test_conv1d_threads);
  g_test_add_func ("/audio/ops/conv1d-by-hand", test_conv1d_by_hand);
  g_test_add_func ("/audio/ops/conv1d-errors", test_conv1d_errors);
  g_test_add_func ("/audio/ops/gelu-erf", test_gelu_erf);
  g_test_add_func ("/audio/ops/gelu-erf-by-hand", test_gelu_erf_by_hand);
  g_test_add_func ("/audio/ops/gelu-erf-errors", test_gelu_erf_errors);
  g_test_add_func ("/audio/ops/support", test_support);
  ret = g_test_run ();

  la_backend_free (be);
  return ret;
}
