/* liveavatar: the memory plan against what the code allocates
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* On the tiny model, each mirrored row of la_memory_plan_new () equals
 * the bytes the backend's counters see the code allocate (the DiT at
 * every precision, the VAE and the encoders, one step's caches and
 * buffers, the prompt's cross K/V, the decoder's cache; again with the
 * GPU's bf16 compute played by the CPU, LIVEAVATAR_COMPUTE=bf16, the VAE
 * then bf16 too), and the estimated rows bound what one forward, one
 * decode and the reference picture's encode allocate on top. The
 * placement rows mirror the engine: cross K/V per prompt or per step, a
 * Ulysses group on its first device, umT5 in a host column under
 * offload (none on the CPU backend).
 * The engine refuses, at load, a model that does not fit a CPU device
 * played with LIVEAVATAR_CPU_DEVICE_MEMORY, with the numbers, and
 * accepts one that fits exactly. The official model's parameter count is
 * computed here from the layer formulas, apart from the planner's. */

#include "config.h"

#include "avatar-test-util.h"
#include "avatar-util.h"
#include "la-avatar.h"
#include "la-checkpoint.h"
#include "la-dit.h"
#include "la-memory-plan.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

#define ENV "LIVEAVATAR_CPU_DEVICE_MEMORY"
#define W 80
#define H 64
#define SEED 5

static gchar *tiny_dir;

static LaBackend *
cpu (void)
{
  GError *err = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, &err);

  g_assert_no_error (err);
  return be;
}

static LaMemoryPlan *
plan_for (LaPrecision precision, gint steps)
{
  LaMemoryPlanConfig pc;
  LaMemoryPlan *p;

  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CPU;
  pc.precision = precision;
  pc.width = W;
  pc.height = H;
  pc.sample_steps = steps;
  p = av_plan_new (tiny_dir, &pc);
  g_assert_cmpuint (p->n_devices, ==, 1);
  return p;
}

static guint64
row (const LaMemoryPlan * p, LaMemoryRow r)
{
  return p->devices[0].bytes[r];
}

/* ---- the DiT alone, at each precision ---- */

static void
check_dit_compute (LaPrecision precision, LaDitWeights weights,
    LaDitCompute compute)
{
  gchar *cfg_path = g_build_filename (tiny_dir, LA_AVATAR_CONFIG_FILE, NULL);
  gchar *index = g_build_filename (tiny_dir, LA_AVATAR_DIT_INDEX_FILE, NULL);
  gchar *single = g_build_filename (tiny_dir, LA_AVATAR_DIT_FILE, NULL);
  LaMemoryPlan *p = plan_for (precision, 4);
  LaBackend *be = cpu ();
  GError *err = NULL;
  LaCheckpoint *ck;
  LaDitConfig dc;
  LaDit *dit;

  if (!la_backend_supports_op (be, precision == LA_PRECISION_FP8 ?
          LA_OP_LINEAR_FP8 : LA_OP_LINEAR_MIXED, LA_DTYPE_F32)
      && precision != LA_PRECISION_FP32) {
    g_test_skip ("the CPU backend lacks the op this storage needs");
    goto out;
  }
  g_assert_true (la_dit_config_load (&dc, cfg_path, &err));
  ck = la_checkpoint_open (g_file_test (index, G_FILE_TEST_EXISTS) ? index :
      single, &err);
  g_assert_no_error (err);
  dit = la_dit_new_with_compute (be, &dc, ck, NULL, weights, compute, &err);
  g_assert_no_error (err);
  g_test_message ("DiT %s, %s compute: %" G_GUINT64_FORMAT " bytes held, %"
      G_GUINT64_FORMAT " planned", la_dit_weights_name (weights),
      la_dit_compute_name (compute), la_backend_get_allocated_bytes (be),
      row (p, LA_MEMORY_DIT_WEIGHTS));
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==,
      row (p, LA_MEMORY_DIT_WEIGHTS));
  la_dit_free (dit);
  la_checkpoint_free (ck);

out:
  la_backend_free (be);
  la_memory_plan_free (p);
  g_free (cfg_path);
  g_free (index);
  g_free (single);
}

static void
check_dit (LaPrecision precision, LaDitWeights weights)
{
  check_dit_compute (precision, weights, LA_DIT_COMPUTE_F32);
}

static void
test_dit_fp32 (void)
{
  LaMemoryPlan *a = plan_for (LA_PRECISION_AUTO, 1);
  LaMemoryPlan *f = plan_for (LA_PRECISION_FP32, 1);

  check_dit (LA_PRECISION_FP32, LA_DIT_WEIGHTS_F32);
  /* AUTO on the CPU is the reference */
  g_assert_cmpint (a->precision, ==, LA_PRECISION_FP32);
  g_assert_cmpuint (row (a, LA_MEMORY_DIT_WEIGHTS), ==,
      row (f, LA_MEMORY_DIT_WEIGHTS));
  la_memory_plan_free (a);
  la_memory_plan_free (f);
}

static void
test_dit_bf16 (void)
{
  check_dit (LA_PRECISION_BF16, LA_DIT_WEIGHTS_BF16);
}

static void
test_dit_fp8 (void)
{
  check_dit (LA_PRECISION_FP8, LA_DIT_WEIGHTS_FP8);
}

/* ---- the assembled model, a step, a decode ---- */

static LaAvatar *
avatar_new (LaBackend * be, gboolean text, gboolean audio, gint steps)
{
  LaAvatarConfig cfg;
  GError *err = NULL;
  LaAvatar *a;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.sample_steps = steps;
  cfg.load_text_encoder = text;
  cfg.load_audio_encoder = audio;
  a = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);
  return a;
}

static void
test_weights (void)
{
  LaMemoryPlan *p = plan_for (LA_PRECISION_AUTO, 4);
  guint64 dit = row (p, LA_MEMORY_DIT_WEIGHTS);
  guint64 vae = row (p, LA_MEMORY_VAE_WEIGHTS);
  guint64 audio = row (p, LA_MEMORY_AUDIO_ENCODER);
  guint64 text = row (p, LA_MEMORY_TEXT_ENCODER);
  LaBackend *be;
  LaAvatar *a;

  g_assert_cmpuint (vae, >, 0);
  g_assert_cmpuint (audio, >, 0);
  g_assert_cmpuint (text, >, 0);
  be = cpu ();
  a = avatar_new (be, FALSE, FALSE, 4);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, dit + vae);
  la_avatar_free (a);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  a = avatar_new (be, FALSE, TRUE, 4);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, dit + vae + audio);
  la_avatar_free (a);
  a = avatar_new (be, TRUE, TRUE, 4);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==,
      dit + vae + audio + text);
  la_avatar_free (a);
  la_backend_free (be);
  la_memory_plan_free (p);
}

static void
check_step (void)
{
  const gint steps = 2;
  LaMemoryPlan *p = plan_for (LA_PRECISION_AUTO, steps);
  LaBackend *be = cpu ();
  LaAvatar *a = avatar_new (be, FALSE, FALSE, steps);
  const LaDitConfig *dc = la_dit_get_config (la_avatar_get_dit (a));
  gsize n = la_avatar_block_latent_size (a);
  gfloat *latents, *context, *features, *lat;
  LaAvatarCond *c;
  LaAvatarPrompt *pr;
  LaAvatarSink sink = { NULL, 0, NULL };
  LaAvatarStep *s;
  GError *err = NULL;
  guint64 base, held, peak0, peak, before, transient;

  la_test_seed (SEED);
  latents = la_test_rnd_array (n / 3 * (1 + LA_AVATAR_MOTION_LATENTS), 1.0);
  context = la_test_rnd_array (5 * (gsize) dc->text_dim, 1.0);
  features = la_test_rnd_array (la_avatar_block_features_size (a), 1.0);
  lat = la_test_rnd_array (n, 1.0);
  c = la_avatar_cond_new_from_latents (a, latents, latents + n / 3, NULL, &err);
  g_assert_no_error (err);
  pr = la_avatar_prompt_new_from_context (a, context, 5, &err);
  g_assert_no_error (err);
  sink.cond = c;

  /* one step's self-attention cache and buffers */
  base = la_backend_get_allocated_bytes (be);
  s = la_avatar_step_new (a, 0, SEED, &err);
  g_assert_no_error (err);
  held = la_backend_get_allocated_bytes (be) - base;
  g_assert_cmpuint (held, ==, (row (p, LA_MEMORY_KV_CACHE)
          + row (p, LA_MEMORY_STEP_BUFFERS)) / steps);
  g_assert_cmpuint (row (p, LA_MEMORY_KV_CACHE) % steps, ==, 0);

  /* the prompt's cross K/V are kept by the step; the sink prefill and the
   * forward allocate only for their duration */
  base = la_backend_get_allocated_bytes (be);
  peak0 = la_backend_get_peak_bytes (be);
  g_assert_true (la_avatar_step_prepare (s, 0, &sink, pr, &err));
  g_assert_no_error (err);
  g_test_message ("prepare: peak %" G_GUINT64_FORMAT " over the step, %"
      G_GUINT64_FORMAT " kept", la_backend_get_peak_bytes (be) - base,
      la_backend_get_allocated_bytes (be) - base);
  g_assert_true (la_avatar_step_run (s, lat, 0, features, -1, &err));
  g_assert_no_error (err);
  peak = la_backend_get_peak_bytes (be);
  /* the prompt's cross K/V, one copy per prompt (the prompt is this
   * avatar's, shared by its steps): what the prompt gives back once the
   * step has let it go (measured so, whatever else the DiT keeps between
   * calls) */
  la_avatar_step_free (s);
  before = la_backend_get_allocated_bytes (be);
  la_avatar_prompt_unref (pr);
  held = before - la_backend_get_allocated_bytes (be);
  g_assert_cmpuint (held, ==, row (p, LA_MEMORY_CROSS_KV));
  /* the loading's peak is below what a forward adds to the caches, so
   * the peak measures the forward */
  g_assert_cmpuint (peak, >, peak0);
  transient = peak - base - held;
  g_test_message ("one forward: %" G_GUINT64_FORMAT " bytes of temporaries, "
      "%" G_GUINT64_FORMAT " estimated", transient,
      row (p, LA_MEMORY_DIT_ACTIVATIONS));
  g_assert_cmpuint (transient, <=, row (p, LA_MEMORY_DIT_ACTIVATIONS));
  /* an estimate, but not a wild one */
  g_assert_cmpuint (row (p, LA_MEMORY_DIT_ACTIVATIONS), <=, 2 * transient);

  la_avatar_cond_unref (c);
  la_avatar_free (a);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  la_backend_free (be);
  la_memory_plan_free (p);
  g_free (latents);
  g_free (context);
  g_free (features);
  g_free (lat);
}

static void
test_step (void)
{
  check_step ();
}

/* LIVEAVATAR_COMPUTE=bf16: the CPU plays the GPU's numerics, and the plan
 * follows (bf16 weights, bf16 caches, the bf16 biases and norms the DiT
 * keeps for its bf16 linears), row for row */
#define COMPUTE_ENV "LIVEAVATAR_COMPUTE"

static void check_decoder (void);
static void check_encode (void);

static void
test_bf16_compute (void)
{
  LaMemoryPlan *p, *f;
  LaBackend *be = cpu ();
  LaAvatar *a;

  if (!la_backend_supports_op (be, LA_OP_ATTENTION, LA_DTYPE_BF16)) {
    g_test_skip ("the CPU backend has no bf16 ops yet");
    la_backend_free (be);
    return;
  }
  g_setenv (COMPUTE_ENV, "bf16", TRUE);
  p = plan_for (LA_PRECISION_AUTO, 2);
  g_assert_cmpint (p->precision, ==, LA_PRECISION_BF16);
  g_assert_cmpint (p->config.kv_dtype, ==, LA_DTYPE_BF16);

  /* the same caches at fp32 (an explicit kv dtype) are twice as big */
  g_unsetenv (COMPUTE_ENV);
  f = plan_for (LA_PRECISION_AUTO, 2);
  g_assert_cmpint (f->config.kv_dtype, ==, LA_DTYPE_F32);
  g_assert_cmpuint (row (f, LA_MEMORY_KV_CACHE), ==,
      2 * row (p, LA_MEMORY_KV_CACHE));
  g_assert_cmpuint (row (f, LA_MEMORY_CROSS_KV), ==,
      2 * row (p, LA_MEMORY_CROSS_KV));
  la_memory_plan_free (f);
  g_setenv (COMPUTE_ENV, "bf16", TRUE);

  a = avatar_new (be, FALSE, FALSE, 2);
  g_assert_cmpint (la_avatar_get_compute (a), ==, LA_DIT_COMPUTE_BF16);
  g_assert_cmpint (la_avatar_get_precision (a), ==, LA_PRECISION_BF16);
  /* the VAE computes in bf16 beside the bf16 DiT, its weights bf16 */
  g_assert_cmpint (p->vae_dtype, ==, LA_DTYPE_BF16);
  g_assert_cmpint (la_vae_get_dtype (la_avatar_get_vae (a)), ==, LA_DTYPE_BF16);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==,
      row (p, LA_MEMORY_DIT_WEIGHTS) + row (p, LA_MEMORY_VAE_WEIGHTS));
  la_avatar_free (a);
  la_backend_free (be);
  /* against fp32's rows: every VAE weight half (the four fp32 latent
   * tables apart), the stream cache exactly half */
  g_unsetenv (COMPUTE_ENV);
  f = plan_for (LA_PRECISION_AUTO, 2);
  g_setenv (COMPUTE_ENV, "bf16", TRUE);
  g_assert_cmpint (f->vae_dtype, ==, LA_DTYPE_F32);
  g_assert_cmpuint (row (f, LA_MEMORY_VAE_WEIGHTS) - 4 * LA_VAE_Z_DIM * 4, ==,
      2 * (row (p, LA_MEMORY_VAE_WEIGHTS) - 4 * LA_VAE_Z_DIM * 4));
  g_assert_cmpuint (row (f, LA_MEMORY_VAE_CACHE), ==,
      2 * row (p, LA_MEMORY_VAE_CACHE));
  la_memory_plan_free (f);
  la_memory_plan_free (p);

  check_dit_compute (LA_PRECISION_BF16, LA_DIT_WEIGHTS_BF16,
      LA_DIT_COMPUTE_BF16);
  if (la_backend_supports_op (be = cpu (), LA_OP_LINEAR_FP8, LA_DTYPE_BF16))
    check_dit_compute (LA_PRECISION_FP8, LA_DIT_WEIGHTS_FP8,
        LA_DIT_COMPUTE_BF16);
  la_backend_free (be);
  check_step ();
  check_decoder ();
  check_encode ();
  g_unsetenv (COMPUTE_ENV);
}

static void
check_decoder (void)
{
  LaMemoryPlan *p = plan_for (LA_PRECISION_AUTO, 4);
  LaBackend *be = cpu ();
  LaAvatar *a = avatar_new (be, FALSE, FALSE, 4);
  gsize n = la_avatar_block_latent_size (a);
  gfloat *latents, *block;
  guint8 *rgb;
  LaAvatarCond *c;
  LaAvatarDecoder *dec;
  GError *err = NULL;
  guint64 base, peak0, held, transient;
  gint i;

  la_test_seed (SEED + 1);
  latents = la_test_rnd_array (n / 3 * (1 + LA_AVATAR_MOTION_LATENTS), 1.0);
  block = la_test_rnd_array (n, 1.0);
  rgb = g_malloc ((gsize) W * H * 3 * LA_AVATAR_FRAMES_PER_BLOCK);
  c = la_avatar_cond_new_from_latents (a, latents, latents + n / 3, NULL, &err);
  g_assert_no_error (err);

  base = la_backend_get_allocated_bytes (be);
  peak0 = la_backend_get_peak_bytes (be);
  dec = la_avatar_decoder_new (a, &err);
  g_assert_no_error (err);
  g_assert_true (la_avatar_decoder_prime (dec, c, &err));
  for (i = 0; i < 2; i++) {
    g_assert_cmpint (la_avatar_decoder_n_pictures (dec, 3), <=,
        LA_AVATAR_FRAMES_PER_BLOCK);
    g_assert_true (la_avatar_decoder_decode (dec, block, 3, rgb, NULL, &err));
    g_assert_no_error (err);
  }
  held = la_backend_get_allocated_bytes (be) - base;
  g_assert_cmpuint (la_backend_get_peak_bytes (be), >, peak0);
  transient = la_backend_get_peak_bytes (be) - base - held;
  g_test_message ("decoder: %" G_GUINT64_FORMAT " bytes kept (%"
      G_GUINT64_FORMAT " planned), %" G_GUINT64_FORMAT " temporary (%"
      G_GUINT64_FORMAT " estimated)", held, row (p, LA_MEMORY_VAE_CACHE),
      transient, row (p, LA_MEMORY_VAE_ACTIVATIONS));
  g_assert_cmpint (la_vae_get_dtype (la_avatar_get_vae (a)), ==, p->vae_dtype);
  g_assert_cmpuint (held, ==, row (p, LA_MEMORY_VAE_CACHE));
  g_assert_cmpuint (transient, <=, row (p, LA_MEMORY_VAE_ACTIVATIONS));
  g_assert_cmpuint (row (p, LA_MEMORY_VAE_ACTIVATIONS), <=, 3 * transient);

  la_avatar_decoder_free (dec);
  la_avatar_cond_unref (c);
  la_avatar_free (a);
  la_backend_free (be);
  la_memory_plan_free (p);
  g_free (latents);
  g_free (block);
  g_free (rgb);
}

static void
test_decoder (void)
{
  check_decoder ();
}

/* The reference picture's encode (73 copies through the encoder at once):
 * its peak over what was held before stays within the estimated row,
 * and the estimate is not a wild one. */
static void
check_encode (void)
{
  LaMemoryPlan *p = plan_for (LA_PRECISION_AUTO, 4);
  LaBackend *be = cpu ();
  LaAvatar *a = avatar_new (be, FALSE, FALSE, 4);
  guint8 *rgb = g_malloc ((gsize) W * H * 3);
  LaAvatarCond *c;
  GError *err = NULL;
  guint64 base, transient;
  gsize i;

  for (i = 0; i < (gsize) W * H * 3; i++)
    rgb[i] = (guint8) (i * 29 % 251);
  base = la_backend_get_allocated_bytes (be);
  g_assert_cmpuint (la_backend_get_peak_bytes (be), ==, base);
  c = la_avatar_cond_new (a, rgb, W * 3, &err);
  g_assert_no_error (err);
  /* the latents are host arrays: nothing stays on the backend */
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, base);
  transient = la_backend_get_peak_bytes (be) - base;
  g_test_message ("picture encode (%s VAE): %" G_GUINT64_FORMAT " bytes at "
      "the peak, %" G_GUINT64_FORMAT " estimated",
      la_dtype_name (p->vae_dtype), transient,
      row (p, LA_MEMORY_PICTURE_ENCODE));
  g_assert_cmpuint (transient, <=, row (p, LA_MEMORY_PICTURE_ENCODE));
  g_assert_cmpuint (row (p, LA_MEMORY_PICTURE_ENCODE), <=, 2 * transient);
  la_avatar_cond_unref (c);
  la_avatar_free (a);
  la_backend_free (be);
  la_memory_plan_free (p);
  g_free (rgb);
}

static void
test_encode (void)
{
  check_encode ();
}

/* ---- the engine refuses what does not fit ---- */

static LaEngine *
engine_new (GError ** err)
{
  LaEngineConfig ec;

  la_engine_config_init (&ec);
  ec.model = LA_MODEL_LIVEAVATAR;
  ec.model_path = tiny_dir;
  ec.backend = LA_BACKEND_CPU;
  ec.dit_devices = "0,1";
  ec.width = W;
  ec.height = H;
  return la_engine_new (&ec, err);
}

static void
test_engine (void)
{
  LaMemoryPlanConfig pc;
  LaMemoryPlan *p;
  GError *err = NULL;
  LaEngine *e;
  guint64 need;
  gchar *v;

  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CPU;
  pc.dit_devices = "0,1";
  pc.width = W;
  pc.height = H;
  p = av_plan_new (tiny_dir, &pc);
  need = la_memory_plan_device_total (&p->devices[0]);
  /* two stages: two forwards' temporaries at once */
  g_assert_cmpuint (p->n_stages, ==, 2);

  v = g_strdup_printf ("%" G_GUINT64_FORMAT, need - 1);
  g_setenv (ENV, v, TRUE);
  g_free (v);
  e = engine_new (&err);
  g_assert_null (e);
  g_assert_error (err, LA_ERROR, LA_ERROR_OUT_OF_MEMORY);
  g_test_message ("%s", err->message);
  g_assert_true (g_str_has_prefix (err->message, "CPU needs "));
  g_assert_nonnull (strstr (err->message, "weights "));
  g_assert_nonnull (strstr (err->message, "KV "));
  g_assert_nonnull (strstr (err->message, " but has "));
  g_assert_nonnull (strstr (err->message, "try precision=fp8"));
  g_clear_error (&err);

  v = g_strdup_printf ("%" G_GUINT64_FORMAT, need);
  g_setenv (ENV, v, TRUE);
  g_free (v);
  e = engine_new (&err);
  g_assert_no_error (err);
  g_assert_nonnull (e);
  la_engine_free (e);

  /* a bad value is the variable's fault, said so at load */
  g_setenv (ENV, "lots", TRUE);
  e = engine_new (&err);
  g_assert_null (e);
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message, ENV));
  g_clear_error (&err);
  g_unsetenv (ENV);

  la_memory_plan_free (p);
}

/* ---- the official model, without a checkpoint ---- */

/* WanModel_S2V's parameters from its layer definitions (model_s2v.py,
 * model.py, audio_utils.py, motioner.py) at wan_s2v_14B.py's values */
static guint64
official_params (void)
{
  const guint64 d = 5120, f = 13824, layers = 40, inject = 12, text = 4096;
  const guint64 freq = 256, z = 16, patch = 4, audio = 1024, tokens = 4;
  guint64 attn, block, top, enc, injectors, pack;

  /* WanSelfAttention / WanCrossAttention: q k v o with biases, qk norms */
  attn = 4 * (d * d + d) + 2 * d;
  /* two attentions, FFN, norm3 (affine), modulation [1, 6, d] */
  block = 2 * attn + (d * f + f) + (f * d + d) + 2 * d + 6 * d;
  /* patch_embedding, cond_encoder's bias (its weight is never kept),
   * trainable_cond_mask, text_embedding, time_embedding,
   * time_projection, head.head, head.modulation */
  top = (d * z * patch + d) + d + 3 * d + (text * d + d) + (d * d + d)
      + (freq * d + d) + (d * d + d) + (d * 6 * d + 6 * d)
      + (d * patch * z + patch * z) + 2 * d;
  /* CausalAudioEncoder: layer weights, conv1_local (d/4 per token),
   * conv1_global, conv2, conv3 (kernel 3), final_linear, padding token */
  enc = 25 + (audio * (d / 4 * tokens) * 3 + d / 4 * tokens)
      + (audio * d / 4 * 3 + d / 4) + (d / 4 * d / 2 * 3 + d / 2)
      + (d / 2 * d * 3 + d) + (d * d + d) + d;
  /* AudioInjector_WAN: an attention and an AdaLN linear (d -> 2d) each */
  injectors = inject * (attn + (d * 2 * d + 2 * d));
  /* FramePackMotioner: kernels (1,2,2), (2,4,4), (4,8,8) */
  pack = d * z * (1 * 2 * 2 + 2 * 4 * 4 + 4 * 8 * 8) + 3 * d;
  return top + layers * block + enc + injectors + pack;
}

static void
test_official (void)
{
  LaMemoryModel m;
  LaMemoryPlanConfig pc;
  LaMemoryPlan *p;
  GError *err = NULL;
  const gdouble gib = 1024.0 * 1024.0 * 1024.0;
  gdouble bf16, fp8, kv;

  la_memory_model_official (&m);
  g_assert_cmpuint (la_memory_dit_params (&m.dit), ==, official_params ());
  /* design.md: 16.3 B */
  g_assert_cmpfloat (official_params () / 1e9, >, 16.25);
  g_assert_cmpfloat (official_params () / 1e9, <, 16.35);

  /* design.md's table: one GPU, bf16 weights, bf16 caches for 4 steps */
  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CUDA;
  pc.precision = LA_PRECISION_BF16;
  pc.kv_dtype = LA_DTYPE_BF16;
  p = la_memory_plan_new (&m, &pc, &err);
  g_assert_no_error (err);
  g_assert_cmpint (p->devices[0].end_step - p->devices[0].first_step, ==, 4);
  bf16 = p->devices[0].bytes[LA_MEMORY_DIT_WEIGHTS] / gib;
  kv = p->devices[0].bytes[LA_MEMORY_KV_CACHE] / gib;
  /* 30.4 GiB of bf16 parameters plus the fp32 biases and tables; the
   * design's "(12 x 1056 + ~3000) x 40 x 2 x 5120 x 2 B, x 4 = 48 GiB"
   * with the sink's exact 2640 tokens and its raw keys */
  g_assert_cmpfloat (bf16, >, 30.4);
  g_assert_cmpfloat (bf16, <, 30.8);
  g_assert_cmpfloat (kv, >, 46.0);
  g_assert_cmpfloat (kv, <, 52.0);
  la_memory_plan_free (p);

  /* four GPUs one step each and a VAE GPU, FP8 weights */
  pc.dit_devices = "0,1,2,3";
  pc.vae_device = 4;
  pc.precision = LA_PRECISION_FP8;
  p = la_memory_plan_new (&m, &pc, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (p->n_devices, ==, 5);
  g_assert_false (p->devices[0].holds_vae);
  g_assert_true (p->devices[4].holds_vae);
  g_assert_false (p->devices[4].holds_dit);
  fp8 = p->devices[0].bytes[LA_MEMORY_DIT_WEIGHTS] / gib;
  g_assert_cmpfloat (fp8, >, 15.2);
  g_assert_cmpfloat (fp8, <, 16.0);
  g_assert_cmpfloat (p->devices[3].bytes[LA_MEMORY_KV_CACHE] / gib, >, 11.5);
  g_assert_cmpfloat (p->devices[3].bytes[LA_MEMORY_KV_CACHE] / gib, <, 13.0);
  la_memory_plan_free (p);

  /* the caches kept fp32, as the code does today: twice bf16's */
  pc.kv_dtype = LA_DTYPE_F32;
  p = la_memory_plan_new (&m, &pc, &err);
  g_assert_cmpfloat (p->devices[3].bytes[LA_MEMORY_KV_CACHE] / gib, >, 23.0);
  la_memory_plan_free (p);
  la_memory_model_clear (&m);
}

/* what the engine places where: one cross K/V per prompt where the
 * prompt's avatar runs the steps, one per step elsewhere; a Ulysses group
 * on its first device with every head; umT5 on the host under offload */
static LaMemoryPlan *
official_plan (const gchar * dit_devices, gint vae, gint ulysses,
    gboolean offload)
{
  LaMemoryPlanConfig pc;

  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CUDA;
  pc.precision = LA_PRECISION_FP8;
  pc.dit_devices = dit_devices;
  pc.vae_device = vae;
  pc.ulysses_size = ulysses;
  pc.offload = offload;
  return av_plan_new (NULL, &pc);
}

static void
test_placement (void)
{
  LaMemoryPlan *same = official_plan ("0", -1, 1, FALSE);
  LaMemoryPlan *apart = official_plan ("0", 1, 1, FALSE);
  LaMemoryPlan *two = official_plan ("0,1", -1, 1, FALSE);
  LaMemoryPlan *uly = official_plan ("0,1,2,3", -1, 2, FALSE);
  LaMemoryPlan *off = official_plan ("0", -1, 1, TRUE);
  LaMemoryPlan *off_apart = official_plan ("0", 1, 1, TRUE);
  guint64 cross = same->devices[0].bytes[LA_MEMORY_CROSS_KV];
  LaMemoryModel m;
  guint r;

  la_memory_model_official (&m);
  /* bf16 compute on CUDA: the VAE in bf16 too */
  g_assert_cmpint (same->vae_dtype, ==, LA_DTYPE_BF16);
  g_assert_cmpuint (same->devices[0].bytes[LA_MEMORY_VAE_WEIGHTS], ==,
      m.vae_params * 2 + 4 * LA_VAE_Z_DIM * 4);
  g_assert_cmpuint (same->devices[0].bytes[LA_MEMORY_PICTURE_ENCODE], >, 0);

  /* cross K/V: 40 layers, K and V, 512 rows of 5120 in bf16 */
  g_assert_cmpuint (cross, ==, 40ull * 2 * 512 * 5120 * 2);
  g_assert_cmpuint (apart->devices[0].bytes[LA_MEMORY_CROSS_KV], ==, 4 * cross);
  g_assert_cmpuint (apart->devices[1].bytes[LA_MEMORY_CROSS_KV], ==, 0);
  g_assert_cmpuint (two->devices[0].bytes[LA_MEMORY_CROSS_KV], ==, 2 * cross);
  g_assert_cmpuint (two->devices[1].bytes[LA_MEMORY_CROSS_KV], ==, cross);

  /* Ulysses 2 over 4 devices: the groups' first devices, 0 and 2, with
   * the whole caches of their 2 steps; 1 holds nothing; 3 the VAE */
  g_assert_cmpuint (uly->n_devices, ==, 3);
  g_assert_cmpint (uly->devices[0].index, ==, 0);
  g_assert_cmpint (uly->devices[1].index, ==, 2);
  g_assert_cmpint (uly->devices[2].index, ==, 3);
  g_assert_true (uly->devices[1].holds_dit);
  g_assert_false (uly->devices[2].holds_dit);
  g_assert_true (uly->devices[2].holds_vae);
  g_assert_cmpuint (uly->devices[1].bytes[LA_MEMORY_KV_CACHE], ==,
      same->devices[0].bytes[LA_MEMORY_KV_CACHE] / 2);
  g_assert_cmpuint (uly->devices[1].bytes[LA_MEMORY_CROSS_KV], ==, 2 * cross);
  g_assert_cmpuint (uly->devices[0].bytes[LA_MEMORY_DIT_WEIGHTS], ==,
      same->devices[0].bytes[LA_MEMORY_DIT_WEIGHTS]);

  /* offload: umT5 alone in a host column, the GPU less exactly that */
  g_assert_cmpuint (off->n_devices, ==, 2);
  g_assert_true (off->devices[1].host);
  g_assert_cmpstr (off->devices[1].name, ==, "host");
  g_assert_cmpuint (off->devices[1].bytes[LA_MEMORY_TEXT_ENCODER], ==,
      m.text_weight_bytes);
  g_assert_cmpuint (la_memory_plan_device_total (&off->devices[1]), ==,
      m.text_weight_bytes);
  g_assert_cmpuint (la_memory_plan_device_total (&off->devices[0]), ==,
      la_memory_plan_device_total (&same->devices[0]) - m.text_weight_bytes);
  for (r = 0; r < LA_MEMORY_N_ROWS; r++)
    if (r != LA_MEMORY_TEXT_ENCODER)
      g_assert_cmpuint (off->devices[0].bytes[r], ==,
          same->devices[0].bytes[r]);
  g_assert_cmpuint (off_apart->n_devices, ==, 3);
  g_assert_cmpuint (off_apart->devices[1].bytes[LA_MEMORY_TEXT_ENCODER], ==, 0);
  g_assert_true (off_apart->devices[2].host);

  la_memory_plan_free (same);
  la_memory_plan_free (apart);
  la_memory_plan_free (two);
  la_memory_plan_free (uly);
  la_memory_plan_free (off);
  la_memory_plan_free (off_apart);
  la_memory_model_clear (&m);
}

/* on the CPU backend offload changes nothing: one process, the host */
static void
test_offload_cpu (void)
{
  LaMemoryModel m;
  LaMemoryPlanConfig pc;
  LaMemoryPlan *a, *b;
  GError *err = NULL;

  la_memory_model_official (&m);
  la_memory_plan_config_init (&pc);
  a = la_memory_plan_new (&m, &pc, &err);
  pc.offload = TRUE;
  b = la_memory_plan_new (&m, &pc, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (b->n_devices, ==, 1);
  g_assert_false (b->config.offload);
  g_assert_cmpmem (a->devices[0].bytes, sizeof (a->devices[0].bytes),
      b->devices[0].bytes, sizeof (b->devices[0].bytes));
  la_memory_plan_free (a);
  la_memory_plan_free (b);
  la_memory_model_clear (&m);
}

static void
test_bad (void)
{
  LaMemoryModel m;
  LaMemoryPlanConfig pc;
  GError *err = NULL;

  g_assert_false (la_memory_model_load (&m, "/nonexistent/model", &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_clear_error (&err);
  la_memory_model_clear (&m);

  la_memory_model_official (&m);
  la_memory_plan_config_init (&pc);
  pc.dit_devices = "0,1,2";
  pc.ulysses_size = 2;
  g_assert_null (la_memory_plan_new (&m, &pc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  pc.dit_devices = "0,x";
  pc.ulysses_size = 1;
  g_assert_null (la_memory_plan_new (&m, &pc, &err));
  g_assert_nonnull (err);
  g_clear_error (&err);
  pc.dit_devices = "0,1,0";
  g_assert_null (la_memory_plan_new (&m, &pc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_DEVICE);
  g_clear_error (&err);
  pc.dit_devices = "0";
  pc.compute = (LaDitCompute) 7;
  g_assert_null (la_memory_plan_new (&m, &pc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  pc.compute = LA_DIT_COMPUTE_AUTO;
  pc.width = 100;
  g_assert_null (la_memory_plan_new (&m, &pc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  la_memory_model_clear (&m);
}

int
main (int argc, char **argv)
{
  gint status;

  g_test_init (&argc, &argv, NULL);
  g_unsetenv (ENV);
  g_unsetenv (COMPUTE_ENV);
  tiny_dir = la_test_tiny_model_new (SEED);
  g_test_add_func ("/plan/dit/fp32", test_dit_fp32);
  g_test_add_func ("/plan/dit/bf16", test_dit_bf16);
  g_test_add_func ("/plan/dit/fp8", test_dit_fp8);
  g_test_add_func ("/plan/model/weights", test_weights);
  g_test_add_func ("/plan/model/step", test_step);
  g_test_add_func ("/plan/model/bf16-compute", test_bf16_compute);
  g_test_add_func ("/plan/model/decoder", test_decoder);
  g_test_add_func ("/plan/model/picture-encode", test_encode);
  g_test_add_func ("/plan/engine/refuse-accept", test_engine);
  g_test_add_func ("/plan/official", test_official);
  g_test_add_func ("/plan/placement", test_placement);
  g_test_add_func ("/plan/offload-cpu", test_offload_cpu);
  g_test_add_func ("/plan/bad", test_bad);
  status = g_test_run ();
  la_test_tiny_model_free (tiny_dir);
  return status;
}
