/* liveavatar t5 tests: the umT5 encoder against transformers' UMT5
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The tiny random checkpoint and goldens of make_goldens.py: Wan's names
 * and bf16 storage, outputs from UMT5EncoderModel in float64 (identical to
 * Wan's T5Encoder on the same weights). Also the position buckets, the
 * memory the weights take, what the DiT gets (trimmed, zero-padded), and
 * refusals of bad checkpoints and bad input.
 */

#include "la-t5.h"
#include "la-t5-position.h"
#include "liveavatar.h"
#include "t5-test-util.h"

#include <math.h>
#include <string.h>

/* fp32 over the same bf16 weights against a float64 reference */
#define TOLERANCE 1e-4
#define FULL_LEN 512
#define FULL_TOKENS 300

static LaT5Encoder *
load_tiny (LaBackend * be)
{
  LaCheckpoint *ck = t5_test_open_weights ();
  GError *error = NULL;
  LaT5Config config;
  LaT5Encoder *enc;

  g_assert_true (la_t5_config_from_checkpoint (&config, ck, &error));
  g_assert_no_error (error);
  enc = la_t5_encoder_new (be, &config, ck, &error);
  g_assert_no_error (error);
  g_assert_nonnull (enc);
  la_checkpoint_free (ck);
  return enc;
}

static LaTensor *
rows_tensor (LaBackend * be, gint64 rows, gint dim)
{
  gint64 ne[] = { rows, dim };
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, 2, ne, &error);

  g_assert_no_error (error);
  return t;
}

static void
assert_close (const gchar * what, const gfloat * got, const gfloat * want,
    gsize n)
{
  gdouble err = la_test_rel_error (got, want, n);

  g_test_message ("%s: relative error %.3g", what, err);
  if (!(err <= TOLERANCE))
    g_error ("%s: relative error %.3g > %.1g", what, err, TOLERANCE);
}

/* ---- position buckets ---- */

static void
test_buckets (void)
{
  LaCheckpoint *g = t5_test_open_goldens ();
  gint64 n = 2 * FULL_LEN - 1, i;
  gint32 *want = t5_test_i32 (g, "buckets", &n);

  /* Wan's _relative_position_bucket (key - query) for -511 .. 511 */
  for (i = 0; i < n; i++) {
    gint64 rel = i - (FULL_LEN - 1);

    if (la_t5_relative_position_bucket (rel, 32, 128) != want[i])
      g_error ("distance %" G_GINT64_FORMAT ": bucket %d, Wan's %d", rel,
          la_t5_relative_position_bucket (rel, 32, 128), want[i]);
  }
  /* far beyond max_distance: the last bucket of each half */
  g_assert_cmpint (la_t5_relative_position_bucket (-100000, 32, 128), ==, 15);
  g_assert_cmpint (la_t5_relative_position_bucket (100000, 32, 128), ==, 31);
  g_free (want);
  la_checkpoint_free (g);
}

static void
test_position_bias (void)
{
  const gint heads = 2, buckets = 32, len = 20;
  const guint8 mask[20] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 0, 0, 0
  };
  gfloat table[32 * 2], *bias = g_new (gfloat, heads * len * len);
  gint i, j, h;

  for (i = 0; i < buckets * heads; i++)
    table[i] = (gfloat) i;
  la_t5_position_bias (bias, table, mask, len, heads, buckets, 128);
  for (h = 0; h < heads; h++) {
    for (i = 0; i < len; i++) {
      for (j = 0; j < len; j++) {
        gfloat b = bias[(h * len + i) * len + j];

        if (!mask[j])
          g_assert_true (isinf (b) && b < 0);
        else
          g_assert_cmpfloat (b, ==, table[la_t5_relative_position_bucket (j
                      - i, buckets, 128) * heads + h]);
      }
    }
  }
  g_free (bias);
}

/* ---- loading ---- */

static gsize
aligned (gint64 n, gsize size)
{
  return (n * size + LA_TENSOR_ALIGNMENT - 1) / LA_TENSOR_ALIGNMENT
      * LA_TENSOR_ALIGNMENT;
}

static void
test_load (void)
{
  LaBackend *be = la_test_cpu ();
  LaT5Encoder *enc = load_tiny (be);
  const LaT5Config *c = la_t5_encoder_get_config (enc);
  LaT5Config want;
  gsize bytes;

  t5_test_tiny_config (&want);
  g_assert_cmpint (c->vocab_size, ==, want.vocab_size);
  g_assert_cmpint (c->dim, ==, want.dim);
  g_assert_cmpint (c->dim_attn, ==, want.dim_attn);
  g_assert_cmpint (c->dim_ffn, ==, want.dim_ffn);
  g_assert_cmpint (c->num_heads, ==, want.num_heads);
  g_assert_cmpint (c->num_layers, ==, want.num_layers);
  g_assert_cmpint (c->num_buckets, ==, 32);
  g_assert_cmpint (c->max_distance, ==, 128);
  g_assert_cmpfloat (c->eps, ==, 1e-6f);

  /* the matrices stay bf16 (2 bytes each), norms are fp32, the position
   * tables live on the host */
  g_assert_cmpint (la_t5_encoder_get_weight_dtype (enc), ==, LA_DTYPE_BF16);
  bytes = aligned ((gint64) c->vocab_size * c->dim, 2) + aligned (c->dim, 4)
      + c->num_layers * (2 * aligned (c->dim, 4)
      + 4 * aligned ((gint64) c->dim_attn * c->dim, 2)
      + 3 * aligned ((gint64) c->dim_ffn * c->dim, 2));
  g_assert_cmpuint (la_t5_encoder_get_weight_bytes (enc), ==, bytes);

  la_t5_encoder_free (enc);
  la_backend_free (be);
}

static void
test_umt5_xxl_config (void)
{
  LaT5Config c;
  GError *error = NULL;

  la_t5_config_init_umt5_xxl (&c);
  g_assert_true (la_t5_config_validate (&c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.dim_attn / c.num_heads, ==, 64);
  c.num_heads = 60;
  g_assert_false (la_t5_config_validate (&c, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_clear_error (&error);
  la_t5_config_init_umt5_xxl (&c);
  c.max_distance = 8;
  g_assert_false (la_t5_config_validate (&c, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_clear_error (&error);
}

/* A rewritten tiny checkpoint must fail to load, naming @name. */
static void
check_bad_checkpoint (GBytes * bytes, const gchar * name, gboolean config_fails)
{
  LaBackend *be = la_test_cpu ();
  GError *error = NULL;
  LaCheckpoint *ck = la_checkpoint_new_from_bytes (bytes, "broken", &error);
  LaT5Config config;
  LaT5Encoder *enc;

  g_assert_no_error (error);
  if (config_fails) {
    g_assert_false (la_t5_config_from_checkpoint (&config, ck, &error));
  } else {
    g_assert_true (la_t5_config_from_checkpoint (&config, ck, &error));
    g_assert_no_error (error);
    enc = la_t5_encoder_new (be, &config, ck, &error);
    g_assert_null (enc);
  }
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  if (!strstr (error->message, name))
    g_error ("'%s' does not name %s", error->message, name);
  g_clear_error (&error);
  la_checkpoint_free (ck);
  g_bytes_unref (bytes);
  la_backend_free (be);
}

static void
test_bad_checkpoints (void)
{
  LaCheckpoint *ck = t5_test_open_weights ();

  check_bad_checkpoint (t5_test_rewrite (ck, "blocks.1.ffn.fc1.weight", NULL,
          NULL, NULL, 0, NULL), "blocks.1.ffn.fc1.weight", FALSE);
  check_bad_checkpoint (t5_test_rewrite (ck, NULL, NULL, NULL,
          "blocks.2.attn.o.weight", 31, NULL), "blocks.2.attn.o.weight", FALSE);
  check_bad_checkpoint (t5_test_rewrite (ck, NULL, NULL, NULL, NULL, 0,
          "blocks.0.attn.bias"), "blocks.0.attn.bias", FALSE);
  check_bad_checkpoint (t5_test_rewrite (ck, "token_embedding.weight", NULL,
          NULL, NULL, 0, NULL), "token_embedding.weight", TRUE);
  /* T5's single shared position bias is not umT5 */
  check_bad_checkpoint (t5_test_rewrite (ck, NULL,
          "blocks.0.pos_embedding.embedding.weight",
          "pos_embedding.embedding.weight", NULL, 0, NULL), "shared", TRUE);
  la_checkpoint_free (ck);
}

/* a configuration that disagrees with the file: the first tensor whose
 * shape differs is named */
static void
test_config_mismatch (void)
{
  LaBackend *be = la_test_cpu ();
  LaCheckpoint *ck = t5_test_open_weights ();
  GError *error = NULL;
  LaT5Config config;

  t5_test_tiny_config (&config);
  config.dim_ffn = 96;
  g_assert_null (la_t5_encoder_new (be, &config, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "blocks.0.ffn.gate.0.weight"));
  g_clear_error (&error);

  t5_test_tiny_config (&config);
  config.num_layers = 4;
  g_assert_null (la_t5_encoder_new (be, &config, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "blocks.3.norm1.weight"));
  g_clear_error (&error);

  t5_test_tiny_config (&config);
  config.num_layers = 2;
  g_assert_null (la_t5_encoder_new (be, &config, ck, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "blocks.2."));
  g_clear_error (&error);

  la_checkpoint_free (ck);
  la_backend_free (be);
}

/* ---- parity ---- */

/* T5Encoder.forward with the padding mask: every row, padding included */
static void
test_forward_masked (void)
{
  LaBackend *be = la_test_cpu ();
  LaT5Encoder *enc = load_tiny (be);
  LaCheckpoint *g = t5_test_open_goldens ();
  gint dim = la_t5_encoder_get_config (enc)->dim;
  gint64 len = FULL_LEN, n = FULL_LEN * dim;
  gint32 *ids = t5_test_i32 (g, "full.ids", &len);
  guint8 *mask = t5_test_mask (g, "full.mask", &len);
  gfloat *want = t5_test_f32 (g, "full.hidden", &n), *got;
  LaTensor *out = rows_tensor (be, len, dim);
  GError *error = NULL;

  g_assert_true (la_t5_encoder_forward (enc, out, ids, mask, len, &error));
  g_assert_no_error (error);
  got = la_test_download (out);
  assert_close ("tokens", got, want, FULL_TOKENS * dim);
  assert_close ("padding rows", got + FULL_TOKENS * dim,
      want + FULL_TOKENS * dim, (FULL_LEN - FULL_TOKENS) * dim);

  g_free (got);
  g_free (want);
  g_free (ids);
  g_free (mask);
  la_tensor_free (out);
  la_checkpoint_free (g);
  la_t5_encoder_free (enc);
  la_backend_free (be);
}

static void
test_forward_short (void)
{
  LaBackend *be = la_test_cpu ();
  LaT5Encoder *enc = load_tiny (be);
  LaCheckpoint *g = t5_test_open_goldens ();
  gint dim = la_t5_encoder_get_config (enc)->dim;
  gint64 len = -1, n;
  gint32 *ids = t5_test_i32 (g, "short.ids", &len);
  gfloat *want, *got;
  LaTensor *out = rows_tensor (be, len, dim);
  GError *error = NULL;

  n = len * dim;
  want = t5_test_f32 (g, "short.hidden", &n);
  g_assert_true (la_t5_encoder_forward (enc, out, ids, NULL, len, &error));
  g_assert_no_error (error);
  got = la_test_download (out);
  assert_close ("short", got, want, n);

  g_free (got);
  g_free (want);
  g_free (ids);
  la_tensor_free (out);
  la_checkpoint_free (g);
  la_t5_encoder_free (enc);
  la_backend_free (be);
}

/* what the DiT gets: the 300 token rows, then zeros to 512 */
static void
test_encode (void)
{
  LaBackend *be = la_test_cpu ();
  LaT5Encoder *enc = load_tiny (be);
  LaCheckpoint *g = t5_test_open_goldens ();
  gint dim = la_t5_encoder_get_config (enc)->dim;
  gint64 len = FULL_LEN, n = FULL_LEN * dim, tokens = 0, i;
  gint32 *ids = t5_test_i32 (g, "full.ids", &len);
  guint8 *mask = t5_test_mask (g, "full.mask", &len);
  gfloat *want = t5_test_f32 (g, "full.hidden", &n), *got;
  gfloat *garbage = g_new (gfloat, n);
  LaTensor *context = rows_tensor (be, len, dim);
  GError *error = NULL;

  /* every row must be written */
  for (i = 0; i < n; i++)
    garbage[i] = NAN;
  g_assert_true (la_tensor_set_f32 (context, garbage, n, &error));
  g_assert_true (la_t5_encoder_encode (enc, context, ids, mask, len,
          &tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tokens, ==, FULL_TOKENS);
  got = la_test_download (context);
  assert_close ("context", got, want, FULL_TOKENS * dim);
  for (i = FULL_TOKENS * dim; i < n; i++)
    g_assert_cmpfloat (got[i], ==, 0.0f);

  g_free (got);
  g_free (garbage);
  g_free (want);
  g_free (ids);
  g_free (mask);
  la_tensor_free (context);
  la_checkpoint_free (g);
  la_t5_encoder_free (enc);
  la_backend_free (be);
}

/* ---- bad input ---- */

static void
test_bad_input (void)
{
  LaBackend *be = la_test_cpu ();
  LaBackend *other = la_backend_new (LA_BACKEND_CPU, 1, NULL);
  LaT5Encoder *enc = load_tiny (be);
  gint dim = la_t5_encoder_get_config (enc)->dim;
  gint32 ids[4] = { 5, 6, 7, 1 };
  guint8 holes[4] = { 1, 0, 1, 0 }, none[4] = { 0, 0, 0, 0 };
  guint8 ones[4] = { 1, 1, 1, 1 };
  gint64 wide[] = { 4, dim + 1 };
  LaTensor *out = rows_tensor (be, 4, dim);
  LaTensor *out_other = rows_tensor (other, 4, dim);
  LaTensor *out_wide = la_tensor_new (be, LA_DTYPE_F32, 2, wide, NULL);
  LaTensor *out_big = rows_tensor (be, LA_T5_MAX_TOKENS + 1, dim);
  gint32 *many = g_new0 (gint32, LA_T5_MAX_TOKENS + 1);
  GError *error = NULL;

  /* ids outside the vocabulary */
  ids[2] = la_t5_encoder_get_config (enc)->vocab_size;
  la_test_expect_invalid (la_t5_encoder_forward (enc, out, ids, NULL, 4,
          &error), &error);
  ids[2] = -1;
  la_test_expect_invalid (la_t5_encoder_forward (enc, out, ids, NULL, 4,
          &error), &error);
  ids[2] = 7;
  /* lengths */
  la_test_expect_invalid (la_t5_encoder_forward (enc, out, ids, NULL, 0,
          &error), &error);
  la_test_expect_invalid (la_t5_encoder_forward (enc, out_big, many, NULL,
          LA_T5_MAX_TOKENS + 1, &error), &error);
  /* outputs of the wrong shape or place */
  la_test_expect_invalid (la_t5_encoder_forward (enc, out, ids, NULL, 3,
          &error), &error);
  la_test_expect_invalid (la_t5_encoder_forward (enc, out_wide, ids, NULL, 4,
          &error), &error);
  la_test_expect_invalid (la_t5_encoder_forward (enc, out_other, ids, NULL, 4,
          &error), &error);
  /* masks: nothing to attend to; holes are fine for forward, not for the
   * tokenizer-shaped encode */
  la_test_expect_invalid (la_t5_encoder_forward (enc, out, ids, none, 4,
          &error), &error);
  g_assert_true (la_t5_encoder_forward (enc, out, ids, holes, 4, &error));
  g_assert_no_error (error);
  la_test_expect_invalid (la_t5_encoder_encode (enc, out, ids, holes, 4, NULL,
          &error), &error);
  la_test_expect_invalid (la_t5_encoder_encode (enc, out, ids, none, 4, NULL,
          &error), &error);
  la_test_expect_invalid (la_t5_encoder_encode (enc, out, ids, ones, 0, NULL,
          &error), &error);
  g_assert_true (la_t5_encoder_encode (enc, out, ids, ones, 4, NULL, &error));
  g_assert_no_error (error);

  g_free (many);
  la_tensor_free (out);
  la_tensor_free (out_other);
  la_tensor_free (out_wide);
  la_tensor_free (out_big);
  la_t5_encoder_free (enc);
  la_backend_free (other);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/t5/buckets", test_buckets);
  g_test_add_func ("/t5/position-bias", test_position_bias);
  g_test_add_func ("/t5/load", test_load);
  g_test_add_func ("/t5/umt5-xxl-config", test_umt5_xxl_config);
  g_test_add_func ("/t5/bad-checkpoints", test_bad_checkpoints);
  g_test_add_func ("/t5/config-mismatch", test_config_mismatch);
  g_test_add_func ("/t5/forward-masked", test_forward_masked);
  g_test_add_func ("/t5/forward-short", test_forward_short);
  g_test_add_func ("/t5/encode", test_encode);
  g_test_add_func ("/t5/bad-input", test_bad_input);
  return g_test_run ();
}
