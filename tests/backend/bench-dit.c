/* liveavatar: one DiT forward of a block at the 14B shapes, random weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* liveavatar-bench-dit [--backend auto|cpu|cuda] [--precision fp32|bf16|fp8]
 *     [--compute auto|f32|bf16] [--layers N] [--size WxH] [--dim D] [--heads H] [--ffn F]
 *     [--text-len T] [--text-dim T] [--audio-dim A] [--iters N]
 *
 * Builds the Wan2.2-S2V DiT (defaults: the 14B's dim 5120, 40 heads x 128,
 * FFN 13824, text 512 x 4096, audio 1024, injection after the official
 * layers [0, 4, ..., 39] that fall below --layers) with random bf16
 * weights in an in-memory safetensors checkpoint, --layers layers only (a
 * 40-layer fp32 copy fits no GPU next to the rest), then times
 * la_dit_forward () on a block of 3 latent frames at the steady state:
 * the sink prefilled, the 12-frame ring full (4 forwards fill it, one
 * more warms up). Prints ms per forward and per layer, TFLOP/s counted
 * from the shapes, the 40-layer forward extrapolated by FLOPs and the fps
 * one device reaches at 4 steps (4 forwards per 12 video frames), and a
 * RESULT line that tools/bench-dit.sh compares with bench_dit_torch.py.
 * --precision is how the DiT stores its linear weights (LaDitWeights:
 * bf16 on CUDA and fp32 on the CPU by default, or Live Avatar's --fp8
 * with its bf16 layers); --compute the dtype it computes in
 * (LaDitCompute: auto, the default, is bf16 on CUDA as Live Avatar's
 * autocast, fp32 on the CPU, or LIVEAVATAR_COMPUTE; f32 under fp32
 * weights). Bf16 compute on CUDA is the number to hold against PyTorch
 * bf16. */

#include "config.h"

#include "la-backend.h"
#include "la-checkpoint.h"
#include "la-dit.h"
#include "la-safetensors-writer.h"
#include "liveavatar.h"
#if LA_HAVE_CUDA
#include "cuda/la-cuda-device.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Z 16                    /* latent channels */
#define BLOCK_FRAMES 3          /* latent frames per block */
#define RING_FRAMES 12          /* one clip */
#define FULL_LAYERS 40
#define STEPS 4
#define VIDEO_PER_LATENT 4      /* the VAE's temporal factor */

static const gint official_inject[] =
    { 0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36, 39 };

typedef struct
{
  LaSafetensorsWriter *w;
  guint64 rng;
  GError *error;
} Weights;

static gfloat
uniform (guint64 * s)
{
  /* splitmix64: fast enough for a few hundred million values */
  guint64 z = (*s += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (gfloat) ((gdouble) (z >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* @offset + @amp * U(-1, 1), stored bf16 */
static void
add (Weights * wt, const gchar * name, gint ndim, const gint64 * shape,
    gdouble offset, gdouble amp)
{
  gint64 n = 1, i;
  gfloat *v;
  gint d;

  if (wt->error)
    return;
  for (d = 0; d < ndim; d++)
    n *= shape[d];
  v = g_new (gfloat, n);
  for (i = 0; i < n; i++)
    v[i] = (gfloat) (offset + amp * uniform (&wt->rng));
  la_safetensors_writer_add_f32 (wt->w, name, LA_IO_DTYPE_BF16, ndim, shape,
      v, &wt->error);
  g_free (v);
}

/* weight [shape] with PyTorch's default scale 1 / sqrt (fan_in), bias */
static void
add_layer (Weights * wt, const gchar * prefix, gint ndim, const gint64 * shape)
{
  gint64 fan_in = 1;
  gchar *name;
  gint d;

  for (d = 1; d < ndim; d++)
    fan_in *= shape[d];
  name = g_strconcat (prefix, ".weight", NULL);
  add (wt, name, ndim, shape, 0.0, 1.0 / sqrt ((gdouble) fan_in));
  g_free (name);
  name = g_strconcat (prefix, ".bias", NULL);
  add (wt, name, 1, shape, 0.0, 0.02);
  g_free (name);
}

static void
add_linear (Weights * wt, const gchar * prefix, gint64 in, gint64 out)
{
  gint64 s[2] = { out, in };

  add_layer (wt, prefix, 2, s);
}

static void
add_attention (Weights * wt, const gchar * prefix, gint64 dim)
{
  static const gchar *const proj[] = { "q", "k", "v", "o" };
  gchar *name;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (proj); i++) {
    name = g_strdup_printf ("%s.%s", prefix, proj[i]);
    add_linear (wt, name, dim, dim);
    g_free (name);
  }
  name = g_strdup_printf ("%s.norm_q.weight", prefix);
  add (wt, name, 1, &dim, 1.0, 0.1);
  g_free (name);
  name = g_strdup_printf ("%s.norm_k.weight", prefix);
  add (wt, name, 1, &dim, 1.0, 0.1);
  g_free (name);
}

static void
add_patchifier (Weights * wt, const gchar * prefix, gint64 dim, gint64 kt,
    gint64 k)
{
  gint64 s[5] = { dim, Z, kt, k, k };

  add_layer (wt, prefix, 5, s);
}

static void
add_conv1d (Weights * wt, const gchar * which, gint64 in, gint64 out)
{
  gint64 s[3] = { out, in, 3 };
  gchar *name = g_strdup_printf ("casual_audio_encoder.encoder.%s.conv", which);

  add_layer (wt, name, 3, s);
  g_free (name);
}

/* WanModel_S2V's state dict (the names la_dit_new () reads) for @c */
static LaCheckpoint *
random_checkpoint (const LaDitConfig * c, GError ** error)
{
  Weights wt = { la_safetensors_writer_new (), 42, NULL };
  gint64 dim = c->dim, mod[3] = { 1, 6, dim }, head_mod[3] = { 1, 2, dim };
  gint64 fusion[4] = { 1, LA_DIT_AUDIO_STATES, 1, 1 };
  gint64 pad[4] = { 1, 1, 1, dim }, mask[2] = { 3, dim };
  LaCheckpoint *ck = NULL;
  GBytes *bytes;
  gchar *p, *q;
  gint i;

  add_patchifier (&wt, "patch_embedding", dim, 1, 2);
  add_linear (&wt, "text_embedding.0", c->text_dim, dim);
  add_linear (&wt, "text_embedding.2", dim, dim);
  add_linear (&wt, "time_embedding.0", c->freq_dim, dim);
  add_linear (&wt, "time_embedding.2", dim, dim);
  add_linear (&wt, "time_projection.1", dim, 6 * dim);
  for (i = 0; i < c->num_layers; i++) {
    p = g_strdup_printf ("blocks.%d", i);
    q = g_strconcat (p, ".self_attn", NULL);
    add_attention (&wt, q, dim);
    g_free (q);
    q = g_strconcat (p, ".cross_attn", NULL);
    add_attention (&wt, q, dim);
    g_free (q);
    q = g_strconcat (p, ".norm3.weight", NULL);
    add (&wt, q, 1, &dim, 1.0, 0.1);
    g_free (q);
    q = g_strconcat (p, ".norm3.bias", NULL);
    add (&wt, q, 1, &dim, 0.0, 0.02);
    g_free (q);
    q = g_strconcat (p, ".ffn.0", NULL);
    add_linear (&wt, q, dim, c->ffn_dim);
    g_free (q);
    q = g_strconcat (p, ".ffn.2", NULL);
    add_linear (&wt, q, c->ffn_dim, dim);
    g_free (q);
    q = g_strconcat (p, ".modulation", NULL);
    add (&wt, q, 3, mod, 0.0, 1.0 / sqrt ((gdouble) dim));
    g_free (q);
    g_free (p);
  }
  add_linear (&wt, "head.head", dim, 4 * Z);
  add (&wt, "head.modulation", 3, head_mod, 0.0, 1.0 / sqrt ((gdouble) dim));
  add_patchifier (&wt, "cond_encoder", dim, 1, 2);

  /* positive: the SiLU of the 25 layer weights must sum above zero */
  add (&wt, "casual_audio_encoder.weights", 4, fusion, 0.5, 0.4);
  add_conv1d (&wt, "conv1_local", c->audio_dim, dim / 4 * c->num_audio_token);
  add_conv1d (&wt, "conv1_global", c->audio_dim, dim / 4);
  add_conv1d (&wt, "conv2", dim / 4, dim / 2);
  add_conv1d (&wt, "conv3", dim / 2, dim);
  add_linear (&wt, "casual_audio_encoder.encoder.final_linear", dim, dim);
  add (&wt, "casual_audio_encoder.encoder.padding_tokens", 4, pad, 0.0, 1.0);
  for (i = 0; i < (gint) c->n_audio_inject_layers; i++) {
    p = g_strdup_printf ("audio_injector.injector.%d", i);
    add_attention (&wt, p, dim);
    g_free (p);
    p = g_strdup_printf ("audio_injector.injector_adain_layers.%d.linear", i);
    add_linear (&wt, p, dim, 2 * dim);
    g_free (p);
  }
  add (&wt, "trainable_cond_mask.weight", 2, mask, 0.0, 1.0);
  add_patchifier (&wt, "frame_packer.proj", dim, 1, 2);
  add_patchifier (&wt, "frame_packer.proj_2x", dim, 2, 4);
  add_patchifier (&wt, "frame_packer.proj_4x", dim, 4, 8);

  if (wt.error) {
    g_propagate_error (error, wt.error);
    la_safetensors_writer_free (wt.w);
    return NULL;
  }
  bytes = la_safetensors_writer_to_bytes (wt.w);
  /* before the checkpoint: the writer's copy would double the peak */
  la_safetensors_writer_free (wt.w);
  ck = la_checkpoint_new_from_bytes (bytes, "random.safetensors", error);
  g_bytes_unref (bytes);
  return ck;
}

/* FLOPs of one forward's transformer layers (2 per multiply-add), for L
 * query tokens against K self-attention keys, T text tokens, A audio
 * tokens per frame, d = dim, f = ffn:
 *   per layer        2 L d^2 (4 + 2)        q, k, v, o; cross q, o (the
 *                                           cross k, v are per prompt)
 *                  + 2 L d f * 2            FFN up and down
 *                  + 4 L K d                self-attention, QK^T and PV
 *                  + 4 L T d                cross-attention
 *   injected layer + 2 L d^2 * 2 + 4 L A d  audio q, o and attention
 * (the audio k, v, adaLN, norms, RoPE, modulation, head: < 0.1 %). */
static gdouble
forward_flops (const LaDitConfig * c, gdouble L, gdouble K, gint layers,
    gint injected)
{
  gdouble d = c->dim, f = c->ffn_dim, T = c->text_len;
  gdouble A = c->num_audio_token + 1;
  gdouble layer = 2.0 * L * d * d * 6.0 + 4.0 * L * d * f + 4.0 * L * K * d
      + 4.0 * L * T * d;
  gdouble inject = 4.0 * L * d * d + 4.0 * L * A * d;

  return layers * layer + injected * inject;
}

static LaTensor *
random_tensor (LaBackend * be, gint n_dims, const gint64 * ne, gdouble amp,
    guint64 seed, GError ** error)
{
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, n_dims, ne, error);
  gint64 n, i;
  gfloat *v;

  if (!t)
    return NULL;
  n = la_tensor_nelements (t);
  v = g_new (gfloat, n);
  for (i = 0; i < n; i++)
    v[i] = (gfloat) (amp * uniform (&seed));
  if (!la_tensor_set_f32 (t, v, n, error)) {
    la_tensor_free (t);
    t = NULL;
  }
  g_free (v);
  return t;
}

static gchar *
device_name (LaBackend * be)
{
#if LA_HAVE_CUDA
  if (la_backend_get_kind (be) == LA_BACKEND_CUDA) {
    gchar *name = NULL;
    guint64 memory = 0;

    if (la_cuda_device_describe (la_backend_get_device_index (be), &name,
            &memory, NULL)) {
      gchar *s = g_strdup_printf ("%s, %.1f GiB", name,
          memory / 1073741824.0);

      g_free (name);
      return s;
    }
  }
#endif
  return g_strdup_printf ("CPU backend, %u threads", g_get_num_processors ());
}

static gboolean
parse_size (const gchar * s, gint * w, gint * h)
{
  gchar *end = NULL;
  gint64 a, b;

  a = g_ascii_strtoll (s, &end, 10);
  if (!end || *end != 'x')
    return FALSE;
  b = g_ascii_strtoll (end + 1, &end, 10);
  if (!end || *end || a <= 0 || b <= 0 || a % 16 || b % 16 || a > 16384
      || b > 16384)
    return FALSE;
  *w = (gint) a;
  *h = (gint) b;
  return TRUE;
}

static gint
usage (void)
{
  fprintf (stderr, "usage: liveavatar-bench-dit [--backend auto|cpu|cuda] "
      "[--precision fp32|bf16|fp8] [--compute auto|f32|bf16] [--layers N] [--size WxH (multiples of 16)] [--dim D] [--heads H] "
      "[--ffn F] [--text-len T] [--text-dim T] [--audio-dim A] "
      "[--iters N]\n");
  return 2;
}

int
main (int argc, char **argv)
{
  LaDitConfig c = { 0 };
  LaBackendKind kind = LA_BACKEND_AUTO;
  LaDitWeights weights = LA_DIT_WEIGHTS_F32;
  gboolean weights_set = FALSE;
  LaDitCompute compute = LA_DIT_COMPUTE_AUTO;
  gint width = 704, height = 384, iters = 5, i, injected = 0, rc = 1;
  gint full_injected = 0;
  GError *error = NULL;
  LaBackend *be = NULL;
  LaCheckpoint *ck = NULL;
  LaDit *dit = NULL;
  LaDitCache *cache = NULL;
  LaDitCrossKv *cross = NULL;
  LaTensor *ctx = NULL, *ref = NULL, *motion = NULL, *latent = NULL;
  LaTensor *local = NULL, *global = NULL, *velocity = NULL;
  gint64 H, W, fsl, L, n_sink, K, frame = 0, t0, t1;
  gdouble flops, full_flops, sec, ms40, fps;
  gchar *device = NULL;

  c.dim = 5120;
  c.ffn_dim = 13824;
  c.num_heads = 40;
  c.num_layers = 2;
  c.in_dim = c.out_dim = c.cond_dim = Z;
  c.text_dim = 4096;
  c.text_len = 512;
  c.freq_dim = 256;
  c.patch_size[0] = 1;
  c.patch_size[1] = c.patch_size[2] = 2;
  c.eps = 1e-6;
  c.zero_timestep = TRUE;
  c.audio_dim = 1024;
  c.num_audio_token = 4;
  c.enable_adain = TRUE;
  c.enable_framepack = TRUE;

  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    gint n = v ? atoi (v) : 0;

    if (!v)
      return usage ();
    i++;
    if (g_strcmp0 (a, "--backend") == 0) {
      if (g_strcmp0 (v, "cpu") == 0)
        kind = LA_BACKEND_CPU;
      else if (g_strcmp0 (v, "cuda") == 0)
        kind = LA_BACKEND_CUDA;
      else if (g_strcmp0 (v, "auto") == 0)
        kind = LA_BACKEND_AUTO;
      else
        return usage ();
    } else if (g_strcmp0 (a, "--precision") == 0) {
      /* the DiT's linear weights (la-dit.h LaDitWeights) */
      if (g_strcmp0 (v, "fp32") == 0)
        weights = LA_DIT_WEIGHTS_F32;
      else if (g_strcmp0 (v, "bf16") == 0)
        weights = LA_DIT_WEIGHTS_BF16;
      else if (g_strcmp0 (v, "fp8") == 0)
        weights = LA_DIT_WEIGHTS_FP8;
      else
        return usage ();
      weights_set = TRUE;
    } else if (g_strcmp0 (a, "--compute") == 0) {
      if (g_strcmp0 (v, "f32") == 0 || g_strcmp0 (v, "fp32") == 0)
        compute = LA_DIT_COMPUTE_F32;
      else if (g_strcmp0 (v, "bf16") == 0)
        compute = LA_DIT_COMPUTE_BF16;
      else if (g_strcmp0 (v, "auto") == 0)
        compute = LA_DIT_COMPUTE_AUTO;
      else
        return usage ();
    } else if (g_strcmp0 (a, "--size") == 0) {
      if (!parse_size (v, &width, &height))
        return usage ();
    } else if (n <= 0 || n > 1 << 20)
      return usage ();
    else if (g_strcmp0 (a, "--layers") == 0 && n <= FULL_LAYERS)
      c.num_layers = n;
    else if (g_strcmp0 (a, "--dim") == 0)
      c.dim = n;
    else if (g_strcmp0 (a, "--heads") == 0)
      c.num_heads = n;
    else if (g_strcmp0 (a, "--ffn") == 0)
      c.ffn_dim = n;
    else if (g_strcmp0 (a, "--text-len") == 0)
      c.text_len = n;
    else if (g_strcmp0 (a, "--text-dim") == 0)
      c.text_dim = n;
    else if (g_strcmp0 (a, "--audio-dim") == 0)
      c.audio_dim = n;
    else if (g_strcmp0 (a, "--iters") == 0)
      iters = n;
    else
      return usage ();
  }
  /* the audio encoder splits dim in quarters, RoPE head_dim in 3 axes */
  if (c.dim % c.num_heads || c.dim % 4 || (c.dim / c.num_heads) % 2) {
    fprintf (stderr, "--dim must be a multiple of 4 and of --heads, with an "
        "even head size\n");
    return 2;
  }
  for (i = 0; i < (gint) G_N_ELEMENTS (official_inject); i++) {
    if (official_inject[i] < c.num_layers)
      c.audio_inject_layers[c.n_audio_inject_layers++] = official_inject[i];
    if (official_inject[i] < FULL_LAYERS)
      full_injected++;
  }
  injected = (gint) c.n_audio_inject_layers;

  H = height / 8;
  W = width / 8;
  fsl = (H / 2) * (W / 2);
  L = BLOCK_FRAMES * fsl;

  if (!(be = la_backend_new (kind, 0, &error)))
    goto out;
  device = device_name (be);
  /* the engine's choice (la_avatar_resolve_compute ()): bf16 weights and
   * compute on CUDA; fp32 weights keep fp32 compute */
  if (compute == LA_DIT_COMPUTE_AUTO)
    compute = weights_set && weights == LA_DIT_WEIGHTS_F32 ?
        LA_DIT_COMPUTE_F32 : la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO,
        la_backend_get_kind (be));
  if (!weights_set && compute == LA_DIT_COMPUTE_BF16)
    weights = LA_DIT_WEIGHTS_BF16;
  printf ("device: %s\n", device);
  printf ("config: dim %d, %d heads x %d, ffn %d, text %d x %d, audio %d, "
      "%d of %d layers (%d injected), %s linear weights, %s compute\n",
      c.dim, c.num_heads, c.dim / c.num_heads, c.ffn_dim, c.text_len,
      c.text_dim, c.audio_dim, c.num_layers, FULL_LAYERS, injected,
      la_dit_weights_name (weights), la_dit_compute_name (compute));
  fflush (stdout);

  t0 = g_get_monotonic_time ();
  if (!(ck = random_checkpoint (&c, &error))
      || !(dit = la_dit_new_with_compute (be, &c, ck, NULL, weights, compute,
              &error)))
    goto out;
  la_checkpoint_free (ck);
  ck = NULL;

  n_sink = la_dit_sink_tokens (dit, H, W);
  K = RING_FRAMES * fsl + n_sink;
  printf ("shape: %dx%d, %" G_GINT64_FORMAT " tokens per latent frame, "
      "block %d frames = %" G_GINT64_FORMAT " queries, %" G_GINT64_FORMAT
      " keys (ring %d frames + sink %" G_GINT64_FORMAT ")\n", width, height,
      fsl, BLOCK_FRAMES, L, K, RING_FRAMES, n_sink);

  {
    gint64 ctx_ne[2] = { c.text_len, c.dim };
    gint64 ref_ne[4] = { Z, 1, H, W };
    gint64 mot_ne[4] = { Z, LA_DIT_PACK_FRAMES, H, W };
    gint64 lat_ne[4] = { Z, BLOCK_FRAMES, H, W };
    gint64 loc_ne[3] = { BLOCK_FRAMES, c.num_audio_token + 1, c.dim };
    gint64 glob_ne[2] = { BLOCK_FRAMES, c.dim };

    if (!(ctx = random_tensor (be, 2, ctx_ne, 1.0, 1, &error))
        || !(ref = random_tensor (be, 4, ref_ne, 1.0, 2, &error))
        || !(motion = random_tensor (be, 4, mot_ne, 1.0, 3, &error))
        || !(latent = random_tensor (be, 4, lat_ne, 1.0, 4, &error))
        || !(local = random_tensor (be, 3, loc_ne, 1.0, 5, &error))
        || !(global = random_tensor (be, 2, glob_ne, 1.0, 6, &error))
        ||!(velocity = la_tensor_new (be, LA_DTYPE_F32, 4, lat_ne, &error))
        || !(cross = la_dit_cross_kv_new (dit, ctx, &error))
        || !(cache = la_dit_cache_new (dit, RING_FRAMES * fsl, n_sink, 7,
                &error))
        || !la_dit_sink_prefill (dit, cache, ref, motion, FALSE, cross, &error))
      goto out;
  }

  /* fill the ring (the steady state attends to all of it), then warm up */
  for (frame = 0; frame <= RING_FRAMES; frame += BLOCK_FRAMES)
    if (!la_dit_forward (dit, cache, velocity, latent, 500.0f, frame, 10,
            local, global, cross, &error))
        goto out;
  if (!la_backend_synchronize (be, &error))
    goto out;
  t1 = g_get_monotonic_time ();
  printf ("setup (weights, sink, ring fill, warm-up): %.1f s\n",
      (t1 - t0) / 1e6);

  t0 = g_get_monotonic_time ();
  for (i = 0; i < iters; i++, frame += BLOCK_FRAMES)
    if (!la_dit_forward (dit, cache, velocity, latent, 500.0f, frame, 10,
            local, global, cross, &error))
        goto out;
  if (!la_backend_synchronize (be, &error))
    goto out;
  sec = (g_get_monotonic_time () - t0) / 1e6 / iters;

  flops = forward_flops (&c, (gdouble) L, (gdouble) K, c.num_layers, injected);
  full_flops = forward_flops (&c, (gdouble) L, (gdouble) K, FULL_LAYERS,
      full_injected);
  /* scaled by FLOPs, so the injected share of the full model counts */
  ms40 = sec * 1e3 * full_flops / flops;
  /* a block's video frames per STEPS forwards */
  fps = (gdouble) VIDEO_PER_LATENT *BLOCK_FRAMES / (STEPS * ms40 / 1e3);
  printf ("liveavatar %s %s weights, %s compute: %.2f ms per forward of %d "
      "layers (%d runs), %.2f ms per layer, %.2f TFLOP/s, 40 layers %.1f ms, "
      "%.2f fps at %d steps\n", la_backend_get_kind (be) == LA_BACKEND_CPU ?
      "cpu" : "cuda", la_dit_weights_name (weights),
      la_dit_compute_name (compute), sec * 1e3,
      c.num_layers, iters,
      sec * 1e3 / c.num_layers, flops / sec / 1e12, ms40, fps, STEPS);
  printf ("RESULT impl=liveavatar precision=%s compute=%s ms_per_layer=%.4f "
      "tflops=%.4f ms_40_layers=%.3f fps=%.4f\n",
      la_dit_weights_name (weights), la_dit_compute_name (compute),
      sec * 1e3 / c.num_layers, flops / sec / 1e12, ms40, fps);
  rc = 0;

out:
  if (error) {
    fprintf (stderr, "liveavatar-bench-dit: %s\n", error->message);
    g_clear_error (&error);
  }
  la_tensor_free (velocity);
  la_tensor_free (global);
  la_tensor_free (local);
  la_tensor_free (latent);
  la_tensor_free (motion);
  la_tensor_free (ref);
  la_tensor_free (ctx);
  if (cache)
    la_dit_cache_free (cache);
  if (cross)
    la_dit_cross_kv_free (cross);
  if (dit)
    la_dit_free (dit);
  if (ck)
    la_checkpoint_free (ck);
  if (be)
    la_backend_free (be);
  g_free (device);
  return rc;
}
