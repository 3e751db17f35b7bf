/* liveavatar: backend API tests (dtypes, tensors, buffers, argument checks)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Everything here runs on the CPU backend, so it runs everywhere; the CUDA
 * backend's constructor is checked for the error it must give on a machine
 * (or build) without a GPU. Conversions are checked at values whose
 * correct rounding is known by hand. */

#include "config.h"

#include "la-backend.h"
#include "cuda/la-cuda-device.h"

#include <math.h>
#include <string.h>

/* ---- dtype conversions ---- */

static void
test_bf16_rounding (void)
{
  /* 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties to even (1.0);
   * 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up */
  g_assert_cmphex (la_f32_to_bf16 (1.0f), ==, 0x3f80);
  g_assert_cmphex (la_f32_to_bf16 (1.0f + ldexpf (1, -8)), ==, 0x3f80);
  g_assert_cmphex (la_f32_to_bf16 (1.0f + 3 * ldexpf (1, -8)), ==, 0x3f82);
  g_assert_cmphex (la_f32_to_bf16 (1.0f + ldexpf (1, -8) + ldexpf (1, -20)),
      ==, 0x3f81);
  g_assert_cmphex (la_f32_to_bf16 (-2.0f), ==, 0xc000);
  g_assert_cmphex (la_f32_to_bf16 (INFINITY), ==, 0x7f80);
  g_assert_cmphex (la_f32_to_bf16 (3.4028235e38f), ==, 0x7f80); /* rounds up to inf */
  g_assert_true (isnan (la_bf16_to_f32 (la_f32_to_bf16 (NAN))));
  g_assert_cmpfloat (la_bf16_to_f32 (0x3f82), ==, 1.0f + ldexpf (1, -6));
}

static void
test_f16_rounding (void)
{
  g_assert_cmphex (la_f32_to_f16 (1.0f), ==, 0x3c00);
  g_assert_cmphex (la_f32_to_f16 (-2.5f), ==, 0xc100);
  g_assert_cmphex (la_f32_to_f16 (65504.0f), ==, 0x7bff);
  g_assert_cmphex (la_f32_to_f16 (65519.0f), ==, 0x7bff);
  g_assert_cmphex (la_f32_to_f16 (65520.0f), ==, 0x7c00);       /* tie: to inf */
  g_assert_cmphex (la_f32_to_f16 (ldexpf (1, -24)), ==, 0x0001);
  g_assert_cmphex (la_f32_to_f16 (ldexpf (1, -25)), ==, 0x0000);        /* tie to even */
  g_assert_cmphex (la_f32_to_f16 (3 * ldexpf (1, -25)), ==, 0x0002);    /* 1.5 -> 2 */
  g_assert_cmphex (la_f32_to_f16 (1.0f + ldexpf (1, -11)), ==, 0x3c00);
  g_assert_cmphex (la_f32_to_f16 (1.0f + 3 * ldexpf (1, -11)), ==, 0x3c02);
  g_assert_cmphex (la_f32_to_f16 (ldexpf (1, -14)), ==, 0x0400);        /* smallest normal */
  g_assert_cmpfloat (la_f16_to_f32 (0x0001), ==, ldexpf (1, -24));
  g_assert_cmpfloat (la_f16_to_f32 (0x7bff), ==, 65504.0f);
  g_assert_true (isinf (la_f16_to_f32 (0xfc00)));
  g_assert_true (isnan (la_f16_to_f32 (la_f32_to_f16 (NAN))));
}

static void
test_fp8_rounding (void)
{
  g_assert_cmphex (la_f32_to_fp8_e4m3 (1.0f), ==, 0x38);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (-1.0f), ==, 0xb8);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (448.0f), ==, 0x7e);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (1e6f), ==, 0x7e);        /* satfinite */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (-INFINITY), ==, 0xfe);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (NAN) & 0x7f, ==, 0x7f);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (ldexpf (1, -9)), ==, 0x01);      /* min subnormal */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (ldexpf (1, -10)), ==, 0x00);     /* tie to even */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (3 * ldexpf (1, -10)), ==, 0x02);
  g_assert_cmphex (la_f32_to_fp8_e4m3 (ldexpf (1, -6)), ==, 0x08);      /* min normal */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (1.0625f), ==, 0x38);     /* 1 + 1/16: tie to even */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (1.1875f), ==, 0x3a);     /* 1 + 3/16: tie up */
  g_assert_cmphex (la_f32_to_fp8_e4m3 (15.5f), ==, 0x58);       /* 1.9375 * 8: up to 16 = 2^4 */
  g_assert_cmpfloat (la_fp8_e4m3_to_f32 (0x7e), ==, 448.0f);
  g_assert_cmpfloat (la_fp8_e4m3_to_f32 (0x01), ==, ldexpf (1, -9));
  g_assert_cmpfloat (la_fp8_e4m3_to_f32 (0xb8), ==, -1.0f);
  g_assert_true (isnan (la_fp8_e4m3_to_f32 (0x7f)));
}

/* every finite fp8 / f16 / bf16 value survives a trip through float */
static void
test_round_trips (void)
{
  guint v;

  for (v = 0; v < 256; v++) {
    gfloat f = la_fp8_e4m3_to_f32 (v);

    if (!isnan (f))
      g_assert_cmphex (la_f32_to_fp8_e4m3 (f), ==, v);
  }
  for (v = 0; v < 65536; v++) {
    gfloat f = la_f16_to_f32 (v);

    if (!isnan (f))
      g_assert_cmphex (la_f32_to_f16 (f), ==, v);
    f = la_bf16_to_f32 (v);
    if (!isnan (f))
      g_assert_cmphex (la_f32_to_bf16 (f), ==, v);
  }
}

/* ---- backends and tensors ---- */

static void
test_cuda_absent_or_present (void)
{
  GError *error = NULL;
  gint count = la_cuda_device_count (&error);
  LaBackend *be;

#if LA_HAVE_CUDA
  g_assert_no_error (error);
  g_assert_cmpint (count, >=, 0);
#else
  g_assert_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
  g_assert_cmpint (count, ==, -1);
  g_clear_error (&error);
#endif

  /* one past the last device never exists */
  be = la_backend_new (LA_BACKEND_CUDA, MAX (count, 0), &error);
  g_assert_null (be);
#if LA_HAVE_CUDA
  g_assert_error (error, LA_ERROR, LA_ERROR_DEVICE);
#else
  g_assert_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
#endif
  g_clear_error (&error);

  g_assert_false (la_cuda_device_describe (MAX (count, 0), NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  be = la_backend_new (LA_BACKEND_CPU, -1, &error);
  g_assert_null (be);
  g_assert_error (error, LA_ERROR, LA_ERROR_DEVICE);
  g_clear_error (&error);

  /* AUTO picks CUDA only when the device exists */
  be = la_backend_new (LA_BACKEND_AUTO, MAX (count, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpint (la_backend_get_kind (be), ==, LA_BACKEND_CPU);
  la_backend_free (be);
}

static void
test_cpu_backend_basics (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 3, &error);

  g_assert_no_error (error);
  g_assert_cmpint (la_backend_get_kind (be), ==, LA_BACKEND_CPU);
  g_assert_cmpint (la_backend_get_device_index (be), ==, 3);
  g_assert_cmpstr (la_backend_get_name (be), ==, "CPU3");
  g_assert_true (la_backend_synchronize (be, &error));
  g_assert_true (la_backend_supports_op (be, LA_OP_LINEAR, LA_DTYPE_F32));
  /* the CPU takes the CUDA backend's bf16 storage, computing in fp32 */
  g_assert_true (la_backend_supports_op (be, LA_OP_LINEAR, LA_DTYPE_BF16));
  g_assert_true (la_backend_supports_op (be, LA_OP_CONVERT, LA_DTYPE_FP8_E4M3));
  g_assert_false (la_backend_supports_op (be, LA_OP_COUNT, LA_DTYPE_F32));
  la_backend_free (be);
}

static void
test_tensor_shapes (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  gint64 ne[] = { 3, 4, 5 }, zero[] = { 3, 0 }, five[] = { 1, 1, 1, 1, 1 };
  gint64 huge[] = { G_MAXINT64 / 2, 4 };
  gchar desc[64];
  LaTensor *t;

  t = la_tensor_new (be, LA_DTYPE_BF16, 3, ne, &error);
  g_assert_no_error (error);
  g_assert_cmpint (la_tensor_nelements (t), ==, 60);
  g_assert_cmpint (la_tensor_nrows (t), ==, 12);
  g_assert_cmpint (la_tensor_ncols (t), ==, 5);
  g_assert_cmpuint (t->nbytes, ==, 120);
  g_assert_cmpint (t->ne[3], ==, 1);
  g_assert_cmpuint ((guintptr) t->data % LA_TENSOR_ALIGNMENT, ==, 0);
  g_assert_cmpstr (la_tensor_describe (t, desc, sizeof (desc)), ==,
      "bf16[3,4,5]");
  la_tensor_free (t);

  g_assert_null (la_tensor_new (be, LA_DTYPE_F32, 2, zero, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new (be, LA_DTYPE_F32, 5, five, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new (be, LA_DTYPE_F32, 0, ne, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new (be, LA_DTYPE_F32, 2, huge, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new (be, LA_DTYPE_COUNT, 3, ne, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_backend_free (be);
}

static void
test_set_get (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  gint64 ne[] = { 2, 3 };
  gfloat in[6] = { 1.0f, -2.0f, 0.5f, 1.0f + ldexpf (1, -8), 3.0f, -0.25f };
  gfloat out[6];
  guint16 raw[6];
  LaTensor *t = la_tensor_new (be, LA_DTYPE_BF16, 2, ne, NULL);

  g_assert_true (la_tensor_set_f32 (t, in, 6, &error));
  g_assert_no_error (error);
  g_assert_true (la_tensor_get_data (t, 0, raw, sizeof (raw), &error));
  g_assert_cmphex (raw[0], ==, 0x3f80);
  g_assert_cmphex (raw[1], ==, 0xc000);
  g_assert_cmphex (raw[3], ==, 0x3f80); /* rounded to even */
  g_assert_true (la_tensor_get_f32 (t, out, 6, &error));
  g_assert_cmpfloat (out[3], ==, 1.0f);
  g_assert_cmpfloat (out[5], ==, -0.25f);

  /* wrong counts and ranges are errors, not overruns */
  g_assert_false (la_tensor_set_f32 (t, in, 5, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_tensor_get_data (t, 10, raw, 4, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_tensor_set_data (t, G_MAXSIZE, raw, 4, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (la_tensor_get_data (t, 10, raw, 2, &error));

  la_tensor_free (t);
  la_backend_free (be);
}

static void
test_buffers_and_views (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  LaBuffer *buf = la_buffer_new (be, 4096, &error);
  gint64 ne[] = { 4, 8 }, row_ne[] = { 2, 8 }, flat[] = { 32 };
  gfloat vals[32], got[16];
  LaTensor *a, *b, *rows, *whole;
  gint i;

  g_assert_no_error (error);
  g_assert_cmpuint (la_buffer_get_size (buf), ==, 4096);
  g_assert_true (la_buffer_get_backend (buf) == be);
  g_assert_null (la_buffer_new (be, 0, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  a = la_tensor_new_in_buffer (buf, 0, LA_DTYPE_F32, 2, ne, &error);
  b = la_tensor_new_in_buffer (buf, 256, LA_DTYPE_F32, 2, ne, &error);
  g_assert_no_error (error);
  g_assert_true ((guint8 *) b->data == (guint8 *) a->data + 256);
  g_assert_null (la_tensor_new_in_buffer (buf, 100, LA_DTYPE_F32, 2, ne,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new_in_buffer (buf, 4096, LA_DTYPE_F32, 2, ne,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (i = 0; i < 32; i++)
    vals[i] = (gfloat) i;
  g_assert_true (la_tensor_set_f32 (b, vals, 32, &error));

  /* rows 1..2 of b */
  rows = la_tensor_new_view (b, 8, 2, row_ne, &error);
  g_assert_no_error (error);
  g_assert_true (la_tensor_get_f32 (rows, got, 16, &error));
  for (i = 0; i < 16; i++)
    g_assert_cmpfloat (got[i], ==, (gfloat) (8 + i));
  g_assert_null (la_tensor_new_view (b, 17, 2, row_ne, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (la_tensor_new_view (b, -1, 1, flat, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  whole = la_tensor_new_view (b, 0, 1, flat, &error);
  g_assert_no_error (error);

  /* raw buffer access sees the tensor's bytes */
  g_assert_true (la_buffer_get_data (buf, 256 + 4 * 31, got, 4, &error));
  g_assert_cmpfloat (got[0], ==, 31.0f);
  g_assert_false (la_buffer_get_data (buf, 4095, got, 4, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* views and placed tensors do not free the buffer */
  la_tensor_free (whole);
  la_tensor_free (rows);
  la_tensor_free (a);
  la_tensor_free (b);
  la_buffer_free (buf);
  la_backend_free (be);
}

/* ---- op argument checks ---- */

static LaTensor *
new2 (LaBackend * be, LaDType dtype, gint64 r, gint64 c)
{
  gint64 ne[] = { r, c };

  return la_tensor_new (be, dtype, 2, ne, NULL);
}

static LaTensor *
new1 (LaBackend * be, LaDType dtype, gint64 n)
{
  return la_tensor_new (be, dtype, 1, &n, NULL);
}

static void
test_op_argument_errors (void)
{
  GError *error = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  LaBackend *other = la_backend_new (LA_BACKEND_CPU, 1, NULL);
  LaTensor *x = new2 (be, LA_DTYPE_F32, 4, 8);
  LaTensor *w = new2 (be, LA_DTYPE_F32, 5, 8);
  LaTensor *y = new2 (be, LA_DTYPE_F32, 4, 5);
  LaTensor *bad_y = new2 (be, LA_DTYPE_F32, 4, 6);
  LaTensor *w_other = new2 (other, LA_DTYPE_F32, 5, 8);
  LaTensor *x16 = new2 (be, LA_DTYPE_BF16, 4, 8);
  LaTensor *w16 = new2 (be, LA_DTYPE_BF16, 5, 8);
  LaTensor *y16 = new2 (be, LA_DTYPE_BF16, 4, 5);
  LaTensor *g3 = new2 (be, LA_DTYPE_F32, 3, 8);
  LaTensor *norm_w = new1 (be, LA_DTYPE_F32, 8);
  LaTensor *x_view, *x_head;
  gfloat marker[20], got[20];
  gint64 view_ne[] = { 3, 8 };
  gint i;

  for (i = 0; i < 20; i++)
    marker[i] = 42.0f + i;
  la_tensor_set_f32 (y, marker, 20, NULL);

  g_assert_false (la_linear (be, bad_y, x, w, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_linear (be, y, w, x, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_linear (be, y, x, NULL, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* bias of the wrong length */
  g_assert_false (la_linear (be, y, x, w, norm_w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* tensors of another backend */
  g_assert_false (la_linear (be, y, x, w_other, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* mixed operand dtypes */
  g_assert_false (la_linear (be, y, x16, w, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* well formed: bf16 storage, widened and rounded around the fp32 code */
  g_assert_true (la_linear (be, y16, x16, w16, NULL, &error));
  g_assert_no_error (error);
  /* nothing above wrote y */
  la_tensor_get_f32 (y, got, 20, NULL);
  for (i = 0; i < 20; i++)
    g_assert_cmpfloat (got[i], ==, marker[i]);

  /* 4 rows do not split into 3 groups */
  g_assert_false (la_layer_norm_modulate (be, x, x, g3, g3, 1e-6f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_layer_norm_modulate (be, x, x, g3, NULL, 1e-6f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_gated_residual (be, x, x, g3, x, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_rms_norm (be, x, x, norm_w, -1.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* rope wants [L, H, D] and pos [L, 3] i32 */
  g_assert_false (la_rope_3d (be, x, x, x, 10000.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* attention wants 3 or 4 dims */
  g_assert_false (la_attention (be, y, x, x, x, 0.0f, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* b must repeat to a */
  g_assert_false (la_add (be, x, x, w, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* the output may be the first input exactly, never a partial overlap */
  x_view = la_tensor_new_view (x, 8, 2, view_ne, NULL); /* rows 1..3 */
  x_head = la_tensor_new_view (x, 0, 2, view_ne, NULL); /* rows 0..2 */
  g_assert_true (la_gelu_tanh (be, x, x, &error));
  g_assert_no_error (error);
  g_assert_false (la_gelu_tanh (be, x_view, x_head, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_linear (be, x_view, x, x, NULL, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_euler_step (be, x, x, x, INFINITY, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_convert (be, y16, x, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (x_head);
  la_tensor_free (x_view);
  la_tensor_free (norm_w);
  la_tensor_free (g3);
  la_tensor_free (y16);
  la_tensor_free (w16);
  la_tensor_free (x16);
  la_tensor_free (w_other);
  la_tensor_free (bad_y);
  la_tensor_free (y);
  la_tensor_free (w);
  la_tensor_free (x);
  la_backend_free (other);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/backend/dtype/bf16", test_bf16_rounding);
  g_test_add_func ("/backend/dtype/f16", test_f16_rounding);
  g_test_add_func ("/backend/dtype/fp8-e4m3", test_fp8_rounding);
  g_test_add_func ("/backend/dtype/round-trips", test_round_trips);
  g_test_add_func ("/backend/cuda/absent-or-present",
      test_cuda_absent_or_present);
  g_test_add_func ("/backend/cpu/basics", test_cpu_backend_basics);
  g_test_add_func ("/backend/tensor/shapes", test_tensor_shapes);
  g_test_add_func ("/backend/tensor/set-get", test_set_get);
  g_test_add_func ("/backend/tensor/buffers-and-views", test_buffers_and_views);
  g_test_add_func ("/backend/ops/argument-errors", test_op_argument_errors);

  return g_test_run ();
}
