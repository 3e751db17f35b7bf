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
 * test: it needs a GPU, and issue 6 extends it.
 *
 * The VAE, audio and text encoder rows use their models' shapes: the
 * decoder's full-resolution stage (96 channels at 384x704, a block's 4
 * output frames with the causal conv's 2-frame past), wav2vec2's
 * 512-channel feature convolutions over a second of audio, umT5-XXL's FFN
 * (f32 activations over bf16 weights) and its 64 x 64-dim attention with
 * the relative position bias over 512 tokens.
 *
 * The fp8 rows are Live Avatar's --fp8 linears (la_linear_fp8 (): bf16
 * activations quantised per call, e4m3 weights, cuBLASLt's FP8 GEMM) at
 * the same three shapes as the bf16 rows above them, with the same output
 * dtypes, so the two TFLOP/s columns compare directly; their time
 * includes the activations' amax and quantisation. */

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
#define VAE_H 384               /* the decoder's last stage */
#define VAE_W 704
#define T5_HEADS 64             /* umT5-XXL */
#define T5_HEAD_DIM 64

typedef struct
{
  const gchar *label;
  LaOp op;
  LaDType dtype;                /* on CUDA; the CPU runs f32 */
  LaDType out;                  /* linear, linear_fp8: y; linear_mixed: w */
  gint64 rows;                  /* first dimension, the one the CPU trims */
  gint64 a, b;                  /* linear, linear_mixed, conv1d: in, out;
                                 * attention(_bias): lk, -; conv3d and
                                 * channel norm: channels, -; upsample:
                                 * h, w; others: cols */
  gint cpu_rows;
} Bench;

static const Bench benches[] = {
  {"q/k/v/o proj", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS, DIM,
      DIM, 8},
  {"ffn up", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS, DIM, FFN, 4},
  {"ffn down", LA_OP_LINEAR, LA_DTYPE_BF16, LA_DTYPE_F32, TOKENS, FFN, DIM,
      4},
  {"fp8 q/k/v/o proj", LA_OP_LINEAR_FP8, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS,
      DIM, DIM, 8},
  {"fp8 ffn up", LA_OP_LINEAR_FP8, LA_DTYPE_BF16, LA_DTYPE_BF16, TOKENS, DIM,
      FFN, 4},
  {"fp8 ffn down", LA_OP_LINEAR_FP8, LA_DTYPE_BF16, LA_DTYPE_F32, TOKENS, FFN,
      DIM, 4},
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
  /* video VAE: rows = output frames (conv, norm), planes (upsample), or
   * rows of a [4 * 96 * 384, 704] view (silu) */
  {"vae conv 3x3x3", LA_OP_CONV3D, LA_DTYPE_BF16, 0, 4, 96, 0, 1},
  {"vae rms norm", LA_OP_CHANNEL_RMS_NORM, LA_DTYPE_BF16, 0, 4, 96, 0, 1},
  {"vae silu", LA_OP_SILU, LA_DTYPE_BF16, 0, 4 * 96 * VAE_H, VAE_W, 0,
      VAE_H},
  {"vae upsample 2x", LA_OP_UPSAMPLE_NEAREST_2X, LA_DTYPE_BF16, 0, 4 * 192,
      VAE_H / 2, VAE_W / 2, 16},
  {"vae clamp", LA_OP_CLAMP, LA_DTYPE_BF16, 0, 4 * 3 * VAE_H, VAE_W, 0,
      VAE_H},
  /* audio encoder: rows = input frames (50 per second after the first
   * layer's stride 5 x 2 x ..., here a second at the 2nd layer's rate) */
  {"audio conv k3 s2", LA_OP_CONV1D, LA_DTYPE_F32, 0, 3199, 512, 512, 65},
  {"audio gelu", LA_OP_GELU_ERF, LA_DTYPE_F32, 0, 3199, 512, 0, 64},
  /* text encoder */
  {"text ffn (mixed)", LA_OP_LINEAR_MIXED, LA_DTYPE_F32, LA_DTYPE_BF16, 512,
      4096, 10240, 8},
  {"text attn + bias", LA_OP_ATTENTION_BIAS, LA_DTYPE_F32, 0, 512, 512, 0,
      16},
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
    case LA_OP_LINEAR_FP8:{
      /* codes over e4m3's range and a scale making w about 0.01 */
      const gfloat w_scale = 0.01f / 448.0f;

      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, LA_DTYPE_FP8_E4M3, 2, b->b, b->a, 0, 448.0);
      a->t[2] = make (be, LA_DTYPE_F32, 1, 1, 0, 0, 0);
      a->t[3] = make (be, LA_DTYPE_F32, 1, b->b, 0, 0, 1.0);
      a->dst = make (be, out, 2, rows, b->b, 0, 0);
      if (a->t[2])
        la_tensor_set_f32 (a->t[2], &w_scale, 1, NULL);
      break;
    }
    case LA_OP_ATTENTION:
      a->t[0] = make (be, dt, 3, rows, HEADS, HEAD_DIM, 1.0);
      a->t[1] = make (be, dt, 3, b->a, HEADS, HEAD_DIM, 1.0);
      a->t[2] = make (be, dt, 3, b->a, HEADS, HEAD_DIM, 1.0);
      a->dst = make (be, dt, 3, rows, HEADS, HEAD_DIM, 0);
      break;
    case LA_OP_CONV3D:{
      /* 3x3x3, padding 1, a 2-frame causal past: rows output frames */
      gint64 x_ne[] = { rows, b->a, VAE_H, VAE_W };
      gint64 p_ne[] = { 2, b->a, VAE_H, VAE_W };
      gint64 w_ne[] = { b->a, b->a, 3, 9 };

      a->t[0] = la_tensor_new (be, dt, 4, x_ne, NULL);
      a->t[1] = la_tensor_new (be, dt, 4, p_ne, NULL);
      a->t[2] = la_tensor_new (be, dt, 4, w_ne, NULL);
      a->t[3] = make (be, dt, 1, b->a, 0, 0, 0.1);
      a->dst = la_tensor_new (be, dt, 4, x_ne, NULL);
      a->failed |= !a->t[0] || !a->t[1] || !a->t[2] || !a->dst;
      if (!a->failed) {
        fill (a->t[0], 1.0);
        fill (a->t[1], 1.0);
        fill (a->t[2], 0.02);
      }
      break;
    }
    case LA_OP_CHANNEL_RMS_NORM:{
      gint64 x_ne[] = { rows, b->a, VAE_H, VAE_W };

      a->t[0] = la_tensor_new (be, dt, 4, x_ne, NULL);
      a->t[1] = make (be, dt, 1, b->a, 0, 0, 1.0);
      a->dst = la_tensor_new (be, dt, 4, x_ne, NULL);
      a->failed |= !a->t[0] || !a->dst;
      if (!a->failed)
        fill (a->t[0], 1.0);
      break;
    }
    case LA_OP_UPSAMPLE_NEAREST_2X:
      a->t[0] = make (be, dt, 3, rows, b->a, b->b, 1.0);
      a->dst = make (be, dt, 3, rows, 2 * b->a, 2 * b->b, 0);
      break;
    case LA_OP_CONV1D:
      a->t[0] = make (be, dt, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, dt, 3, b->b, b->a, 3, 0.02);
      a->t[2] = make (be, dt, 1, b->b, 0, 0, 0.1);
      a->dst = make (be, dt, 2, (rows - 3) / 2 + 1, b->b, 0, 0);
      break;
    case LA_OP_LINEAR_MIXED:
      /* the weights stay bf16 on both sides: the CPU has the op too */
      a->t[0] = make (be, LA_DTYPE_F32, 2, rows, b->a, 0, 1.0);
      a->t[1] = make (be, b->out, 2, b->b, b->a, 0, 0.01);
      a->dst = make (be, LA_DTYPE_F32, 2, rows, b->b, 0, 0);
      break;
    case LA_OP_ATTENTION_BIAS:
      a->t[0] = make (be, dt, 3, rows, T5_HEADS, T5_HEAD_DIM, 1.0);
      a->t[1] = make (be, dt, 3, b->a, T5_HEADS, T5_HEAD_DIM, 1.0);
      a->t[2] = make (be, dt, 3, b->a, T5_HEADS, T5_HEAD_DIM, 1.0);
      a->t[3] = make (be, dt, 3, T5_HEADS, rows, b->a, 1.0);
      a->dst = make (be, dt, 3, rows, T5_HEADS, T5_HEAD_DIM, 0);
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
    case LA_OP_LINEAR_FP8:
      return la_linear_fp8 (be, a->dst, a->t[0], a->t[1], a->t[2], a->t[3],
          error);
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
    case LA_OP_CONV3D:{
      const LaConv3dParams p = { {3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1} };

      return la_conv3d (be, a->dst, a->t[0], a->t[1], a->t[2], a->t[3], &p,
          error);
    }
    case LA_OP_CHANNEL_RMS_NORM:
      return la_channel_rms_norm (be, a->dst, a->t[0], a->t[1], NULL, error);
    case LA_OP_SILU:
      return la_silu (be, a->dst, a->t[0], error);
    case LA_OP_UPSAMPLE_NEAREST_2X:
      return la_upsample_nearest_2x (be, a->dst, a->t[0], error);
    case LA_OP_CLAMP:
      return la_clamp (be, a->dst, a->t[0], -1.0f, 1.0f, error);
    case LA_OP_CONV1D:{
      const LaConv1dParams p = { 2, {0, 0}, 1 };

      return la_conv1d (be, a->dst, a->t[0], a->t[1], a->t[2], &p, error);
    }
    case LA_OP_GELU_ERF:
      return la_gelu_erf (be, a->dst, a->t[0], error);
    case LA_OP_LINEAR_MIXED:
      return la_linear (be, a->dst, a->t[0], a->t[1], NULL, error);
    case LA_OP_ATTENTION_BIAS:
      return la_attention_bias (be, a->dst, a->t[0], a->t[1], a->t[2],
          a->t[3], 1.0f, error);
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
    case LA_OP_LINEAR_FP8:
      *flops = 2.0 * n * b->a * b->b;
      break;
    case LA_OP_ATTENTION:
      *flops = 4.0 * n * b->a * HEADS * HEAD_DIM;
      break;
    case LA_OP_CONV3D:
      *flops = 2.0 * n * b->a * b->a * 27.0 * VAE_H * VAE_W;
      break;
    case LA_OP_CONV1D:
      *flops = 2.0 * ((b->rows - 3) / 2 + 1) * b->a * b->b * 3.0;
      break;
    case LA_OP_LINEAR_MIXED:
      *flops = 2.0 * n * b->a * b->b;
      break;
    case LA_OP_ATTENTION_BIAS:
      *flops = 4.0 * n * b->a * T5_HEADS * T5_HEAD_DIM;
      break;
    case LA_OP_CHANNEL_RMS_NORM:
      *bytes = 2.0 * n * b->a * VAE_H * VAE_W * es;
      break;
    case LA_OP_UPSAMPLE_NEAREST_2X:
      *bytes = 5.0 * n * b->a * b->b * es;
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
    if (g_strcmp0 (argv[i], "-n") == 0 && i + 1 < argc) {
      /* not inside MAX (), which would evaluate argv[++i] twice */
      iters = atoi (argv[++i]);
      iters = MAX (1, iters);
    } else
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

    if (b->op == LA_OP_CONV3D || b->op == LA_OP_CHANNEL_RMS_NORM)
      g_snprintf (shape, sizeof (shape), "%" G_GINT64_FORMAT "f %"
          G_GINT64_FORMAT "ch %dx%d %s", b->rows, b->a, VAE_H, VAE_W,
          la_dtype_name (b->dtype));
    else if (b->op == LA_OP_ATTENTION_BIAS)
      g_snprintf (shape, sizeof (shape), "q%" G_GINT64_FORMAT " kv%"
          G_GINT64_FORMAT " %dx%d %s", b->rows, b->a, T5_HEADS, T5_HEAD_DIM,
          la_dtype_name (b->dtype));
    else if (b->op == LA_OP_LINEAR_MIXED)
      g_snprintf (shape, sizeof (shape), "%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT "->%" G_GINT64_FORMAT " f32 x %s", b->rows, b->a,
          b->b, la_dtype_name (b->out));
    else if (b->op == LA_OP_LINEAR_FP8)
      g_snprintf (shape, sizeof (shape), "%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT "->%" G_GINT64_FORMAT " %s x e4m3", b->rows, b->a,
          b->b, la_dtype_name (b->dtype));
    else if (b->op == LA_OP_ATTENTION)
      g_snprintf (shape, sizeof (shape), "q%" G_GINT64_FORMAT " kv%"
          G_GINT64_FORMAT " %dx%d %s", b->rows, b->a, HEADS, HEAD_DIM,
          la_dtype_name (b->dtype));
    else if (b->op == LA_OP_LINEAR || b->op == LA_OP_CONV1D)
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
