/* liveavatar t5 tests: the text encoder's CPU ops against their definitions
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * linear with bf16/f16 weights, attention with an additive bias (and -inf
 * masking), embedding lookup: each against a double-precision loop
 * written from the formula in la-backend.h, plus the argument checks.
 */

#include "la-backend.h"
#include "liveavatar.h"
#include "t5-test-util.h"

#include <math.h>
#include <string.h>

static LaTensor *
tensor (LaBackend * be, LaDType dtype, gint n_dims, const gint64 * ne)
{
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, dtype, n_dims, ne, &error);

  g_assert_no_error (error);
  return t;
}

/* @n values in [-1, 1) from @rand */
static gfloat *
random_values (GRand * rand, gsize n)
{
  gfloat *v = g_new (gfloat, n);
  gsize i;

  for (i = 0; i < n; i++)
    v[i] = (gfloat) g_rand_double_range (rand, -1.0, 1.0);
  return v;
}

/* a tensor of @dtype holding @values rounded to it; @values become the
 * rounded ones, what the op must compute with */
static LaTensor *
upload (LaBackend * be, LaDType dtype, gint n_dims, const gint64 * ne,
    gfloat * values)
{
  LaTensor *t = tensor (be, dtype, n_dims, ne);
  gsize n = (gsize) la_tensor_nelements (t);
  gpointer stored = g_malloc (n * la_dtype_size (dtype));
  GError *error = NULL;

  la_dtype_from_f32 (dtype, stored, values, n);
  la_dtype_to_f32 (dtype, values, stored, n);
  g_assert_true (la_tensor_set_data (t, 0, stored, n * la_dtype_size (dtype),
          &error));
  g_assert_no_error (error);
  g_free (stored);
  return t;
}

/* ---- linear with narrow weights ---- */

static void
check_linear_mixed (LaDType w_dtype, gint64 rows, gint64 in, gint64 out,
    gboolean with_bias)
{
  LaBackend *be = la_test_cpu ();
  GRand *rand = g_rand_new_with_seed (7 + rows + in + out);
  gint64 xs[] = { rows, in }, ws[] = { out, in }, bs[] = { out };
  gint64 ys[] = { rows, out };
  gfloat *x = random_values (rand, rows * in);
  gfloat *w = random_values (rand, out * in);
  gfloat *b = random_values (rand, out);
  LaTensor *tx = upload (be, LA_DTYPE_F32, 2, xs, x);
  LaTensor *tw = upload (be, w_dtype, 2, ws, w);
  LaTensor *tb = upload (be, LA_DTYPE_F32, 1, bs, b);
  LaTensor *ty = tensor (be, LA_DTYPE_F32, 2, ys);
  gfloat *want = g_new (gfloat, rows * out), *got;
  GError *error = NULL;
  gint64 r, o, i;

  g_assert_true (la_linear (be, ty, tx, tw, with_bias ? tb : NULL, &error));
  g_assert_no_error (error);
  for (r = 0; r < rows; r++) {
    for (o = 0; o < out; o++) {
      gdouble acc = with_bias ? b[o] : 0.0;

      for (i = 0; i < in; i++)
        acc += (gdouble) x[r * in + i] * w[o * in + i];
      want[r * out + o] = (gfloat) acc;
    }
  }
  got = la_test_download (ty);
  g_assert_cmpfloat (la_test_rel_error (got, want, rows * out), <, 1e-5);

  g_free (got);
  g_free (want);
  g_free (x);
  g_free (w);
  g_free (b);
  la_tensor_free (tx);
  la_tensor_free (tw);
  la_tensor_free (tb);
  la_tensor_free (ty);
  g_rand_free (rand);
  la_backend_free (be);
}

static void
test_linear_mixed (void)
{
  LaBackend *be = la_test_cpu ();

  g_assert_true (la_backend_supports_op (be, LA_OP_LINEAR_MIXED, LA_DTYPE_F32));
  la_backend_free (be);

  /* odd sizes: partial tiles of outputs and of the 8-lane sums */
  check_linear_mixed (LA_DTYPE_BF16, 5, 37, 11, TRUE);
  check_linear_mixed (LA_DTYPE_BF16, 1, 3, 1, FALSE);
  check_linear_mixed (LA_DTYPE_F16, 4, 64, 9, TRUE);
  /* big enough to be split between threads */
  check_linear_mixed (LA_DTYPE_BF16, 48, 512, 333, FALSE);
}

static void
test_linear_mixed_errors (void)
{
  LaBackend *be = la_test_cpu ();
  gint64 xs[] = { 2, 8 }, ws[] = { 3, 8 }, ys[] = { 2, 3 }, bs[] = { 3 };
  LaTensor *x = tensor (be, LA_DTYPE_F32, 2, xs);
  LaTensor *x16 = tensor (be, LA_DTYPE_BF16, 2, xs);
  LaTensor *w16 = tensor (be, LA_DTYPE_BF16, 2, ws);
  LaTensor *w8 = tensor (be, LA_DTYPE_FP8_E4M3, 2, ws);
  LaTensor *wf = tensor (be, LA_DTYPE_F32, 2, ws);
  LaTensor *y = tensor (be, LA_DTYPE_F32, 2, ys);
  LaTensor *y16 = tensor (be, LA_DTYPE_BF16, 2, ys);
  LaTensor *b16 = tensor (be, LA_DTYPE_BF16, 1, bs);
  GError *error = NULL;

  /* the narrow side is the weights, never the activations */
  g_assert_false (la_linear (be, y, x16, wf, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* fp32 activations give fp32 outputs and take an fp32 bias */
  g_assert_false (la_linear (be, y16, x, w16, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_linear (be, y, x, w16, b16, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* fp8 weights are not a mixed linear (yet) */
  g_assert_false (la_linear (be, y, x, w8, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (x);
  la_tensor_free (x16);
  la_tensor_free (w16);
  la_tensor_free (w8);
  la_tensor_free (wf);
  la_tensor_free (y);
  la_tensor_free (y16);
  la_tensor_free (b16);
  la_backend_free (be);
}

/* ---- attention with an additive bias ---- */

/* o = softmax (q k^T * scale + bias) v in double; all -inf rows give 0 */
static void
attention_bias_reference (gfloat * o, const gfloat * q, const gfloat * k,
    const gfloat * v, const gfloat * bias, gint64 batch, gint64 lq,
    gint64 lk, gint64 heads, gint64 dim, gdouble scale)
{
  gdouble *p = g_new (gdouble, lk);
  gint64 b, h, i, j, d, row = heads * dim;

  for (b = 0; b < batch; b++) {
    for (h = 0; h < heads; h++) {
      for (i = 0; i < lq; i++) {
        gdouble max = -INFINITY, sum = 0.0;

        for (j = 0; j < lk; j++) {
          gdouble s = 0.0;

          for (d = 0; d < dim; d++)
            s += (gdouble) q[(b * lq + i) * row + h * dim + d]
                * k[(b * lk + j) * row + h * dim + d];
          p[j] = s * scale + bias[(h * lq + i) * lk + j];
          max = MAX (max, p[j]);
        }
        for (j = 0; j < lk; j++) {
          p[j] = max == -INFINITY ? 0.0 : exp (p[j] - max);
          sum += p[j];
        }
        for (d = 0; d < dim; d++) {
          gdouble acc = 0.0;

          for (j = 0; j < lk; j++)
            acc += p[j] * v[(b * lk + j) * row + h * dim + d];
          o[(b * lq + i) * row + h * dim + d] = sum > 0.0 ?
              (gfloat) (acc / sum) : 0.0f;
        }
      }
    }
  }
  g_free (p);
}

static void
test_attention_bias (void)
{
  const gint64 B = 2, LQ = 5, LK = 7, H = 3, D = 4;
  LaBackend *be = la_test_cpu ();
  GRand *rand = g_rand_new_with_seed (11);
  gint64 qs[] = { B, LQ, H, D }, ks[] = { B, LK, H, D };
  gint64 bs[] = { H, LQ, LK };
  gfloat *q = random_values (rand, B * LQ * H * D);
  gfloat *k = random_values (rand, B * LK * H * D);
  gfloat *v = random_values (rand, B * LK * H * D);
  gfloat *bias = random_values (rand, H * LQ * LK);
  gfloat *want = g_new (gfloat, B * LQ * H * D), *got;
  LaTensor *tq, *tk, *tv, *tb, *to;
  GError *error = NULL;
  gint64 i, j;

  /* key 2 dropped for every query; head 1's query 3 sees no key at all */
  for (i = 0; i < H * LQ; i++)
    bias[i * LK + 2] = -INFINITY;
  for (j = 0; j < LK; j++)
    bias[(1 * LQ + 3) * LK + j] = -INFINITY;
  for (i = 0; i < H * LQ * LK; i++)
    bias[i] *= 3.0f;

  tq = upload (be, LA_DTYPE_F32, 4, qs, q);
  tk = upload (be, LA_DTYPE_F32, 4, ks, k);
  tv = upload (be, LA_DTYPE_F32, 4, ks, v);
  tb = upload (be, LA_DTYPE_F32, 3, bs, bias);
  to = tensor (be, LA_DTYPE_F32, 4, qs);

  /* T5's scale 1 */
  g_assert_true (la_attention_bias (be, to, tq, tk, tv, tb, 1.0f, &error));
  g_assert_no_error (error);
  attention_bias_reference (want, q, k, v, bias, B, LQ, LK, H, D, 1.0);
  got = la_test_download (to);
  g_assert_cmpfloat (la_test_rel_error (got, want, B * LQ * H * D), <, 1e-6);
  /* the row with every key dropped is zeros, in both batches */
  for (i = 0; i < B; i++)
    for (j = 0; j < D; j++)
      g_assert_cmpfloat (got[((i * LQ + 3) * H + 1) * D + j], ==, 0.0f);
  g_free (got);

  /* scale <= 0: 1 / sqrt (D) */
  g_assert_true (la_attention_bias (be, to, tq, tk, tv, tb, 0.0f, &error));
  g_assert_no_error (error);
  attention_bias_reference (want, q, k, v, bias, B, LQ, LK, H, D, 0.5);
  got = la_test_download (to);
  g_assert_cmpfloat (la_test_rel_error (got, want, B * LQ * H * D), <, 1e-6);
  g_free (got);

  g_free (q);
  g_free (k);
  g_free (v);
  g_free (bias);
  g_free (want);
  la_tensor_free (tq);
  la_tensor_free (tk);
  la_tensor_free (tv);
  la_tensor_free (tb);
  la_tensor_free (to);
  g_rand_free (rand);
  la_backend_free (be);
}

/* with a zero bias it is la_attention () */
static void
test_attention_bias_zero (void)
{
  LaBackend *be = la_test_cpu ();
  GRand *rand = g_rand_new_with_seed (12);
  gint64 qs[] = { 6, 2, 8 }, ks[] = { 9, 2, 8 }, bs[] = { 2, 6, 9 };
  gfloat *q = random_values (rand, 6 * 2 * 8);
  gfloat *k = random_values (rand, 9 * 2 * 8);
  gfloat *v = random_values (rand, 9 * 2 * 8);
  gfloat *zero = g_new0 (gfloat, 2 * 6 * 9), *a, *b;
  LaTensor *tq = upload (be, LA_DTYPE_F32, 3, qs, q);
  LaTensor *tk = upload (be, LA_DTYPE_F32, 3, ks, k);
  LaTensor *tv = upload (be, LA_DTYPE_F32, 3, ks, v);
  LaTensor *tb = upload (be, LA_DTYPE_F32, 3, bs, zero);
  LaTensor *o1 = tensor (be, LA_DTYPE_F32, 3, qs);
  LaTensor *o2 = tensor (be, LA_DTYPE_F32, 3, qs);
  GError *error = NULL;

  g_assert_true (la_attention (be, o1, tq, tk, tv, 0.3f, &error));
  g_assert_true (la_attention_bias (be, o2, tq, tk, tv, tb, 0.3f, &error));
  g_assert_no_error (error);
  a = la_test_download (o1);
  b = la_test_download (o2);
  g_assert_cmpfloat (la_test_rel_error (b, a, 6 * 2 * 8), <, 1e-6);

  g_free (a);
  g_free (b);
  g_free (q);
  g_free (k);
  g_free (v);
  g_free (zero);
  la_tensor_free (tq);
  la_tensor_free (tk);
  la_tensor_free (tv);
  la_tensor_free (tb);
  la_tensor_free (o1);
  la_tensor_free (o2);
  g_rand_free (rand);
  la_backend_free (be);
}

static void
test_attention_bias_errors (void)
{
  LaBackend *be = la_test_cpu ();
  gint64 qs[] = { 4, 2, 8 }, ks[] = { 5, 2, 8 };
  gint64 good[] = { 2, 4, 5 }, swapped[] = { 2, 5, 4 }, flat[] = { 8, 5 };
  LaTensor *q = tensor (be, LA_DTYPE_F32, 3, qs);
  LaTensor *k = tensor (be, LA_DTYPE_F32, 3, ks);
  LaTensor *v = tensor (be, LA_DTYPE_F32, 3, ks);
  LaTensor *o = tensor (be, LA_DTYPE_F32, 3, qs);
  LaTensor *b = tensor (be, LA_DTYPE_F32, 3, good);
  LaTensor *b16 = tensor (be, LA_DTYPE_BF16, 3, good);
  LaTensor *b_swapped = tensor (be, LA_DTYPE_F32, 3, swapped);
  LaTensor *b_flat = tensor (be, LA_DTYPE_F32, 2, flat);
  GError *error = NULL;

  g_assert_false (la_attention_bias (be, o, q, k, v, NULL, 1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_attention_bias (be, o, q, k, v, b_swapped, 1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_attention_bias (be, o, q, k, v, b_flat, 1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_attention_bias (be, o, q, k, v, b16, 1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_attention_bias (be, o, q, k, v, b, NAN, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* the output may not be an input */
  g_assert_false (la_attention_bias (be, q, q, k, v, b, 1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (la_attention_bias (be, o, q, k, v, b, 1.0f, &error));
  g_assert_no_error (error);

  la_tensor_free (q);
  la_tensor_free (k);
  la_tensor_free (v);
  la_tensor_free (o);
  la_tensor_free (b);
  la_tensor_free (b16);
  la_tensor_free (b_swapped);
  la_tensor_free (b_flat);
  la_backend_free (be);
}

/* ---- embedding ---- */

static void
check_embedding (LaDType dtype)
{
  const gint32 ids[] = { 3, 0, 9, -1, 3, 10, G_MAXINT32 };
  const gint64 V = 10, C = 6, L = G_N_ELEMENTS (ids);
  LaBackend *be = la_test_cpu ();
  GRand *rand = g_rand_new_with_seed (13 + dtype);
  gint64 ts[] = { V, C }, is[] = { L }, ys[] = { L, C };
  gfloat *table = random_values (rand, V * C), *got;
  LaTensor *tt = upload (be, dtype, 2, ts, table);
  LaTensor *ti = tensor (be, LA_DTYPE_I32, 1, is);
  LaTensor *ty = tensor (be, LA_DTYPE_F32, 2, ys);
  GError *error = NULL;
  gint64 i, c;

  g_assert_true (la_tensor_set_data (ti, 0, ids, sizeof (ids), &error));
  g_assert_true (la_embedding (be, ty, tt, ti, &error));
  g_assert_no_error (error);
  got = la_test_download (ty);
  for (i = 0; i < L; i++) {
    for (c = 0; c < C; c++) {
      /* the stored value exactly; ids outside the table give zeros */
      gfloat want = ids[i] >= 0 && ids[i] < V ? table[ids[i] * C + c] : 0.0f;

      g_assert_cmpfloat (got[i * C + c], ==, want);
    }
  }

  g_free (got);
  g_free (table);
  la_tensor_free (tt);
  la_tensor_free (ti);
  la_tensor_free (ty);
  g_rand_free (rand);
  la_backend_free (be);
}

static void
test_embedding (void)
{
  check_embedding (LA_DTYPE_F32);
  check_embedding (LA_DTYPE_BF16);
  check_embedding (LA_DTYPE_F16);
  check_embedding (LA_DTYPE_FP8_E4M3);
}

static void
test_embedding_errors (void)
{
  LaBackend *be = la_test_cpu ();
  gint64 ts[] = { 10, 6 }, is[] = { 4 }, ys[] = { 4, 6 }, bad_ys[] = { 4, 5 };
  LaTensor *table = tensor (be, LA_DTYPE_BF16, 2, ts);
  LaTensor *table_i = tensor (be, LA_DTYPE_I32, 2, ts);
  LaTensor *ids = tensor (be, LA_DTYPE_I32, 1, is);
  LaTensor *ids_f = tensor (be, LA_DTYPE_F32, 1, is);
  LaTensor *y = tensor (be, LA_DTYPE_F32, 2, ys);
  LaTensor *y16 = tensor (be, LA_DTYPE_BF16, 2, ys);
  LaTensor *y_f16 = tensor (be, LA_DTYPE_F16, 2, ys);
  LaTensor *bad_y = tensor (be, LA_DTYPE_F32, 2, bad_ys);
  GError *error = NULL;

  g_assert_false (la_embedding (be, y, table, ids_f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_embedding (be, y, table_i, ids, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_embedding (be, bad_y, table, ids, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* y is f32 or the table's dtype */
  g_assert_false (la_embedding (be, y_f16, table, ids, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* well formed: the table's own dtype out, as on CUDA */
  g_assert_true (la_embedding (be, y16, table, ids, &error));
  g_assert_no_error (error);
  g_assert_false (la_embedding (be, y, NULL, ids, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (table);
  la_tensor_free (table_i);
  la_tensor_free (ids);
  la_tensor_free (ids_f);
  la_tensor_free (y);
  la_tensor_free (y16);
  la_tensor_free (y_f16);
  la_tensor_free (bad_y);
  la_backend_free (be);
}

/* ---- the CUDA backend has none of them yet ---- */

static void
test_cuda_support (void)
{
  static const LaOp ops[] = {
    LA_OP_LINEAR_MIXED, LA_OP_ATTENTION_BIAS, LA_OP_EMBEDDING
  };
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CUDA, 0, &error);
  guint i;

  if (!be) {
    g_test_skip (error->message);
    g_clear_error (&error);
    return;
  }
  /* all three run in f32; the mixed linear's activations are f32 only */
  for (i = 0; i < G_N_ELEMENTS (ops); i++) {
    g_assert_true (la_backend_supports_op (be, ops[i], LA_DTYPE_F32));
    if (ops[i] == LA_OP_LINEAR_MIXED)
      g_assert_false (la_backend_supports_op (be, ops[i], LA_DTYPE_BF16));
    else
      g_assert_true (la_backend_supports_op (be, ops[i], LA_DTYPE_BF16));
  }
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/t5/ops/linear-mixed", test_linear_mixed);
  g_test_add_func ("/t5/ops/linear-mixed-errors", test_linear_mixed_errors);
  g_test_add_func ("/t5/ops/attention-bias", test_attention_bias);
  g_test_add_func ("/t5/ops/attention-bias-zero", test_attention_bias_zero);
  g_test_add_func ("/t5/ops/attention-bias-errors", test_attention_bias_errors);
  g_test_add_func ("/t5/ops/embedding", test_embedding);
  g_test_add_func ("/t5/ops/embedding-errors", test_embedding_errors);
  g_test_add_func ("/t5/ops/cuda-support", test_cuda_support);
  return g_test_run ();
}
