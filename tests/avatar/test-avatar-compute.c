/* liveavatar: the DiT's compute dtype (fp32, bf16) on the tiny model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* BF16 compute (la-dit.h LaDitCompute, Live Avatar's GPU numerics) held
 * to the fp32 reference: the frames of a generation (PSNR, bf16 and FP8
 * weights; the VAE computes in the DiT's dtype, so bf16 there too), the
 * same with everything AUTO under LIVEAVATAR_COMPUTE=bf16 from a picture
 * (the bf16 VAE's encode and decode), its DiT and VAE shares apart
 * (LIVEAVATAR_VAE_COMPUTE), one DiT forward (a bounded deviation that is not zero, so the
 * bf16 path really runs), the KV caches and cross-attention K/V really
 * bf16 (their bytes, exactly half of fp32's, from the shapes), how AUTO
 * and LIVEAVATAR_COMPUTE resolve, and the errors. The bf16 ops run on the
 * CPU backend's emulation (widen, compute fp32, round once), as the CUDA
 * backend's kernels round. */

#include "config.h"

#include "avatar-test-util.h"
#include "la-backend-impl.h"
#include "la-dit-private.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <math.h>
#include <string.h>

#define W 80
#define H 64
#define SEED 13
#define ENV "LIVEAVATAR_COMPUTE"
/* PSNR leaves out the first 3 frames: the reference picture in all runs */
#define PSNR_SKIP (3 * W * H * 3)

#define GEN_BLOCKS AVATAR_TEST_GEN_BLOCKS
#define GEN_STEPS AVATAR_TEST_GEN_STEPS

static gchar *tiny_dir;
static LaBackend *be;
static AvatarTestInputs inputs; /* GEN_BLOCKS blocks of features */

static gboolean
have_bf16 (LaBackend * backend)
{
  return la_backend_supports_op (backend, LA_OP_ATTENTION, LA_DTYPE_BF16)
      && la_backend_supports_op (backend, LA_OP_LINEAR, LA_DTYPE_BF16);
}

static gboolean
have_fp8 (LaBackend * backend)
{
  return la_backend_supports_op (backend, LA_OP_LINEAR_FP8, LA_DTYPE_BF16);
}

static LaAvatar *
avatar_new_on (LaBackend * backend, LaPrecision precision,
    LaDitCompute compute, gint steps)
{
  LaAvatarConfig cfg;
  GError *err = NULL;
  LaAvatar *a;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.sample_steps = steps;
  cfg.precision = precision;
  cfg.compute = compute;
  a = la_avatar_new (backend, &cfg, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_avatar_get_compute (a), ==, compute);
  g_assert_cmpint (la_dit_get_compute (la_avatar_get_dit (a)), ==, compute);
  return a;
}

static LaAvatar *
avatar_new (LaPrecision precision, LaDitCompute compute, gint steps)
{
  return avatar_new_on (be, precision, compute, steps);
}

/* ---- the caches' bytes ---- */

/* one step's self-attention cache from the shapes alone: per layer k and
 * v over [sink | ring] plus the sink's raw keys, [tokens, dim] each; the
 * ring one clip of latent frames, the sink the reference's tokens plus
 * FramePack's (1/4 + 1/16 + 4/64 of a frame's) */
static guint64
cache_elements (const LaDitConfig * c)
{
  guint64 h = H / 8, w = W / 8, fsl = (h / 2) * (w / 2);
  guint64 ring = LA_AVATAR_LATENTS_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP * fsl;
  guint64 sink = fsl + (h / 2) * (w / 2) + (h / 4) * (w / 4)
      + 4 * (h / 8) * (w / 8);

  return (guint64) c->num_layers * (2 * (sink + ring) + sink) * c->dim;
}

static void
test_cache_bytes (void)
{
  LaAvatar *a32, *a16;
  const LaDitConfig *c;
  LaAvatarStep *s;
  LaDitCrossKv *kv;
  LaTensor *ctx;
  GError *err = NULL;
  guint64 before, step32, step16, cross32, cross16, n;
  gint64 ne[2];

  if (!have_bf16 (be)) {
    g_test_skip ("the CPU backend has no bf16 ops yet");
    return;
  }
  a32 = avatar_new (LA_PRECISION_BF16, LA_DIT_COMPUTE_F32, 1);
  a16 = avatar_new (LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16, 1);
  c = la_dit_get_config (la_avatar_get_dit (a32));
  n = cache_elements (c);

  /* a step holds its cache and fp32 host-side buffers: only the cache
   * changes, to exactly half */
  before = la_backend_get_allocated_bytes (be);
  s = la_avatar_step_new (a32, 0, SEED, &err);
  g_assert_no_error (err);
  step32 = la_backend_get_allocated_bytes (be) - before;
  la_avatar_step_free (s);
  before = la_backend_get_allocated_bytes (be);
  s = la_avatar_step_new (a16, 0, SEED, &err);
  g_assert_no_error (err);
  step16 = la_backend_get_allocated_bytes (be) - before;
  la_avatar_step_free (s);
  g_test_message ("one step: fp32 compute %" G_GUINT64_FORMAT " bytes, bf16 %"
      G_GUINT64_FORMAT "; the cache %" G_GUINT64_FORMAT " values", step32,
      step16, n);
  g_assert_cmpuint (step32, >, 4 * n);
  g_assert_cmpuint (step32 - step16, ==, 2 * n);

  /* the cross-attention K/V of a prompt: [text_len, dim] twice a layer */
  ne[0] = c->text_len;
  ne[1] = c->dim;
  ctx = la_tensor_new (be, LA_DTYPE_F32, 2, ne, &err);
  g_assert_no_error (err);
  {
    gfloat *v = la_test_rnd_array ((gsize) (ne[0] * ne[1]), 1.0);

    g_assert_true (la_tensor_set_f32 (ctx, v, ne[0] * ne[1], &err));
    g_free (v);
  }
  before = la_backend_get_allocated_bytes (be);
  kv = la_dit_cross_kv_new (la_avatar_get_dit (a32), ctx, &err);
  g_assert_no_error (err);
  cross32 = la_backend_get_allocated_bytes (be) - before;
  g_assert_cmpint (kv->k[0]->dtype, ==, LA_DTYPE_F32);
  la_dit_cross_kv_free (kv);
  before = la_backend_get_allocated_bytes (be);
  kv = la_dit_cross_kv_new (la_avatar_get_dit (a16), ctx, &err);
  g_assert_no_error (err);
  cross16 = la_backend_get_allocated_bytes (be) - before;
  g_assert_cmpint (kv->k[0]->dtype, ==, LA_DTYPE_BF16);
  g_assert_cmpint (kv->v[c->num_layers - 1]->dtype, ==, LA_DTYPE_BF16);
  la_dit_cross_kv_free (kv);
  g_assert_cmpuint (cross32, ==, 4 * 2 * (guint64) c->num_layers
      * c->text_len * c->dim);
  g_assert_cmpuint (cross16 * 2, ==, cross32);

  la_tensor_free (ctx);
  la_avatar_free (a32);
  la_avatar_free (a16);
}

/* ---- one DiT forward ---- */

static gfloat *
velocity (LaAvatar * a)
{
  return avatar_test_velocity (a, &inputs, SEED);
}

/* Both DiTs hold the same bf16 weights, so the forwards differ by the
 * activations' roundings only. Each rounding to bf16 moves a value by at
 * most 2^-9 of it; a block rounds its input, its three branch inputs,
 * q, k, v, the attention output and the FFN hidden, about ten in a row,
 * and the tiny model has 4 blocks and an injection: a few 2^-9 relative
 * errors adding up (random signs: about sqrt of their number, ~2e-2 at
 * the very worst in step). 5e-2 of the velocity's scale bounds that. From
 * below: fp32 compute with the same weights differs from itself by
 * summation order only (1e-5, test-avatar-precision.c's bound), and a
 * single lost rounding step already moves outputs by ~1e-3: 1e-4 proves
 * the bf16 path ran. */
#define BF16_FORWARD_BOUND 5e-2
#define BF16_FORWARD_FLOOR 1e-4

static void
test_forward (void)
{
  LaAvatar *a32, *a16;
  gfloat *v32, *v16;
  gdouble scale = 0, d = 0;
  gsize n, i;

  if (!have_bf16 (be)) {
    g_test_skip ("the CPU backend has no bf16 ops yet");
    return;
  }
  a32 = avatar_new (LA_PRECISION_BF16, LA_DIT_COMPUTE_F32, 1);
  a16 = avatar_new (LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16, 1);
  n = la_avatar_block_latent_size (a32);
  v32 = velocity (a32);
  v16 = velocity (a16);
  for (i = 0; i < n; i++) {
    scale = MAX (scale, fabs (v32[i]));
    d = MAX (d, fabs ((gdouble) v32[i] - v16[i]));
    g_assert_true (isfinite (v16[i]));
  }
  g_test_message ("bf16 vs fp32 compute, bf16 weights: max |dv| %.3g of "
      "%.3g (%.2g)", d, scale, d / scale);
  g_assert_cmpfloat (scale, >, 0.1);
  g_assert_cmpfloat (d, <=, BF16_FORWARD_BOUND * scale);
  g_assert_cmpfloat (d, >, BF16_FORWARD_FLOOR * scale);
  g_free (v32);
  g_free (v16);
  la_avatar_free (a32);
  la_avatar_free (a16);
}

/* ---- generation ---- */

static GByteArray *
generate_on (LaBackend * backend, LaPrecision precision, LaDitCompute compute)
{
  LaAvatar *a = avatar_new_on (backend, precision, compute, GEN_STEPS);
  GByteArray *frames = avatar_test_generate (a, &inputs, SEED, GEN_BLOCKS);

  la_avatar_free (a);
  return frames;
}

static GByteArray *
generate (LaPrecision precision, LaDitCompute compute)
{
  return generate_on (be, precision, compute);
}

/* FP8's floor, relative to bf16 in the same run, as in
 * test-avatar-precision.c: e4m3's rounding error is 32 times bf16's
 * (30.1 dB where errors propagate linearly) plus the per-call
 * quantisation of x, at most 3 dB more. */
#define FP8_PSNR_DROP 33.1

static void
test_generate_psnr (void)
{
  GByteArray *ref, *bf16;
  gdouble p16;

  if (!have_bf16 (be)) {
    g_test_skip ("the CPU backend has no bf16 ops yet");
    return;
  }
  /* the bar: the DiT in bf16 against the fp32 CPU reference,
   * the VAE kept fp32 in both (its share: test_vae_bf16) */
  g_setenv (LA_AVATAR_VAE_COMPUTE_ENV, "f32", TRUE);
  ref = generate (LA_PRECISION_FP32, LA_DIT_COMPUTE_F32);
  bf16 = generate (LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16);
  p16 = avatar_test_psnr (ref, bf16, PSNR_SKIP);
  g_test_message ("%d blocks of %d steps, %dx%d: bf16 weights and compute "
      "vs fp32 PSNR %.2f dB (VAE fp32)", GEN_BLOCKS, GEN_STEPS, W, H, p16);
  g_assert_cmpfloat (p16, >=, 40.0);
  g_assert_cmpfloat (p16, <, INFINITY);
  if (have_fp8 (be)) {
    GByteArray *fp8 = generate (LA_PRECISION_FP8, LA_DIT_COMPUTE_BF16);
    gdouble p8 = avatar_test_psnr (ref, fp8, PSNR_SKIP);

    g_test_message ("fp8 weights, bf16 compute vs fp32 PSNR %.2f dB, vs "
        "bf16 %.2f dB", p8, avatar_test_psnr (bf16, fp8, PSNR_SKIP));
    g_assert_cmpfloat (p8, >=, p16 - FP8_PSNR_DROP);
    g_assert_cmpfloat (p8, <, p16);
    g_byte_array_unref (fp8);
  } else {
    g_test_message ("FP8 part skipped: the CPU backend has no bf16 "
        "linear_fp8");
  }
  g_unsetenv (LA_AVATAR_VAE_COMPUTE_ENV);
  g_byte_array_unref (ref);
  g_byte_array_unref (bf16);
}

/* LIVEAVATAR_COMPUTE=bf16 with everything AUTO, as the engine makes the
 * CPU play the GPU: the DiT and the VAE in bf16 (the picture's encode
 * and the streaming decode), against the fp32 reference from the same
 * picture. */
static GByteArray *
generate_auto (const gchar * compute_env, const gchar * vae_env,
    LaDType vae_dtype)
{
  LaAvatarConfig cfg;
  GByteArray *frames;
  GError *err = NULL;
  LaAvatarCond *c;
  LaAvatar *a;

  g_setenv (ENV, compute_env, TRUE);
  if (vae_env)
    g_setenv (LA_AVATAR_VAE_COMPUTE_ENV, vae_env, TRUE);
  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.sample_steps = GEN_STEPS;
  a = la_avatar_new (be, &cfg, &err);
  g_unsetenv (ENV);
  g_unsetenv (LA_AVATAR_VAE_COMPUTE_ENV);
  g_assert_no_error (err);
  g_assert_cmpint (la_vae_get_dtype (la_avatar_get_vae (a)), ==, vae_dtype);
  if (!vae_env)
    g_assert_cmpint (la_dit_compute_dtype (la_avatar_get_compute (a)), ==,
        vae_dtype);
  c = la_avatar_cond_new (a, inputs.picture, W * 3, &err);
  g_assert_no_error (err);
  frames = avatar_test_generate_from (a, c, &inputs, SEED, GEN_BLOCKS);
  la_avatar_cond_unref (c);
  la_avatar_free (a);
  return frames;
}

/* mean squared error of a PSNR over 8-bit frames */
static gdouble
mse_of (gdouble psnr_db)
{
  return 255.0 * 255.0 * pow (10.0, -psnr_db / 10.0);
}

/* The whole bf16 run against fp32, and its two shares apart: the DiT in
 * bf16 with the VAE fp32 (the 40 dB bar), the VAE in bf16 (the
 * picture's encode and the stream decode) with the DiT fp32. On this
 * tiny model the VAE's share dominates: its random weights are not bf16
 * numbers, and their rounding alone (as Live Avatar's module.to
 * (bfloat16) does to the real checkpoint) costs some 40 dB through its
 * ~30 layers, twice (encode, decode) (tests/vae's fixture has e4m3
 * weights, exact in bf16, and sees 55 dB). So the VAE's share is held to
 * a floor that garbage (a lost cache, a missing denormalisation: < 20 dB)
 * fails, and the whole run to the two shares added: an error of its own
 * (the bf16 latents or cache carried wrong between the two) fails that. */
static void
test_vae_bf16 (void)
{
  GByteArray *ref, *all, *dit, *vae;
  gdouble p_all, p_dit, p_vae, p_sum;

  if (!have_bf16 (be) || !la_vae_backend_supports (be, LA_DTYPE_BF16)) {
    g_test_skip ("the CPU backend has no bf16 ops yet");
    return;
  }
  ref = generate_auto ("f32", NULL, LA_DTYPE_F32);
  all = generate_auto ("bf16", NULL, LA_DTYPE_BF16);
  dit = generate_auto ("bf16", "f32", LA_DTYPE_F32);
  vae = generate_auto ("f32", "bf16", LA_DTYPE_BF16);
  p_all = avatar_test_psnr (ref, all, PSNR_SKIP);
  p_dit = avatar_test_psnr (ref, dit, PSNR_SKIP);
  p_vae = avatar_test_psnr (ref, vae, PSNR_SKIP);
  p_sum = 10.0 * log10 (255.0 * 255.0 / (mse_of (p_dit) + mse_of (p_vae)));
  g_test_message ("%d blocks of %d steps from a picture, %dx%d, vs fp32: "
      "DiT and VAE in bf16 %.2f dB; the DiT alone %.2f dB, the VAE alone "
      "%.2f dB (the two added: %.2f dB)", GEN_BLOCKS, GEN_STEPS, W, H,
      p_all, p_dit, p_vae, p_sum);
  g_assert_cmpfloat (p_dit, >=, 40.0);
  g_assert_cmpfloat (p_vae, >=, 30.0);
  /* at most twice the two shares' squared error */
  g_assert_cmpfloat (p_all, >=, p_sum - 3.0);
  /* the bf16 VAE really ran: not the same bytes */
  g_assert_cmpfloat (p_all, <, INFINITY);
  g_assert_cmpfloat (p_vae, <, INFINITY);
  g_byte_array_unref (ref);
  g_byte_array_unref (all);
  g_byte_array_unref (dit);
  g_byte_array_unref (vae);
}

/* ---- the GPU ---- */

/* The CUDA backend's bf16 DiT against the CPU's emulation of it: the same
 * roundings in the same places, other summation orders (cuBLASLt, the
 * attention kernels), so one forward stays within the bf16-vs-fp32 bound
 * above, and the frames keep the 40 dB against the fp32 CPU
 * reference. Needs a GPU: skipped without one (never run so far). */
static void
test_cuda (void)
{
  GError *err = NULL;
  LaBackend *cuda = la_backend_new (LA_BACKEND_CUDA, 0, &err);
  LaAvatar *ag, *ac;
  GByteArray *ref, *got;
  gfloat *vg, *vc;
  gdouble scale = 0, d = 0, p;
  gsize n, i;

  if (!cuda) {
    gchar *why = g_strdup_printf ("no CUDA device: %s", err->message);

    g_test_skip (why);
    g_free (why);
    g_clear_error (&err);
    return;
  }
  if (!have_bf16 (be) || !have_bf16 (cuda)) {
    g_test_skip ("bf16 ops missing on the CPU or the GPU");
    la_backend_free (cuda);
    return;
  }
  ag = avatar_new_on (cuda, LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16, 1);
  ac = avatar_new (LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16, 1);
  n = la_avatar_block_latent_size (ac);
  vg = velocity (ag);
  vc = velocity (ac);
  for (i = 0; i < n; i++) {
    scale = MAX (scale, fabs (vc[i]));
    d = MAX (d, fabs ((gdouble) vc[i] - vg[i]));
    g_assert_true (isfinite (vg[i]));
  }
  g_test_message ("bf16 DiT forward, CUDA vs CPU: max |dv| %.3g of %.3g",
      d, scale);
  g_assert_cmpfloat (d, <=, BF16_FORWARD_BOUND * scale);
  g_free (vg);
  g_free (vc);
  la_avatar_free (ag);
  la_avatar_free (ac);

  ref = generate (LA_PRECISION_FP32, LA_DIT_COMPUTE_F32);
  got = generate_on (cuda, LA_PRECISION_BF16, LA_DIT_COMPUTE_BF16);
  p = avatar_test_psnr (ref, got, PSNR_SKIP);
  g_test_message ("CUDA bf16 vs CPU fp32 frames: PSNR %.2f dB", p);
  g_assert_cmpfloat (p, >=, 40.0);
  g_byte_array_unref (ref);
  g_byte_array_unref (got);
  la_backend_free (cuda);
}

/* ---- resolution ---- */

static void
test_resolve (void)
{
  LaPrecision p;
  LaDitCompute c;

  g_assert_cmpstr (la_dit_compute_name (LA_DIT_COMPUTE_BF16), ==, "bf16");
  g_assert_cmpstr (la_dit_compute_name (LA_DIT_COMPUTE_F32), ==, "f32");
  g_assert_cmpstr (la_dit_compute_name ((LaDitCompute) 7), ==, "unknown");
  g_assert_cmpint (la_dit_compute_dtype (LA_DIT_COMPUTE_BF16), ==,
      LA_DTYPE_BF16);
  g_assert_cmpint (la_dit_compute_dtype (LA_DIT_COMPUTE_F32), ==, LA_DTYPE_F32);

  g_unsetenv (ENV);
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO,
          LA_BACKEND_CPU), ==, LA_DIT_COMPUTE_F32);
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO,
          LA_BACKEND_CUDA), ==, LA_DIT_COMPUTE_BF16);
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_BF16,
          LA_BACKEND_CPU), ==, LA_DIT_COMPUTE_BF16);

  /* the engine's rule: AUTO follows the backend, fp32 weights keep fp32
   * compute, bf16 compute brings bf16 weights */
  p = LA_PRECISION_AUTO;
  c = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&p, &c, LA_BACKEND_CUDA);
  g_assert_cmpint (p, ==, LA_PRECISION_BF16);
  g_assert_cmpint (c, ==, LA_DIT_COMPUTE_BF16);
  p = LA_PRECISION_AUTO;
  c = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&p, &c, LA_BACKEND_CPU);
  g_assert_cmpint (p, ==, LA_PRECISION_FP32);
  g_assert_cmpint (c, ==, LA_DIT_COMPUTE_F32);
  p = LA_PRECISION_FP32;
  c = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&p, &c, LA_BACKEND_CUDA);
  g_assert_cmpint (c, ==, LA_DIT_COMPUTE_F32);
  p = LA_PRECISION_FP8;
  c = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&p, &c, LA_BACKEND_CUDA);
  g_assert_cmpint (p, ==, LA_PRECISION_FP8);
  g_assert_cmpint (c, ==, LA_DIT_COMPUTE_BF16);

  /* LIVEAVATAR_COMPUTE=bf16: the CPU emulates the GPU */
  g_setenv (ENV, "bf16", TRUE);
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO,
          LA_BACKEND_CPU), ==, LA_DIT_COMPUTE_BF16);
  p = LA_PRECISION_AUTO;
  c = LA_DIT_COMPUTE_AUTO;
  la_avatar_resolve_compute (&p, &c, LA_BACKEND_CPU);
  g_assert_cmpint (p, ==, LA_PRECISION_BF16);
  g_assert_cmpint (c, ==, LA_DIT_COMPUTE_BF16);
  /* explicit values win over it */
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_F32,
          LA_BACKEND_CPU), ==, LA_DIT_COMPUTE_F32);
  g_setenv (ENV, "f32", TRUE);
  g_assert_cmpint (la_dit_compute_resolve (LA_DIT_COMPUTE_AUTO,
          LA_BACKEND_CUDA), ==, LA_DIT_COMPUTE_F32);
  g_unsetenv (ENV);
}

/* ---- errors ---- */

static gboolean
no_bf16_attention (LaOp op, LaDType dtype)
{
  return op == LA_OP_ATTENTION && dtype == LA_DTYPE_BF16;
}

static void
test_errors (void)
{
  gchar *index = g_build_filename (tiny_dir, LA_AVATAR_DIT_INDEX_FILE, NULL);
  gchar *cpath = g_build_filename (tiny_dir, LA_AVATAR_CONFIG_FILE, NULL);
  LaCheckpoint *ck;
  LaDitConfig dc;
  GError *err = NULL;
  LaBackend *limited;
  LaAvatarConfig cfg;
  guint64 before;

  g_assert_true (la_dit_config_load (&dc, cpath, &err));
  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);

  /* bf16 x has no linear over fp32 weights */
  before = la_backend_get_allocated_bytes (be);
  g_assert_null (la_dit_new_with_compute (be, &dc, ck, NULL,
          LA_DIT_WEIGHTS_F32, LA_DIT_COMPUTE_BF16, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message, "bf16 or fp8 weights"));
  g_clear_error (&err);
  g_assert_null (la_dit_new_with_compute (be, &dc, ck, NULL,
          LA_DIT_WEIGHTS_BF16, (LaDitCompute) 5, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  /* AUTO is a request, not a dtype the DiT computes in */
  g_assert_null (la_dit_new_with_compute (be, &dc, ck, NULL,
          LA_DIT_WEIGHTS_BF16, LA_DIT_COMPUTE_AUTO, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, before);

  /* through the avatar: fp32 weights asked with bf16 compute */
  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.precision = LA_PRECISION_FP32;
  cfg.compute = LA_DIT_COMPUTE_BF16;
  g_assert_null (la_avatar_new (be, &cfg, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  /* a backend without one bf16 op: refused before anything is read */
  limited = avatar_test_limited_new (3, no_bf16_attention);
  g_assert_null (la_dit_new_with_compute (limited, &dc, ck, NULL,
          LA_DIT_WEIGHTS_BF16, LA_DIT_COMPUTE_BF16, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (err->message, "attention"));
  g_clear_error (&err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (limited), ==, 0);
  /* fp32 compute still loads there */
  {
    LaDit *ok = la_dit_new_with_compute (limited, &dc, ck, NULL,
        LA_DIT_WEIGHTS_BF16, LA_DIT_COMPUTE_F32, &err);

    g_assert_no_error (err);
    la_dit_free (ok);
  }
  avatar_test_limited_free (limited);

  /* caches of another compute dtype are refused by the block */
  if (have_bf16 (be)) {
    LaDit *d16 = la_dit_new_with_compute (be, &dc, ck, NULL,
        LA_DIT_WEIGHTS_BF16, LA_DIT_COMPUTE_BF16, &err);
    LaDit *d32 = la_dit_new_with_compute (be, &dc, ck, NULL,
        LA_DIT_WEIGHTS_BF16, LA_DIT_COMPUTE_F32, &err);
    gint64 ne[2] = { dc.text_len, dc.dim }, xne[2] = { 4, dc.dim };
    gint64 pne[2] = { 4, 3 };
    LaTensor *ctx = la_tensor_new (be, LA_DTYPE_F32, 2, ne, &err);
    LaTensor *x = la_tensor_new (be, LA_DTYPE_F32, 2, xne, &err);
    LaTensor *pos = la_tensor_new (be, LA_DTYPE_I32, 2, pne, &err);
    LaTensor *e0z = la_tensor_new (be, LA_DTYPE_F32, 3,
        (gint64[]){ 1, 6, dc.dim }, &err);
    LaDitCrossKv *kv32;
    LaDitTokens tok = { 0 };

    g_assert_no_error (err);
    kv32 = la_dit_cross_kv_new (d32, ctx, &err);
    g_assert_no_error (err);
    tok.n_noisy = 0;
    tok.e0_zero = e0z;
    tok.pos = pos;
    g_assert_false (la_dit_block_forward (d16, 0, x, &tok, kv32, NULL, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (err->message, "compute dtype"));
    g_clear_error (&err);
    la_dit_cross_kv_free (kv32);
    la_tensor_free (e0z);
    la_tensor_free (pos);
    la_tensor_free (x);
    la_tensor_free (ctx);
    la_dit_free (d32);
    la_dit_free (d16);
  }

  la_checkpoint_free (ck);
  g_free (index);
  g_free (cpath);
}

static void
setup (void)
{
  LaAvatar *a;

  tiny_dir = la_test_tiny_model_new (3);
  be = la_test_cpu ();
  a = avatar_new (LA_PRECISION_FP32, LA_DIT_COMPUTE_F32, 1);
  avatar_test_inputs_init (&inputs, a, W, H, 7, GEN_BLOCKS, 7, 13);
  la_avatar_free (a);
}

int
main (int argc, char **argv)
{
  int ret;

  /* the tests choose their compute explicitly; AUTO's test sets it */
  avatar_test_init (&argc, &argv);
  g_unsetenv (LA_AVATAR_VAE_COMPUTE_ENV);
  setup ();
  g_test_add_func ("/avatar/compute/resolve", test_resolve);
  g_test_add_func ("/avatar/compute/errors", test_errors);
  g_test_add_func ("/avatar/compute/cache-bytes", test_cache_bytes);
  g_test_add_func ("/avatar/compute/forward", test_forward);
  g_test_add_func ("/avatar/compute/generate-psnr", test_generate_psnr);
  g_test_add_func ("/avatar/compute/vae-bf16", test_vae_bf16);
  g_test_add_func ("/avatar/compute/cuda", test_cuda);
  ret = g_test_run ();
  avatar_test_inputs_clear (&inputs);
  la_backend_free (be);
  la_test_tiny_model_free (tiny_dir);
  return ret;
}
