/* liveavatar: attention TFLOP/s on CUDA, flash kernel against v1
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* liveavatar-bench-attention [--lq N] [--lk N] [--heads N] [--batch N]
 *     [--iters N] [--kernel flash|v1|both]
 *
 * la_attention () in bf16 on CUDA device 0 at the DiT's self-attention
 * shape by default: the queries of one block (3168 tokens at 704x384)
 * against the ring cache + sink (15312 keys), 40 heads x 128, no mask.
 * Each kernel (the flash kernel, or v1 forced with
 * LIVEAVATAR_CUDA_ATTENTION=v1) runs twice to warm up, then ITERS times
 * queued back to back; TFLOP/s = 4 B H Lq Lk D / time (the two matmuls;
 * softmax not counted), the count tests/attention/bench_attention_torch.py
 * uses. With both kernels it also reports how far apart their outputs are
 * (the same inputs; they should differ by bf16 rounding only). Prints a
 * RESULT line per kernel for tools/bench-attention.sh. Not a test: it
 * needs a GPU. */

#include "config.h"

#include "la-backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_DIM 128

typedef struct
{
  gint64 batch, lq, lk, heads;
  gint iters;
} Shape;

/* uniform values with unit variance, like torch.randn's scale */
static gboolean
fill (LaTensor * t, guint32 seed, GError ** error)
{
  const gint64 n = la_tensor_nelements (t);
  gfloat *v = g_try_new (gfloat, n);
  gboolean ok;
  gint64 i;

  if (!v) {
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "no host memory for %" G_GINT64_FORMAT " floats", n);
    return FALSE;
  }
  for (i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (gfloat) (1.7320508 * ((gdouble) (seed >> 8) / 8388608.0 - 1.0));
  }
  ok = la_tensor_set_f32 (t, v, n, error);
  g_free (v);
  return ok;
}

/* ms per call of la_attention () with @kernel's choice, or < 0 */
static gdouble
time_kernel (LaBackend * be, const gchar * kernel, LaTensor * o,
    LaTensor * q, LaTensor * k, LaTensor * v, gint iters, GError ** error)
{
  gint64 t0;
  gint i;

  /* read by the launcher at every call */
  g_setenv ("LIVEAVATAR_CUDA_ATTENTION", kernel, TRUE);
  for (i = 0; i < 2; i++)
    if (!la_attention (be, o, q, k, v, 0.0f, error))
      return -1.0;
  if (!la_backend_synchronize (be, error))
    return -1.0;
  t0 = g_get_monotonic_time ();
  for (i = 0; i < iters; i++)
    if (!la_attention (be, o, q, k, v, 0.0f, error))
      return -1.0;
  if (!la_backend_synchronize (be, error))
    return -1.0;
  return (g_get_monotonic_time () - t0) / 1e3 / iters;
}

static gboolean
parse (int argc, char **argv, Shape * s, gchar ** kernel)
{
  gint i;

  for (i = 1; i < argc; i++) {
    const gchar *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    gint64 *target = NULL;

    if (!val)
      return FALSE;
    if (g_strcmp0 (opt, "--lq") == 0)
      target = &s->lq;
    else if (g_strcmp0 (opt, "--lk") == 0)
      target = &s->lk;
    else if (g_strcmp0 (opt, "--heads") == 0)
      target = &s->heads;
    else if (g_strcmp0 (opt, "--batch") == 0)
      target = &s->batch;
    else if (g_strcmp0 (opt, "--iters") == 0)
      s->iters = atoi (val);
    else if (g_strcmp0 (opt, "--kernel") == 0)
      *kernel = argv[i + 1];
    else
      return FALSE;
    if (target && (*target = g_ascii_strtoll (val, NULL, 10)) < 1)
      return FALSE;
    i++;
  }
  return s->iters >= 1 && (g_strcmp0 (*kernel, "flash") == 0
      || g_strcmp0 (*kernel, "v1") == 0 || g_strcmp0 (*kernel, "both") == 0);
}

int
main (int argc, char **argv)
{
  Shape s = { 1, 3168, 15312, 40, 20 };
  gchar *kernel = (gchar *) "both";
  const gchar *names[] = { "flash", "v1" };
  LaBackend *be;
  LaTensor *q = NULL, *k = NULL, *v = NULL, *o[2] = { NULL, NULL };
  GError *error = NULL;
  gdouble flop, ms;
  gint rc = 1, i;

  if (!parse (argc, argv, &s, &kernel)) {
    fprintf (stderr, "usage: %s [--lq N] [--lk N] [--heads N] [--batch N] "
        "[--iters N] [--kernel flash|v1|both]\n", argv[0]);
    return 2;
  }
  be = la_backend_new (LA_BACKEND_CUDA, 0, &error);
  if (!be) {
    fprintf (stderr, "needs a CUDA device: %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  {
    const gint64 ne_q[] = { s.batch, s.lq, s.heads, HEAD_DIM };
    const gint64 ne_k[] = { s.batch, s.lk, s.heads, HEAD_DIM };

    if (!(q = la_tensor_new (be, LA_DTYPE_BF16, 4, ne_q, &error))
        || !(k = la_tensor_new (be, LA_DTYPE_BF16, 4, ne_k, &error))
        || !(v = la_tensor_new (be, LA_DTYPE_BF16, 4, ne_k, &error))
        || !(o[0] = la_tensor_new (be, LA_DTYPE_BF16, 4, ne_q, &error))
        || !(o[1] = la_tensor_new (be, LA_DTYPE_BF16, 4, ne_q, &error))
        || !fill (q, 1, &error) || !fill (k, 2, &error)
        || !fill (v, 3, &error))
      goto failed;
  }

  flop = 4.0 * s.batch * s.heads * s.lq * s.lk * HEAD_DIM;
  printf ("device: %s\n", la_backend_get_description (be));
  printf ("shape: B %" G_GINT64_FORMAT " Lq %" G_GINT64_FORMAT " Lk %"
      G_GINT64_FORMAT " H %" G_GINT64_FORMAT " D %d bf16, %.3f TFLOP per "
      "call, %d iterations\n", s.batch, s.lq, s.lk, s.heads, HEAD_DIM,
      flop / 1e12, s.iters);
  for (i = 0; i < 2; i++) {
    if (g_strcmp0 (kernel, "both") != 0 && g_strcmp0 (kernel, names[i]) != 0)
      continue;
    /* "auto" is any value but v1: the launcher's own choice */
    ms = time_kernel (be, i == 0 ? "auto" : "v1", o[i], q, k, v, s.iters,
        &error);
    if (ms < 0.0)
      goto failed;
    printf ("%-5s %9.3f ms %8.1f TFLOP/s\n", names[i], ms,
        flop / (ms * 1e-3) / 1e12);
    printf ("RESULT impl=%s ms=%.4f tflops=%.2f\n", names[i], ms,
        flop / (ms * 1e-3) / 1e12);
  }
  g_unsetenv ("LIVEAVATAR_CUDA_ATTENTION");

  if (g_strcmp0 (kernel, "both") == 0) {
    const gint64 n = la_tensor_nelements (o[0]);
    gfloat *a = g_try_new (gfloat, n), *b = g_try_new (gfloat, n);
    gdouble err2 = 0.0, ref2 = 0.0, worst = 0.0;
    gint64 j;

    if (a && b && la_tensor_get_f32 (o[0], a, n, &error)
        && la_tensor_get_f32 (o[1], b, n, &error)) {
      for (j = 0; j < n; j++) {
        const gdouble e = fabs ((gdouble) a[j] - b[j]);

        worst = isfinite (e) ? MAX (worst, e) : INFINITY;
        err2 += e * e;
        ref2 += (gdouble) b[j] * b[j];
      }
      printf ("flash vs v1: max |diff| %.3g, rms relative %.3g\n", worst,
          ref2 > 0.0 ? sqrt (err2 / ref2) : 0.0);
    }
    g_free (a);
    g_free (b);
    if (error)
      goto failed;
  }
  rc = 0;
  goto done;

failed:
  fprintf (stderr, "bench-attention: %s\n", error ? error->message : "?");
  g_clear_error (&error);
done:
  la_tensor_free (o[1]);
  la_tensor_free (o[0]);
  la_tensor_free (v);
  la_tensor_free (k);
  la_tensor_free (q);
  la_backend_free (be);
  return rc;
}
