/* liveavatar: the DiT's weight storage (fp32, bf16, FP8) on the tiny model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What each LaDitWeights stores (held to the fp32 DiT's weights: exact
 * bf16 rounding, FP8 within e4m3's step, Live Avatar's list of bf16
 * linears), what it costs in bytes (from the shapes), that bf16 storage of
 * bf16 weights changes a DiT forward by summation order only, the frames
 * of a generation at each precision against fp32 (PSNR), and the errors. */

#include "config.h"

#include "la-avatar-generate.h"
#include "la-backend-impl.h"
#include "la-dit-private.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"
#include "avatar-test-util.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define W 80
#define H 64
#define SEED 11

#define GEN_BLOCKS AVATAR_TEST_GEN_BLOCKS
#define GEN_STEPS AVATAR_TEST_GEN_STEPS

static gchar *tiny_dir;
static LaBackend *be;
static AvatarTestInputs inputs; /* GEN_BLOCKS blocks of features */

static gboolean
have_fp8 (LaBackend * backend)
{
  return la_backend_supports_op (backend, LA_OP_LINEAR_FP8, LA_DTYPE_F32);
}

static LaAvatar *
avatar_new (LaPrecision precision, const gchar * lora, gint steps)
{
  LaAvatarConfig cfg;
  GError *err = NULL;
  LaAvatar *a;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.lora_path = lora;
  cfg.sample_steps = steps;
  cfg.precision = precision;
  a = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_avatar_get_precision (a), ==,
      la_avatar_resolve_precision (precision, LA_BACKEND_CPU));
  return a;
}

/* ---- the DiT's linears, walked like its loader ---- */

typedef struct
{
  gchar *name;                  /* the module, as the checkpoint names it */
  const LaDitLinear *l;
} Linear;

/* *INDENT-OFF* */
static void add (GArray * out, const LaDitLinear * l, const gchar * format,
    ...) G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */

static void
add (GArray * out, const LaDitLinear * l, const gchar * format, ...)
{
  va_list args;
  Linear x;

  va_start (args, format);
  x.name = g_strdup_vprintf (format, args);
  va_end (args);
  x.l = l;
  g_array_append_val (out, x);
}

static void
add_attention (GArray * out, const LaDitAttention * a, gchar * prefix)
{
  add (out, &a->q, "%s.q", prefix);
  add (out, &a->k, "%s.k", prefix);
  add (out, &a->v, "%s.v", prefix);
  add (out, &a->o, "%s.o", prefix);
  g_free (prefix);
}

/* every nn.Linear of WanModel_S2V the DiT holds */
static GArray *
linears (LaDit * dit)
{
  const LaDitConfig *c = la_dit_get_config (dit);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Linear));
  guint i;

  add (out, &dit->text0, "text_embedding.0");
  add (out, &dit->text2, "text_embedding.2");
  add (out, &dit->time0, "time_embedding.0");
  add (out, &dit->time2, "time_embedding.2");
  add (out, &dit->time_proj, "time_projection.1");
  add (out, &dit->head, "head.head");
  add (out, &dit->audio.final_linear,
      "casual_audio_encoder.encoder.final_linear");
  for (i = 0; i < (guint) c->num_layers; i++) {
    add_attention (out, &dit->blocks[i].self_attn,
        g_strdup_printf ("blocks.%u.self_attn", i));
    add_attention (out, &dit->blocks[i].cross_attn,
        g_strdup_printf ("blocks.%u.cross_attn", i));
    add (out, &dit->blocks[i].ffn0, "blocks.%u.ffn.0", i);
    add (out, &dit->blocks[i].ffn2, "blocks.%u.ffn.2", i);
  }
  for (i = 0; i < c->n_audio_inject_layers; i++) {
    add_attention (out, &dit->injectors[i].attn,
        g_strdup_printf ("audio_injector.injector.%u", i));
    add (out, &dit->injectors[i].adain,
        "audio_injector.injector_adain_layers.%u.linear", i);
  }
  return out;
}

static void
linears_free (GArray * a)
{
  guint i;

  for (i = 0; i < a->len; i++)
    g_free (g_array_index (a, Linear, i).name);
  g_array_unref (a);
}

/* Live Avatar's ignore_keys for --fp8 (minimal_inference/
 * s2v_streaming_interact.py), matched as its contains_substring does */
static gboolean
live_avatar_keeps_bf16 (const gchar * module)
{
  static const gchar *const keys[] = { "text_embedding", "time_embedding",
    "time_projection", "head.head",
    "casual_audio_encoder.encoder.final_linear"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strstr (module, keys[i]))
      return TRUE;
  return FALSE;
}

/* the linear weights' element counts from the config's shapes alone:
 * all of them, and those Live Avatar keeps in bf16 under --fp8; the
 * number of FP8 weights */
static void
count_linear_elements (const LaDitConfig * c, gint64 * all, gint64 * kept,
    gint64 * n_fp8)
{
  gint64 d = c->dim, patch = (gint64) c->patch_size[0] * c->patch_size[1]
      * c->patch_size[2];
  gint64 per_block = 8 * d * d + 2 * d * c->ffn_dim;
  gint64 per_injector = 4 * d * d + 2 * d * d;

  *kept = d * c->text_dim + d * d       /* text_embedding.0, .2 */
      + d * c->freq_dim + d * d /* time_embedding.0, .2 */
      + 6 * d * d               /* time_projection.1 */
      + patch * c->out_dim * d  /* head.head */
      + d * d;                  /* audio final_linear */
  *all = *kept + c->num_layers * per_block
      + (gint64) c->n_audio_inject_layers * per_injector;
  *n_fp8 = c->num_layers * 10 + (gint64) c->n_audio_inject_layers * 5;
}

/* ---- storage ---- */

static LaDit *
dit_new (LaDitWeights weights, gboolean with_lora, guint64 * bytes)
{
  gchar *index = g_build_filename (tiny_dir,
      LA_AVATAR_DIT_INDEX_FILE, NULL);
  gchar *lpath = g_build_filename (tiny_dir, LA_AVATAR_LORA_FILE, NULL);
  gchar *cpath = g_build_filename (tiny_dir, LA_AVATAR_CONFIG_FILE, NULL);
  LaCheckpoint *ck, *lck = NULL;
  LaDitConfig dc;
  GError *err = NULL;
  guint64 before = la_backend_get_allocated_bytes (be);
  LaDit *dit;

  g_assert_true (la_dit_config_load (&dc, cpath, &err));
  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  if (with_lora) {
    lck = la_checkpoint_open (lpath, &err);
    g_assert_no_error (err);
  }
  dit = la_dit_new_with_weights (be, &dc, ck, lck, weights, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_dit_get_weights (dit), ==, weights);
  if (bytes)
    *bytes = la_backend_get_allocated_bytes (be) - before;
  la_checkpoint_free (lck);
  la_checkpoint_free (ck);
  g_free (index);
  g_free (lpath);
  g_free (cpath);
  return dit;
}

static guint16 *
bf16_codes (const LaTensor * t)
{
  gsize n = (gsize) la_tensor_nelements (t);
  guint16 *codes = g_new (guint16, n);
  GError *err = NULL;

  g_assert_cmpint (t->dtype, ==, LA_DTYPE_BF16);
  g_assert_true (la_tensor_get_data ((LaTensor *) t, 0, codes, n * 2, &err));
  return codes;
}

/* The bf16 DiT's weights are the fp32 ones rounded to nearest even, bit
 * for bit: unchanged when they are bf16 already (no LoRA: the tiny DiT
 * is published in bf16), changed by the fp32 LoRA merge otherwise. */
static void
check_bf16_of (const LaDitLinear * ref, const LaDitLinear * got,
    gsize * n_changed)
{
  gfloat *w = la_test_download (ref->weight);
  guint16 *codes = bf16_codes (got->weight);
  gsize n = (gsize) la_tensor_nelements (ref->weight), i;

  g_assert_cmpint (ref->weight->dtype, ==, LA_DTYPE_F32);
  g_assert_true (la_tensor_same_shape (ref->weight, got->weight));
  g_assert_null (got->scale);
  for (i = 0; i < n; i++) {
    g_assert_cmpuint (codes[i], ==, la_f32_to_bf16 (w[i]));
    if (la_bf16_to_f32 (codes[i]) != w[i])
      (*n_changed)++;
  }
  /* biases stay fp32, equal */
  g_assert_cmpint (got->bias->dtype, ==, LA_DTYPE_F32);
  {
    gfloat *b0 = la_test_download (ref->bias), *b1 =
        la_test_download (got->bias);

    g_assert_true (memcmp (b0, b1, la_tensor_nelements (ref->bias) * 4) == 0);
    g_free (b0);
    g_free (b1);
  }
  g_free (w);
  g_free (codes);
}

/* an FP8 weight dequantised is the bf16-rounded fp32 weight to e4m3's
 * precision: 3 mantissa bits, so within 2^-4 of the value for normal
 * codes, and half the smallest subnormal step (2^-10 of 1) times the
 * scale below them */
static void
check_fp8_of (const LaDitLinear * ref, const LaDitLinear * got)
{
  gfloat *w = la_test_download (ref->weight), scale;
  gsize n = (gsize) la_tensor_nelements (ref->weight), i;
  guint8 *codes = g_new (guint8, n);
  GError *err = NULL;
  gdouble amax = 0, want_scale;

  g_assert_cmpint (got->weight->dtype, ==, LA_DTYPE_FP8_E4M3);
  g_assert_nonnull (got->scale);
  g_assert_cmpint (got->scale->dtype, ==, LA_DTYPE_F32);
  g_assert_cmpint (la_tensor_nelements (got->scale), ==, 1);
  g_assert_true (la_tensor_get_data (got->weight, 0, codes, n, &err));
  g_assert_true (la_tensor_get_f32 (got->scale, &scale, 1, &err));
  for (i = 0; i < n; i++)
    amax = MAX (amax, fabs (la_bf16_to_f32 (la_f32_to_bf16 (w[i]))));
  /* Live Avatar's quant_fp8: s = min (448 / max (amax, 1e-12), 448),
   * dequantisation scale 1 / s */
  want_scale = 1.0 / MIN (448.0 / MAX (amax, 1e-12), 448.0);
  g_assert_cmpfloat (fabs (scale - want_scale), <=, want_scale * 1e-6);
  for (i = 0; i < n; i++) {
    gdouble want = la_bf16_to_f32 (la_f32_to_bf16 (w[i]));
    gdouble deq = (gdouble) la_fp8_e4m3_to_f32 (codes[i]) * scale;

    g_assert_cmpfloat (fabs (deq - want), <=, fabs (want) / 16.0
        + scale * 0x1p-10 + 1e-30);
  }
  g_free (w);
  g_free (codes);
}

static void
test_storage (void)
{
  LaDit *f32, *bf16, *f32_lora, *bf16_lora, *fp8 = NULL;
  guint64 b_f32, b_bf16, b_fp8 = 0, b_f32_lora, b_bf16_lora;
  gint64 all, kept, n_fp8;
  GArray *l0, *l1, *l2, *l3, *l4 = NULL;
  gsize changed_plain = 0, changed_lora = 0;
  guint i, n_fp8_seen = 0;

  f32 = dit_new (LA_DIT_WEIGHTS_F32, FALSE, &b_f32);
  bf16 = dit_new (LA_DIT_WEIGHTS_BF16, FALSE, &b_bf16);
  f32_lora = dit_new (LA_DIT_WEIGHTS_F32, TRUE, &b_f32_lora);
  bf16_lora = dit_new (LA_DIT_WEIGHTS_BF16, TRUE, &b_bf16_lora);
  g_assert_cmpuint (la_dit_get_n_lora_merged (bf16_lora), >, 0);
  l0 = linears (f32);
  l1 = linears (bf16);
  l2 = linears (f32_lora);
  l3 = linears (bf16_lora);
  count_linear_elements (la_dit_get_config (f32), &all, &kept, &n_fp8);

  for (i = 0; i < l0->len; i++) {
    check_bf16_of (g_array_index (l0, Linear, i).l,
        g_array_index (l1, Linear, i).l, &changed_plain);
    check_bf16_of (g_array_index (l2, Linear, i).l,
        g_array_index (l3, Linear, i).l, &changed_lora);
  }
  g_assert_cmpuint (changed_plain, ==, 0);
  g_assert_cmpuint (changed_lora, >, 0);

  /* bytes: the linear weights' 4 bytes per value become 2, nothing else
   * changes (one buffer per tensor, of its exact size) */
  g_assert_cmpuint (b_f32, >, 0);
  g_assert_cmpuint (b_f32 - b_bf16, ==, 2 * all);
  g_assert_cmpuint (b_f32_lora - b_bf16_lora, ==, 2 * all);
  g_test_message ("linear weights: %" G_GINT64_FORMAT " values; fp32 %"
      G_GINT64_FORMAT " bytes, bf16 %" G_GINT64_FORMAT, all, 4 * all, 2 * all);

  if (have_fp8 (be)) {
    fp8 = dit_new (LA_DIT_WEIGHTS_FP8, TRUE, &b_fp8);
    l4 = linears (fp8);
    for (i = 0; i < l4->len; i++) {
      const Linear *x = &g_array_index (l4, Linear, i);

      if (live_avatar_keeps_bf16 (x->name)) {
        gsize changed = 0;

        check_bf16_of (g_array_index (l2, Linear, i).l, x->l, &changed);
      } else {
        check_fp8_of (g_array_index (l2, Linear, i).l, x->l);
        n_fp8_seen++;
      }
    }
    g_assert_cmpuint (n_fp8_seen, ==, n_fp8);
    /* one byte a value, two for the kept ones, 4 for each scale */
    g_assert_cmpuint (b_f32_lora - b_fp8, ==, 4 * all - (all - kept)
        - 2 * kept - 4 * n_fp8);
    g_test_message ("fp8: %" G_GINT64_FORMAT " bytes of linear weights "
        "(%.3f of fp32; the tiny model's embeddings and head, kept bf16, "
        "weigh more than the 14B's)", (all - kept) + 2 * kept + 4 * n_fp8,
        (gdouble) ((all - kept) + 2 * kept + 4 * n_fp8) / (4.0 * all));
  } else {
    g_test_message ("FP8 part skipped: the CPU backend has no "
        "linear_fp8 yet");
  }

  if (l4)
    linears_free (l4);
  linears_free (l0);
  linears_free (l1);
  linears_free (l2);
  linears_free (l3);
  la_dit_free (fp8);
  la_dit_free (bf16_lora);
  la_dit_free (f32_lora);
  la_dit_free (bf16);
  la_dit_free (f32);
}

/* The 14B's linear weights from its config (Wan2.2-S2V-14B: dim 5120,
 * ffn 13824, 40 layers, 12 injectors, text 4096, freq 256): fp8 is about
 * a quarter of fp32, which the tiny model cannot show (its kept bf16
 * layers are a large share of it). */
static void
test_14b_bytes (void)
{
  LaDitConfig c;
  gint64 all, kept, n_fp8;
  gdouble ratio;

  memset (&c, 0, sizeof (c));
  c.dim = 5120;
  c.ffn_dim = 13824;
  c.num_layers = 40;
  c.n_audio_inject_layers = 12;
  c.text_dim = 4096;
  c.freq_dim = 256;
  c.out_dim = 16;
  c.patch_size[0] = 1;
  c.patch_size[1] = 2;
  c.patch_size[2] = 2;
  count_linear_elements (&c, &all, &kept, &n_fp8);
  ratio = (gdouble) ((all - kept) + 2 * kept + 4 * n_fp8) / (4.0 * all);
  g_test_message ("14B linear weights: %.2f G values, fp32 %.1f GiB, bf16 "
      "%.1f GiB, fp8 %.1f GiB (%.4f of fp32)", all / 1e9,
      4.0 * all / 1073741824.0, 2.0 * all / 1073741824.0,
      ratio * 4.0 * all / 1073741824.0, ratio);
  /* the design's 16.3 B parameters are nearly all in these */
  g_assert_cmpfloat (all / 1e9, >, 16.0);
  g_assert_cmpfloat (all / 1e9, <, 16.3);
  g_assert_cmpfloat (ratio, >, 0.25);
  g_assert_cmpfloat (ratio, <, 0.255);
}

/* ---- a DiT forward ---- */

static gfloat *
velocity (LaAvatar * a)
{
  return avatar_test_velocity (a, &inputs, SEED);
}

static gdouble
max_abs (const gfloat * x, gsize n)
{
  gdouble m = 0;
  gsize i;

  for (i = 0; i < n; i++)
    m = MAX (m, fabs (x[i]));
  return m;
}

static gdouble
max_diff (const gfloat * x, const gfloat * y, gsize n)
{
  gdouble m = 0;
  gsize i;

  for (i = 0; i < n; i++)
    m = MAX (m, fabs ((gdouble) x[i] - y[i]));
  return m;
}

/* Summation order only. The bf16 weights hold the same values as the
 * fp32 ones (test_storage), so the two forwards differ only in how the
 * linears add their products: the fp32 kernel in vector lanes with the
 * bias first, the mixed one in 8 interleaved lanes with the bias last.
 * Each dot product of K terms then moves by at most K u sum |x w|
 * (u = 2^-24), in practice about sqrt (K) u of it: ~1e-6 relative for the
 * tiny model's K <= 256; its 4 blocks, norms and softmax may carry that a
 * few times over. 1e-5 of the velocity's scale bounds that, while weights
 * that bf16 really rounds (2^-9 relative each) move the output by ~1e-3,
 * as the LoRA-merged weights show here. */
#define SUM_ORDER_BOUND 1e-5

static void
test_lossless_forward (void)
{
  LaAvatar *a32 = avatar_new (LA_PRECISION_FP32, "", 1);
  LaAvatar *a16 = avatar_new (LA_PRECISION_BF16, "", 1);
  LaAvatar *l32 = avatar_new (LA_PRECISION_FP32, NULL, 1);
  LaAvatar *l16 = avatar_new (LA_PRECISION_BF16, NULL, 1);
  gsize n = la_avatar_block_latent_size (a32);
  gfloat *v32 = velocity (a32), *v16 = velocity (a16);
  gfloat *w32 = velocity (l32), *w16 = velocity (l16);
  gdouble scale = max_abs (v32, n), d = max_diff (v32, v16, n);
  gdouble lscale = max_abs (w32, n), ld = max_diff (w32, w16, n);

  g_test_message ("bf16 weights stored as bf16: max |dv| %.3g of %.3g "
      "(%.2g); LoRA-merged weights rounded to bf16: %.3g of %.3g (%.2g)",
      d, scale, d / scale, ld, lscale, ld / lscale);
  g_assert_cmpfloat (scale, >, 0.1);
  g_assert_cmpfloat (d, <=, SUM_ORDER_BOUND * scale);
  /* the same test sees real rounding */
  g_assert_cmpfloat (ld, >, SUM_ORDER_BOUND * lscale);

  g_free (v32);
  g_free (v16);
  g_free (w32);
  g_free (w16);
  la_avatar_free (a32);
  la_avatar_free (a16);
  la_avatar_free (l32);
  la_avatar_free (l16);
}

/* ---- generation ---- */

static GByteArray *
generate (LaPrecision precision)
{
  LaAvatar *a = avatar_new (precision, NULL, GEN_STEPS);
  GByteArray *frames = avatar_test_generate (a, &inputs, SEED, GEN_BLOCKS);

  la_avatar_free (a);
  return frames;
}

/* PSNR of the generated frames (the first 3, the reference picture in
 * all runs, left out) */
static gdouble
psnr (GByteArray * ref, GByteArray * got)
{
  return avatar_test_psnr (ref, got, 3 * W * H * 3);
}

/* FP8's floor, relative to bf16 in the same run. e4m3 keeps 3 mantissa
 * bits where bf16 keeps 8: its rounding error is 32 times bf16's, which
 * costs 20 log10 (32) = 30.1 dB of PSNR where the errors propagate
 * linearly; the inputs FP8 quantises per call add an error of the same
 * size, at most another 3 dB. Anything below bf16's PSNR minus 33.1 dB is
 * more than FP8's rounding explains (a wrong scale, a wrong layer list). */
#define FP8_PSNR_DROP 33.1

static void
test_generate_psnr (void)
{
  GByteArray *f32 = generate (LA_PRECISION_FP32);
  GByteArray *f32b = generate (LA_PRECISION_AUTO);
  GByteArray *bf16 = generate (LA_PRECISION_BF16);
  gdouble p16 = psnr (f32, bf16);

  /* AUTO on the CPU is the fp32 reference, bit for bit */
  g_assert_cmpuint (f32->len, ==, f32b->len);
  g_assert_true (memcmp (f32->data, f32b->data, f32->len) == 0);
  g_test_message ("%d blocks of %d steps, %dx%d: bf16 vs fp32 PSNR %.2f dB",
      GEN_BLOCKS, GEN_STEPS, W, H, p16);
  g_assert_cmpfloat (p16, >=, 40.0);
  g_assert_cmpfloat (p16, <, INFINITY);
  if (have_fp8 (be)) {
    GByteArray *fp8 = generate (LA_PRECISION_FP8);
    gdouble p8 = psnr (f32, fp8);

    g_test_message ("fp8 vs fp32 PSNR %.2f dB, fp8 vs bf16 %.2f dB", p8,
        psnr (bf16, fp8));
    g_assert_cmpfloat (p8, >=, p16 - FP8_PSNR_DROP);
    g_assert_cmpfloat (p8, <, p16);
    g_byte_array_unref (fp8);
  } else {
    g_test_message ("FP8 part skipped: the CPU backend has no "
        "linear_fp8 yet");
  }
  g_byte_array_unref (f32);
  g_byte_array_unref (f32b);
  g_byte_array_unref (bf16);
}

/* ---- errors ---- */

static LaOp missing_op;

static gboolean
refuse_missing (LaOp op, LaDType dtype)
{
  return op == missing_op;
}

static void
expect_avatar_error (LaBackend * backend, LaPrecision precision, gint code,
    const gchar * part)
{
  LaAvatarConfig cfg;
  GError *err = NULL;

  avatar_test_config_init (&cfg, tiny_dir, W, H);
  cfg.precision = precision;
  g_assert_null (la_avatar_new (backend, &cfg, &err));
  g_assert_error (err, LA_ERROR, code);
  if (!strstr (err->message, part))
    g_error ("'%s' does not say '%s'", err->message, part);
  g_clear_error (&err);
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
  guint64 before;

  g_assert_true (la_dit_config_load (&dc, cpath, &err));
  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  g_assert_null (la_dit_new_with_weights (be, &dc, ck, NULL,
          (LaDitWeights) 3, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message, "unknown weight storage 3"));
  g_clear_error (&err);
  g_assert_null (la_dit_new_with_weights (be, &dc, ck, NULL,
          (LaDitWeights) - 1, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  expect_avatar_error (be, (LaPrecision) 4, LA_ERROR_INVALID_ARGUMENT,
      "unknown precision 4");
  expect_avatar_error (be, (LaPrecision) - 2, LA_ERROR_INVALID_ARGUMENT,
      "unknown precision -2");
  g_assert_null (la_precision_name ((LaPrecision) 4));
  g_assert_cmpstr (la_precision_name (LA_PRECISION_FP8), ==, "fp8");
  g_assert_cmpstr (la_dit_weights_name (LA_DIT_WEIGHTS_BF16), ==, "bf16");
  g_assert_cmpint (la_avatar_resolve_precision (LA_PRECISION_AUTO,
          LA_BACKEND_CPU), ==, LA_PRECISION_FP32);
  g_assert_cmpint (la_avatar_resolve_precision (LA_PRECISION_AUTO,
          LA_BACKEND_CUDA), ==, LA_PRECISION_BF16);
  g_assert_cmpint (la_avatar_resolve_precision (LA_PRECISION_FP8,
          LA_BACKEND_CPU), ==, LA_PRECISION_FP8);

  /* a backend without the storage's op: refused at load, before a
   * weight is read (nothing allocated), naming the op */
  limited = avatar_test_limited_new (3, refuse_missing);

  missing_op = LA_OP_LINEAR_FP8;
  before = la_backend_get_allocated_bytes (limited);
  g_assert_null (la_dit_new_with_weights (limited, &dc, ck, NULL,
          LA_DIT_WEIGHTS_FP8, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (err->message, "linear_fp8"));
  g_assert_nonnull (strstr (err->message, "fp8 weights"));
  g_clear_error (&err);
  g_assert_cmpuint (la_backend_get_allocated_bytes (limited), ==, before);
  expect_avatar_error (limited, LA_PRECISION_FP8, LA_ERROR_NOT_SUPPORTED,
      "linear_fp8");
  /* the others still load there */
  {
    LaDit *ok = la_dit_new_with_weights (limited, &dc, ck, NULL,
        LA_DIT_WEIGHTS_BF16, &err);

    g_assert_no_error (err);
    la_dit_free (ok);
  }

  missing_op = LA_OP_LINEAR_MIXED;
  expect_avatar_error (limited, LA_PRECISION_BF16, LA_ERROR_NOT_SUPPORTED,
      "linear_mixed");
  expect_avatar_error (limited, LA_PRECISION_FP8, LA_ERROR_NOT_SUPPORTED,
      "linear_mixed");
  g_assert_cmpuint (la_backend_get_allocated_bytes (limited), ==, before);

  avatar_test_limited_free (limited);
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
  a = avatar_new (LA_PRECISION_FP32, "", 1);
  avatar_test_inputs_init (&inputs, a, W, H, 5, GEN_BLOCKS, 5, 11);
  la_avatar_free (a);
}

int
main (int argc, char **argv)
{
  int ret;

  avatar_test_init (&argc, &argv);
  setup ();
  g_test_add_func ("/avatar/precision/errors", test_errors);
  g_test_add_func ("/avatar/precision/storage", test_storage);
  g_test_add_func ("/avatar/precision/14b-bytes", test_14b_bytes);
  g_test_add_func ("/avatar/precision/lossless-forward", test_lossless_forward);
  g_test_add_func ("/avatar/precision/generate-psnr", test_generate_psnr);
  ret = g_test_run ();
  avatar_test_inputs_clear (&inputs);
  la_backend_free (be);
  la_test_tiny_model_free (tiny_dir);
  return ret;
}
