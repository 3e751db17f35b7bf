/* liveavatar: per-op timings at the DiT's shapes, CUDA against the CPU
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* liveavatar-bench-ops [-n ITERATIONS] [OP]...
 *
 * Shapes are one block of the 14B DiT at 704x384: 3 latent frames x 1056
 * tokens = 3168 tokens, dim 5120, 40 heads x 128, FFN 13824, a KV window of
 * one block or of the whole cache (13500 tokens). The CUDA side runs in
 * the dtype the model will use (bf16, f32 for the residual stream) and is
 * timed over ITERATIONS queued runs (default 20, after a warm-up); the
 * CPU reference (f32, one thread) runs once on the first few rows only and
 * its time is scaled to the full shape, which is exact for these ops (work
 * is linear in the first dimension). Prints ms per call and TFLOP/s for
 * the matmul-like ops, GB/s of compulsory traffic for the others. Not a
 * test: it needs a GPU, and issue 6 extends it. */

#include "config.h"

#include "la-backend.h"
#include "cuda/la-cuda-device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKENS 3168             /* 3 latent frames x 1056 */
#define DIM 5120
#define FFN 13824
#define HEADS 40
#define HEAD_DIM 128
#define KV_CACHE 13500

typedef struct
{
  const gchar *label;
  LaOp op;
  LaDType dtype;                /* on CUDA; the CPU runs f32 */
  LaDType out;                  /* linear: y */
  gint64 rows;                  /* first dimension, the one the CPU trims */
  gint64 a, b;                  /* linear: in, out; attention: lk, -;
                                 * others: cols */
  gint cpu_rows;
} Bench;

static const Bench benches[] = {
  {"q/k/v/o proj", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS, DIM,
      DIM, 8},
  {"ffn up", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS, DIM, FFN, 4},
  {"ffn down", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_F32, TOKENS, FFN, DIM,
      4},
  {"q/k/v/o proj f32", LA_OP_LINEAR, LA_DTYPE_F32, LA_DTYPE_F32, TOKENS, DIM,
      DIM, 8},
  {"self-attn, one block", LA_OP_ATTENTION, LA_DTYPE_BF16, 0, TOKENS, TOKENS,
      0, 4},
  {"self-attn, KV cache", LA_OP_ATTENTION, LA_DTYPE_BF16, 0, TOKENS, KV_CACHE,
      0, 1},
  {"text cross-attn", LA_OP_ATTENTION, LA_DTYPE_BF16, 0, TOKENS, 512, 0, 16},
  {"q/k norm", LA_OP_RMS_NORM, LA_DTYPE_BF16, 0, TOKENS, DIM, 0, 64},
  {"norm + modulate", LA_OP_LAYER_NORM_MODULATE, LA_DTYPE_F32, 0, TOKENS,
      DIM, 0, 64},
  {"ffn gelu", LA_OP_GELU_TANH, LA_DTYPE_BF16, 0, TOKENS, FFN, 0, 64},
  {"rope q", LA_OP_ROPE_3D, LA_DTYPE_BF16, 0, TOKENS, 0, 0, 64},
  {"residual", LA_OP_GATED_RESIDUAL, LA_DTYPE_F32, 0, TOKENS, DIM, 0, 64},
  {"add", LA_OP_ADD, LA_DTYPE_F32, 0, TOKENS, DIM, 0, 64},
  {"euler step (latents)", LA_OP_EULER_STEP, LA_DTYPE_F32, 0, 3 * 16, 48 * 88,
      0, 48},
  {"to bf16", LA_OP_CONVERT, LA_DTYPE_F32, LA_DTYPE_BF16, TOKENS, DIM, 0, 64},
};

typedef struct
{
  LaTensor *t[4];
  LaTensor *dst;
  gboolean failed;              /* some tensor could not be allocated */
} Args;

static void
fill (LaTensor * t, gdouble amp)
{
  gint64 n = la_tensor_nelements (t), i;
  gfloat *v = g_new (gfloat, n);
  guint32 s = 12345;

  for (i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    v[i] = (gfloat) (amp * ((gdouble) (s >> 8) / 8388608.0 - 1.0));
  }
  la_tensor_set_f32 (t, v, n, NULL);
  g_free (v);
}

static LaTensor *
make_tensor (Args * args, LaBackend * be, LaDType dtype, gint n_dims,
    gint64 a, gint64 b, gint64 c, gdouble amp)
{
  gint64 ne[] = { a, b, c };
  LaTensor *t = la_tensor_new (be, dtype, n_dims, ne, NULL);

  if (!t)
    args->failed = TRUE;
  else if (amp > 0)
    fill (t, amp);
  return t;
}

#define make(...) make_tensor (a, __VA_ARGS__)

/* Tensors for @b with @rows in the first dimension; FALSE when the device
 * is out of memory. */
static gboolean
setup (LaBackend * be, const Bench * b, gint64 rows, gboolean cpu, Args * a)
{
  LaDType dt = cpu ? LA_DTYPE_F32 : b->dtype;
  LaDType out = cpu ? LA_DTYPE_F32 : (b->out ? b->out : dt);

  memset (a, 0, sizeof (*a));
  switch (b->op) {
    case LA_OP_LINEAR:
      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, dt, 2, b->b, b->a, 0, 0.01);
      a->t[2] = make (be, out, 1, b->b, 0, 0, 1.0);
      a->dst = make (be, out, 2, rows, b->b, 0, 0);
      break;
    case LA_OP_ATTENTION:
      a->t[0] = make (be, dt, 3, rows, HEADS, HEAD_DIM, 1.0);
      a->t[1] = make (be, dt, 3, b->a, HEADS, HEAD_DIM, 1.0);
      a->t[2] = make (be, dt, 3, b->a, HEADS, HEAD_DIM, 1.0);
      a->dst = make (be, dt, 3, rows, HEADS, HEAD_DIM, 0);
      break;
    case LA_OP_ROPE_3D:
      a->t[0] = make (be, dt, 3, rows, HEADS, HEAD_DIM, 1.0);
      a->t[1] = make (be, LA_DTYPE_I32, 2, rows, 3, 0, 40.0);
      a->dst = make (be, dt, 3, rows, HEADS, HEAD_DIM, 0);
      break;
    case LA_OP_RMS_NORM:
      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, dt, 1, b->a, 0, 0, 1.0);
      a->dst = make (be, dt, 2, rows, b->a, 0, 0);
      break;
    case LA_OP_LAYER_NORM_MODULATE:
    case LA_OP_GATED_RESIDUAL:
      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, dt, 1, b->a, 0, 0, 1.0);
      a->t[2] = make (be, dt, b->op == LA_OP_GATED_RESIDUAL ? 2 : 1,
          b->op == LA_OP_GATED_RESIDUAL ? rows : b->a, b->a, 0, 1.0);
      a->dst = make (be, dt, 2, rows, b->a, 0, 0);
      break;
    default:
      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      if (b->op == LA_OP_ADD || b->op == LA_OP_EULER_STEP)
        a->t[1] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->dst = make (be, b->op == LA_OP_CONVERT ? out : dt, 2, rows, b->a, 0,
          0);
      break;
  }
  return !a->failed;
}

#undef make

static void
teardown (Args * a)
{
  gint i;

  for (i = 0; i < 4; i++)
    la_tensor_free (a->t[i]);
  la_tensor_free (a->dst);
}

static gboolean
run (LaBackend * be, const Bench * b, Args * a, GError ** error)
{
  switch (b->op) {
    case LA_OP_LINEAR:
      return la_linear (be, a->dst, a->t[0], a->t[1], a->t[2], error);
    case LA_OP_ATTENTION:
      return la_attention (be, a->dst, a->t[0], a->t[1], a->t[2], 0, error);
    case LA_OP_ROPE_3D:
      return la_rope_3d (be, a->dst, a->t[0], a->t[1], 10000.0f, error);
    case LA_OP_RMS_NORM:
      return la_rms_norm (be, a->dst, a->t[0], a->t[1], 1e-6f, error);
    case LA_OP_LAYER_NORM_MODULATE:
      return la_layer_norm_modulate (be, a->dst, a->t[0], a->t[1], a->t[2],
          1e-6f, error);
    case LA_OP_GATED_RESIDUAL:
      return la_gated_residual (be, a->dst, a->t[0], a->t[1], a->t[2], error);
    case LA_OP_GELU_TANH:
      return la_gelu_tanh (be, a->dst, a->t[0], error);
    case LA_OP_ADD:
      return la_add (be, a->dst, a->t[0], a->t[1], error);
    case LA_OP_EULER_STEP:
      return la_euler_step (be, a->dst, a->t[0], a->t[1], -0.25f, error);
    case LA_OP_CONVERT:
      return la_convert (be, a->dst, a->t[0], error);
    default:
      g_assert_not_reached ();
  }
  return FALSE;
}

/* Seconds per call: @iters calls queued back to back, then one wait. */
static gdouble
time_calls (LaBackend * be, const Bench * b, Args * a, gint iters,
    GError ** error)
{
  gint64 start;
  gint i;

  if (!run (be, b, a, error) || !la_backend_synchronize (be, error))
    return -1.0;
  start = g_get_monotonic_time ();
  for (i = 0; i < iters; i++)
    if (!run (be, b, a, error))
      return -1.0;
  if (!la_backend_synchronize (be, error))
    return -1.0;
  return (gdouble) (g_get_monotonic_time () - start) / 1e6 / iters;
}

/* FLOPs (matmul-like ops) or compulsory bytes (the rest) of the full op. */
static void
work (const Bench * b, gdouble * flops, gdouble * bytes)
{
  gdouble es = la_dtype_size (b->dtype), n = (gdouble) b->rows;

  *flops = 0.0;
  *bytes = 0.0;
  switch (b->op) {
    case LA_OP_LINEAR:
      *flops = 2.0 * n * b->a * b->b;
      break;
    case LA_OP_ATTENTION:
      *flops = 4.0 * n * b->a * HEADS * HEAD_DIM;
      break;
    case LA_OP_ROPE_3D:
      *bytes = 2.0 * n * HEADS * HEAD_DIM * es;
      break;
    case LA_OP_GATED_RESIDUAL:
    case LA_OP_ADD:
    case LA_OP_EULER_STEP:
      *bytes = 3.0 * n * b->a * es;
      break;
    case LA_OP_CONVERT:
      *bytes = n * b->a * (es + la_dtype_size (b->out));
      break;
    default:
      *bytes = 2.0 * n * b->a * es;
      break;
  }
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  LaBackend *gpu, *cpu;
  gchar *device = NULL;
  guint64 memory = 0;
  gint iters = 20, i, j;
  gchar **filters = NULL;
  GPtrArray *f = g_ptr_array_new ();

  for (i = 1; i < argc; i++) {
    if (g_strcmp0 (argv[i], "-n") == 0 && i + 1 < argc)
      iters = MAX (1, atoi (argv[++i]));
    else
      g_ptr_array_add (f, argv[i]);
  }
  g_ptr_array_add (f, NULL);
  filters = (gchar **) f->pdata;

  if (la_cuda_device_count (&error) <= 0) {
    fprintf (stderr, "no CUDA device (%s)\n", error ? error->message :
        "the driver reports none");
    g_clear_error (&error);
    g_ptr_array_free (f, TRUE);
    return 77;
  }
  gpu = la_backend_new (LA_BACKEND_CUDA, 0, &error);
  if (!gpu) {
    fprintf (stderr, "%s\n", error->message);
    g_clear_error (&error);
    g_ptr_array_free (f, TRUE);
    return 1;
  }
  cpu = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  la_cuda_device_describe (0, &device, &memory, NULL);
  printf ("device: %s, %.1f GiB; %d iterations per CUDA timing\n", device,
      memory / 1073741824.0, iters);
  printf ("%-22s %-30s %10s %14s %12s %9s\n", "op", "shape (cuda dtype)",
      "cuda ms", "rate", "cpu s (est)", "speedup");
  g_free (device);

  for (i = 0; i < (gint) G_N_ELEMENTS (benches); i++) {
    const Bench *b = &benches[i];
    gdouble t_gpu, t_cpu, flops, bytes;
    gboolean wanted = filters[0] == NULL;
    gchar shape[64], rate[32];
    Args a;

    for (j = 0; filters[j]; j++)
      if (g_strcmp0 (filters[j], la_op_name (b->op)) == 0)
        wanted = TRUE;
    if (!wanted)
      continue;

    if (b->op == LA_OP_ATTENTION)
      g_snprintf (shape, sizeof (shape), "q%" G_GINT64_FORMAT " kv%"
          G_GINT64_FORMAT " %dx%d %s", b->rows, b->a, HEADS, HEAD_DIM,
          la_dtype_name (b->dtype));
    else if (b->op == LA_OP_LINEAR)
      g_snprintf (shape, sizeof (shape), "%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT "->%" G_GINT64_FORMAT " %s", b->rows, b->a, b->b,
          la_dtype_name (b->dtype));
    else
      g_snprintf (shape, sizeof (shape), "%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT " %s", b->rows, b->op == LA_OP_ROPE_3D ?
          (gint64) HEADS * HEAD_DIM : b->a, la_dtype_name (b->dtype));

    if (!setup (gpu, b, b->rows, FALSE, &a)) {
      printf ("%-22s %-30s  (out of device memory)\n", b->label, shape);
      teardown (&a);
      continue;
    }
    t_gpu = time_calls (gpu, b, &a, iters, &error);
    teardown (&a);
    if (t_gpu < 0) {
      printf ("%-22s %-30s  error: %s\n", b->label, shape, error->message);
      g_clear_error (&error);
      continue;
    }

    t_cpu = -1.0;
    if (setup (cpu, b, b->cpu_rows, TRUE, &a))
      t_cpu = time_calls (cpu, b, &a, 1, NULL);
    teardown (&a);
    t_cpu *= (gdouble) b->rows / b->cpu_rows;

    work (b, &flops, &bytes);
    if (flops > 0)
      g_snprintf (rate, sizeof (rate), "%.1f TFLOP/s", flops / t_gpu / 1e12);
    else
      g_snprintf (rate, sizeof (rate), "%.0f GB/s", bytes / t_gpu / 1e9);
    printf ("%-22s %-30s %10.3f %14s %12.2f %8.0fx\n", b->label, shape,
        t_gpu * 1e3, rate, t_cpu, t_cpu / t_gpu);
    fflush (stdout);
  }

  la_backend_free (cpu);
  la_backend_free (gpu);
  g_ptr_array_free (f, TRUE);
  return 0;
}
