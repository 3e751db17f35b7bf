/* liveavatar: the FP8 conversions and Live Avatar's FP8 linear vs PyTorch
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Goldens from tests/backend/gen_fp8_golden.py (torch, the independent
 * reference): e4m3 decoding of all 256 codes and encoding of edge values
 * bit for bit; quant_fp8 () bit for bit (codes and scale) against
 * la_fp8_quantize (); FP8LinearFunction (torch._scaled_mm) against
 * la_linear_fp8 () on the CPU backend, within one bf16 ulp per element.
 *
 * Why not exact: the quantised operands and the products are exact, but
 * the sum over K rounds in fp32 and torch sums in another order (and
 * applies the two scales before the sum, not after), so the fp32 result
 * may differ in its last bits, and that can move the bf16 rounding by one
 * step. More than one step would be a real error. */

#include "config.h"

#include "la-backend.h"
#include "la-checkpoint.h"
#include "test-common.h"

#include <math.h>
#include <string.h>

static LaBackend *be;
static LaCheckpoint *golden;

/* ---- goldens ---- */

static const LaCheckpointTensor *
lookup (const gchar * name, LaIoDType dtype)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (golden, name);

  if (!t)
    g_error ("golden %s missing", name);
  g_assert_cmpint (t->dtype, ==, dtype);
  return t;
}

/* g_free; @n gets the element count */
static gfloat *
golden_f32 (const gchar * name, gsize * n)
{
  const LaCheckpointTensor *t = lookup (name, LA_IO_DTYPE_F32);
  gfloat *v = g_malloc (t->nbytes);

  memcpy (v, t->data, t->nbytes);
  if (n)
    *n = t->numel;
  return v;
}

static guint8 *
golden_u8 (const gchar * name, gsize * n)
{
  const LaCheckpointTensor *t = lookup (name, LA_IO_DTYPE_U8);

  if (n)
    *n = t->numel;
  return g_memdup2 (t->data, t->nbytes);
}

static guint32
bits (gfloat v)
{
  guint32 u;

  memcpy (&u, &v, sizeof (u));
  return u;
}

/* ---- conversions ---- */

static void
test_decode (void)
{
  gsize n, c;
  gfloat *want = golden_f32 ("decode_out", &n);

  g_assert_cmpuint (n, ==, 256);
  for (c = 0; c < 256; c++) {
    gfloat got = la_fp8_e4m3_to_f32 ((guint8) c);

    if (isnan (want[c]) ? !isnan (got) : bits (got) != bits (want[c]))
      g_error ("code 0x%02x: got %g, torch %g", (guint) c, got, want[c]);
  }
  g_free (want);
}

static void
test_encode (void)
{
  gsize n, m, i;
  gfloat *v = golden_f32 ("encode_in", &n);
  guint8 *want = golden_u8 ("encode_out", &m);

  g_assert_cmpuint (n, ==, m);
  for (i = 0; i < n; i++) {
    guint8 got = la_f32_to_fp8_e4m3 (v[i]);

    if (got != want[i])
      g_error ("%.9g (0x%08x): got 0x%02x, torch 0x%02x", v[i], bits (v[i]),
          got, want[i]);
  }
  g_free (v);
  g_free (want);
}

static void
test_quantize (void)
{
  gint i;

  for (i = 0;; i++) {
    gchar *name = g_strdup_printf ("quant%d_in", i);
    gchar *cname = g_strdup_printf ("quant%d_codes", i);
    gchar *sname = g_strdup_printf ("quant%d_scale", i);
    gsize n, m, j;
    gfloat *w, *scale, got_scale;
    guint8 *want, *q;

    if (!la_checkpoint_lookup (golden, name)) {
      g_free (name);
      g_free (cname);
      g_free (sname);
      break;
    }
    w = golden_f32 (name, &n);
    want = golden_u8 (cname, &m);
    scale = golden_f32 (sname, NULL);
    g_assert_cmpuint (n, ==, m);
    q = g_malloc (n);
    got_scale = la_fp8_quantize (w, n, q);
    if (bits (got_scale) != bits (scale[0]))
      g_error ("%s: scale %.9g, torch %.9g", name, got_scale, scale[0]);
    for (j = 0; j < n; j++)
      if (q[j] != want[j])
        g_error ("%s[%" G_GSIZE_FORMAT "] = %.9g: got 0x%02x, torch 0x%02x",
            name, j, w[j], q[j], want[j]);
    g_free (q);
    g_free (w);
    g_free (want);
    g_free (scale);
    g_free (name);
    g_free (cname);
    g_free (sname);
  }
  g_assert_cmpint (i, >=, 5);
}

/* ---- the linear ---- */

/* bf16 values in the order of their bit patterns, so that neighbours
 * differ by one */
static gint32
bf16_order (gfloat v)
{
  guint16 b = la_f32_to_bf16 (v);

  g_assert_cmpfloat (la_bf16_to_f32 (b), ==, v);        /* a bf16 value */
  return (b & 0x8000) ? -(gint32) (b & 0x7fff) : (gint32) b;
}

static void
assert_within_ulp (const gchar * what, const gfloat * got,
    const gfloat * want, gsize n)
{
  gsize i, off = 0;

  for (i = 0; i < n; i++) {
    gint32 d = bf16_order (got[i]) - bf16_order (want[i]);

    if (ABS (d) > 1)
      g_error ("%s: element %" G_GSIZE_FORMAT ": got %.9g, torch %.9g",
          what, i, got[i], want[i]);
    off += d != 0;
  }
  /* an order-of-summation difference touches few elements, if any */
  g_assert_cmpuint (off * 10, <=, n);
}

static LaTensor *
new_tensor (LaDType dtype, gint n_dims, const gint64 * ne)
{
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, dtype, n_dims, ne, &error);

  g_assert_no_error (error);
  return t;
}

static void
run_case (gint i, LaDType x_dtype, LaDType y_dtype)
{
  gchar *names[4];
  const LaCheckpointTensor *xt;
  GError *error = NULL;
  gsize nx, nw, ny, k;
  gfloat *x, *w, *bias = NULL, *want, *got, w_scale;
  guint8 *wq;
  gint64 ne_w[2], ne_y[LA_MAX_DIMS], one = 1;
  LaTensor *tx, *tw, *ts, *tb = NULL, *ty;
  gchar *what;
  gint d;

  names[0] = g_strdup_printf ("mm%d_x", i);
  names[1] = g_strdup_printf ("mm%d_w", i);
  names[2] = g_strdup_printf ("mm%d_bias", i);
  names[3] = g_strdup_printf ("mm%d_y", i);
  what = g_strdup_printf ("mm%d x %s y %s", i, la_dtype_name (x_dtype),
      la_dtype_name (y_dtype));
  xt = lookup (names[0], LA_IO_DTYPE_F32);
  x = golden_f32 (names[0], &nx);
  w = golden_f32 (names[1], &nw);
  want = golden_f32 (names[3], &ny);
  k = xt->shape[xt->ndim - 1];
  ne_w[0] = nw / k;
  ne_w[1] = k;
  for (d = 0; d < xt->ndim; d++)
    ne_y[d] = xt->shape[d];
  ne_y[xt->ndim - 1] = ne_w[0];

  /* the weight as Live Avatar's quantize_weight () leaves it */
  wq = g_malloc (nw);
  w_scale = la_fp8_quantize (w, nw, wq);

  tx = new_tensor (x_dtype, xt->ndim, xt->shape);
  g_assert_true (la_tensor_set_f32 (tx, x, nx, &error));
  tw = new_tensor (LA_DTYPE_FP8_E4M3, 2, ne_w);
  g_assert_true (la_tensor_set_data (tw, 0, wq, nw, &error));
  ts = la_test_tensor_f32 (be, 1, &one, &w_scale);
  if (la_checkpoint_lookup (golden, names[2])) {
    bias = golden_f32 (names[2], NULL);
    tb = la_test_tensor_f32 (be, 1, ne_w, bias);
  }
  ty = new_tensor (y_dtype, xt->ndim, ne_y);
  g_assert_true (la_linear_fp8 (be, ty, tx, tw, ts, tb, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  assert_within_ulp (what, got, want, ny);

  g_free (got);
  la_tensor_free (ty);
  if (tb)
    la_tensor_free (tb);
  la_tensor_free (ts);
  la_tensor_free (tw);
  la_tensor_free (tx);
  g_free (wq);
  g_free (bias);
  g_free (want);
  g_free (w);
  g_free (x);
  for (d = 0; d < 4; d++)
    g_free (names[d]);
  g_free (what);
}

static void
test_linear (void)
{
  gint i, n = 0;

  for (i = 0;; i++) {
    gchar *name = g_strdup_printf ("mm%d_x", i);
    gboolean have = la_checkpoint_lookup (golden, name) != NULL;

    g_free (name);
    if (!have)
      break;
    /* the goldens' x are bf16 values: bf16 storage must not change y */
    run_case (i, LA_DTYPE_F32, LA_DTYPE_F32);
    run_case (i, LA_DTYPE_F32, LA_DTYPE_BF16);
    run_case (i, LA_DTYPE_BF16, LA_DTYPE_F32);
    run_case (i, LA_DTYPE_BF16, LA_DTYPE_BF16);
    n++;
  }
  g_assert_cmpint (n, >=, 4);
}

/* A result that does not depend on the thread split: a shape big enough
 * for la_cpu_parallel_for to use several threads, against the same rows
 * computed one at a time (each call quantises x with its own amax, so the
 * single rows get the whole x's amax by sharing one row holding it). */
static void
test_linear_split (void)
{
  const gint64 rows = 64, k = 1024, n = 256;
  gint64 ne_x[2] = { rows, k }, ne_w[2] = { n, k }, ne_y[2] = { rows, n };
  gint64 ne_x1[2] = { 2, k }, ne_y1[2] = { 2, n }, one = 1;
  GError *error = NULL;
  gfloat *x, *w, *y, *y1, *x1, w_scale;
  guint8 *wq;
  LaTensor *tx, *tw, *ts, *ty, *tx1, *ty1;
  gint64 r;

  la_test_seed (17);
  x = la_test_rnd_array (rows * k, 3.0);
  x[5] = 4.0f;                  /* the amax, in row 0 */
  w = la_test_rnd_array (n * k, 0.05);
  wq = g_malloc (n * k);
  w_scale = la_fp8_quantize (w, n * k, wq);
  tx = la_test_tensor_f32 (be, 2, ne_x, x);
  tw = new_tensor (LA_DTYPE_FP8_E4M3, 2, ne_w);
  g_assert_true (la_tensor_set_data (tw, 0, wq, n * k, &error));
  ts = la_test_tensor_f32 (be, 1, &one, &w_scale);
  ty = la_test_tensor_f32 (be, 2, ne_y, NULL);
  g_assert_true (la_linear_fp8 (be, ty, tx, tw, ts, NULL, &error));
  y = la_test_download (ty);

  tx1 = la_test_tensor_f32 (be, 2, ne_x1, NULL);
  ty1 = la_test_tensor_f32 (be, 2, ne_y1, NULL);
  x1 = g_new (gfloat, 2 * k);
  memcpy (x1, x, k * sizeof (gfloat));
  for (r = 1; r < rows; r++) {
    memcpy (x1 + k, x + r * k, k * sizeof (gfloat));
    g_assert_true (la_tensor_set_f32 (tx1, x1, 2 * k, &error));
    g_assert_true (la_linear_fp8 (be, ty1, tx1, tw, ts, NULL, &error));
    y1 = la_test_download (ty1);
    g_assert_cmpmem (y1 + n, n * sizeof (gfloat), y + r * n,
        n * sizeof (gfloat));
    g_free (y1);
  }

  la_tensor_free (ty1);
  la_tensor_free (tx1);
  la_tensor_free (ty);
  la_tensor_free (ts);
  la_tensor_free (tw);
  la_tensor_free (tx);
  g_free (x1);
  g_free (wq);
  g_free (w);
  g_free (x);
  g_free (y);
}

static void
test_bad_arguments (void)
{
  gint64 ne_x[2] = { 3, 16 }, ne_w[2] = { 8, 16 }, ne_y[2] = { 3, 8 };
  gint64 ne_w_bad[2] = { 8, 15 }, ne_y_bad[2] = { 3, 9 }, ne_x3[3] =
      { 1, 3, 16 };
  gint64 one = 1, two = 2, eight = 8, nine = 9;
  GError *error = NULL;
  LaTensor *x = new_tensor (LA_DTYPE_F32, 2, ne_x);
  LaTensor *x16 = new_tensor (LA_DTYPE_F16, 2, ne_x);
  LaTensor *x3 = new_tensor (LA_DTYPE_F32, 3, ne_x3);
  LaTensor *w = new_tensor (LA_DTYPE_FP8_E4M3, 2, ne_w);
  LaTensor *w_bf16 = new_tensor (LA_DTYPE_BF16, 2, ne_w);
  LaTensor *w_bad = new_tensor (LA_DTYPE_FP8_E4M3, 2, ne_w_bad);
  LaTensor *s = new_tensor (LA_DTYPE_F32, 1, &one);
  LaTensor *s2 = new_tensor (LA_DTYPE_F32, 1, &two);
  LaTensor *s_bf16 = new_tensor (LA_DTYPE_BF16, 1, &one);
  LaTensor *b = new_tensor (LA_DTYPE_F32, 1, &eight);
  LaTensor *b9 = new_tensor (LA_DTYPE_F32, 1, &nine);
  LaTensor *b_bf16 = new_tensor (LA_DTYPE_BF16, 1, &eight);
  LaTensor *y = new_tensor (LA_DTYPE_F32, 2, ne_y);
  LaTensor *y16 = new_tensor (LA_DTYPE_F16, 2, ne_y);
  LaTensor *y_bad = new_tensor (LA_DTYPE_F32, 2, ne_y_bad);

  /* the good call first, so that each failure below is the one change */
  g_assert_true (la_linear_fp8 (be, y, x, w, s, b, &error));
  g_assert_no_error (error);
  g_assert_true (la_linear_fp8 (be, y, x, w, s, NULL, &error));

  la_test_expect_invalid (la_linear_fp8 (be, y, NULL, w, s, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, NULL, s, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w, NULL, b, &error), &error);
  /* dtypes */
  la_test_expect_invalid (la_linear_fp8 (be, y, x16, w, s, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w_bf16, s, b, &error),
      &error);
  la_test_expect_invalid (la_linear_fp8 (be, y16, x, w, s, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w, s_bf16, b, &error),
      &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w, s, b_bf16, &error),
      &error);
  /* shapes */
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w_bad, s, b, &error),
      &error);
  la_test_expect_invalid (la_linear_fp8 (be, y_bad, x, w, s, b, &error),
      &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x3, w, s, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w, s2, b, &error), &error);
  la_test_expect_invalid (la_linear_fp8 (be, y, x, w, s, b9, &error), &error);
  /* the output may not be an input */
  la_test_expect_invalid (la_linear_fp8 (be, x, x, w, s, NULL, &error), &error);

  la_tensor_free (y_bad);
  la_tensor_free (y16);
  la_tensor_free (y);
  la_tensor_free (b_bf16);
  la_tensor_free (b9);
  la_tensor_free (b);
  la_tensor_free (s_bf16);
  la_tensor_free (s2);
  la_tensor_free (s);
  la_tensor_free (w_bad);
  la_tensor_free (w_bf16);
  la_tensor_free (w);
  la_tensor_free (x3);
  la_tensor_free (x16);
  la_tensor_free (x);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  gchar *path;
  gint ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA_DIR", argv[0]);
  path = g_build_filename (argv[1], "fp8-golden.safetensors", NULL);
  golden = la_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_free (path);
  be = la_test_cpu ();
  g_assert_true (la_backend_supports_op (be, LA_OP_LINEAR_FP8, LA_DTYPE_F32));
  g_assert_true (la_backend_supports_op (be, LA_OP_LINEAR_FP8, LA_DTYPE_BF16));

  g_test_add_func ("/backend/fp8/decode", test_decode);
  g_test_add_func ("/backend/fp8/encode", test_encode);
  g_test_add_func ("/backend/fp8/quantize", test_quantize);
  g_test_add_func ("/backend/fp8/linear", test_linear);
  g_test_add_func ("/backend/fp8/linear-split", test_linear_split);
  g_test_add_func ("/backend/fp8/bad-arguments", test_bad_arguments);

  ret = g_test_run ();
  la_backend_free (be);
  la_checkpoint_free (golden);
  return ret;
}
