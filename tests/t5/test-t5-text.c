/* liveavatar t5 tests: prompt -> context from a tiny model folder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A folder laid out as Wan2.2-S2V-14B's (models_t5_umt5-xxl-enc-bf16.pth,
 * google/umt5-xxl/spiece.model) with the tiny encoder and the tokenizer
 * tests' nfkc.model: a prompt goes through Wan's tokenizer wrapper and
 * the encoder; ids and context against make_goldens.py's (python
 * sentencepiece + transformers).
 */

#include "la-t5-text-encoder.h"
#include "liveavatar.h"
#include "t5-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  gchar *dir;
  gchar *ck_path;
  gchar *tok_dir;
  gchar *spm_path;
} ModelDir;

static void
copy_file (const gchar * from, const gchar * to)
{
  gchar *data;
  gsize size;
  GError *error = NULL;

  g_assert_true (g_file_get_contents (from, &data, &size, &error));
  g_assert_true (g_file_set_contents (to, data, size, &error));
  g_assert_no_error (error);
  g_free (data);
}

/* the tiny model folder; @weights: the checkpoint's bytes, NULL for the
 * committed tiny one */
static void
model_dir_init (ModelDir * m, GBytes * weights)
{
  GError *error = NULL;
  gchar *src;

  m->dir = g_dir_make_tmp ("la-t5-XXXXXX", &error);
  g_assert_no_error (error);
  m->ck_path = g_build_filename (m->dir, LA_T5_CHECKPOINT_FILE, NULL);
  m->tok_dir = g_build_filename (m->dir, LA_T5_TOKENIZER_DIR, NULL);
  m->spm_path = g_build_filename (m->tok_dir, LA_TEXT_SPM_FILE, NULL);
  g_assert_cmpint (g_mkdir_with_parents (m->tok_dir, 0700), ==, 0);
  if (weights) {
    g_assert_true (g_file_set_contents (m->ck_path, g_bytes_get_data (weights,
                NULL), g_bytes_get_size (weights), &error));
    g_assert_no_error (error);
  } else {
    src = t5_test_data_path (LA_T5_CHECKPOINT_FILE);
    copy_file (src, m->ck_path);
    g_free (src);
  }
  src = t5_test_text_data_path ("nfkc.model");
  copy_file (src, m->spm_path);
  g_free (src);
}

static void
model_dir_clear (ModelDir * m)
{
  gchar *google = g_path_get_dirname (m->tok_dir);

  g_remove (m->spm_path);
  g_remove (m->ck_path);
  g_rmdir (m->tok_dir);
  g_rmdir (google);
  g_assert_cmpint (g_rmdir (m->dir), ==, 0);
  g_free (google);
  g_free (m->dir);
  g_free (m->ck_path);
  g_free (m->tok_dir);
  g_free (m->spm_path);
}

static LaTensor *
new_context (LaBackend * be, LaT5TextEncoder * te)
{
  gint64 ne[] = { LA_TEXT_LEN, la_t5_text_encoder_get_dim (te) };
  GError *error = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, 2, ne, &error);

  g_assert_no_error (error);
  return t;
}

static void
test_prompt (void)
{
  ModelDir m;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  LaCheckpoint *g = t5_test_open_goldens ();
  GError *error = NULL;
  LaT5TextEncoder *te;
  LaTextTokens tokens = { NULL };
  LaT5TextInfo info = { 0 };
  const LaCheckpointTensor *text = la_checkpoint_lookup (g, "prompt.text");
  gchar *prompt = g_strndup (text->data, text->nbytes);
  gint64 len = LA_TEXT_LEN, n, i;
  gint32 *want_ids = t5_test_i32 (g, "prompt.ids", &len);
  guint8 *want_mask = t5_test_mask (g, "prompt.mask", &len);
  gfloat *want, *got;
  LaTensor *context;
  gint dim;

  model_dir_init (&m, NULL);
  te = la_t5_text_encoder_new (be, m.dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (te);
  dim = la_t5_text_encoder_get_dim (te);
  g_assert_cmpint (la_t5_encoder_get_weight_dtype
      (la_t5_text_encoder_get_encoder (te)), ==, LA_DTYPE_BF16);

  /* the tokenizer's ids and mask are python sentencepiece's + </s> */
  g_assert_true (la_text_tokenizer_encode (la_t5_text_encoder_get_tokenizer
          (te), prompt, LA_TEXT_LEN, &tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (tokens.ids, LA_TEXT_LEN * sizeof (gint32), want_ids,
      LA_TEXT_LEN * sizeof (gint32));
  g_assert_cmpmem (tokens.mask, LA_TEXT_LEN, want_mask, LA_TEXT_LEN);

  /* the context: the encoder's rows for those tokens, then zeros */
  n = (gint64) tokens.length * dim;
  want = t5_test_f32 (g, "prompt.context", &n);
  context = new_context (be, te);
  g_assert_true (la_t5_text_encoder_encode (te, prompt, context, &info,
          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.n_tokens, ==, tokens.length);
  g_assert_false (info.truncated);
  got = la_test_download (context);
  g_test_message ("prompt context: relative error %.3g",
      la_test_rel_error (got, want, n));
  g_assert_cmpfloat (la_test_rel_error (got, want, n), <=, 1e-4);
  for (i = n; i < LA_TEXT_LEN * dim; i++)
    g_assert_cmpfloat (got[i], ==, 0.0f);

  g_free (got);
  g_free (want);
  g_free (want_ids);
  g_free (want_mask);
  g_free (prompt);
  la_text_tokens_clear (&tokens);
  la_tensor_free (context);
  la_t5_text_encoder_free (te);
  model_dir_clear (&m);
  la_checkpoint_free (g);
  la_backend_free (be);
}

/* an empty prompt is </s> alone; a very long one keeps 511 tokens + </s> */
static void
test_empty_and_long (void)
{
  ModelDir m;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  GError *error = NULL;
  LaT5TextEncoder *te;
  LaT5TextInfo info = { 0 };
  LaTensor *context, *row;
  GString *many = g_string_new (NULL);
  gfloat *got, *alone;
  gint64 row_ne[2] = { 1, 0 };
  gint32 eos;
  gint dim, i;

  model_dir_init (&m, NULL);
  te = la_t5_text_encoder_new (be, m.dir, &error);
  g_assert_no_error (error);
  dim = la_t5_text_encoder_get_dim (te);
  context = new_context (be, te);

  g_assert_true (la_t5_text_encoder_encode (te, "  \t ", context, &info,
          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.n_tokens, ==, 1);
  got = la_test_download (context);
  /* row 0 is the encoder's output for [</s>] alone */
  eos = la_text_tokenizer_get_eos_id (la_t5_text_encoder_get_tokenizer (te));
  row_ne[1] = dim;
  row = la_tensor_new (be, LA_DTYPE_F32, 2, row_ne, NULL);
  g_assert_true (la_t5_encoder_forward (la_t5_text_encoder_get_encoder (te),
          row, &eos, NULL, 1, &error));
  g_assert_no_error (error);
  alone = la_test_download (row);
  g_assert_cmpmem (got, dim * sizeof (gfloat), alone, dim * sizeof (gfloat));
  for (i = dim; i < LA_TEXT_LEN * dim; i++)
    g_assert_cmpfloat (got[i], ==, 0.0f);
  g_free (got);
  g_free (alone);

  for (i = 0; i < 2000; i++)
    g_string_append (many, "talking face ");
  g_assert_true (la_t5_text_encoder_encode (te, many->str, context, &info,
          &error));
  g_assert_no_error (error);
  g_assert_true (info.truncated);
  g_assert_cmpuint (info.n_tokens, ==, LA_TEXT_LEN);
  got = la_test_download (context);
  /* the last row is the </s>'s, not padding */
  g_assert_cmpfloat (got[(LA_TEXT_LEN - 1) * dim], !=, 0.0f);
  g_free (got);

  /* a prompt Python could not have held */
  g_assert_false (la_t5_text_encoder_encode (te, "bad \xff utf-8", context,
          &info, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_string_free (many, TRUE);
  la_tensor_free (row);
  la_tensor_free (context);
  la_t5_text_encoder_free (te);
  model_dir_clear (&m);
  la_backend_free (be);
}

static void
test_bad_folders (void)
{
  ModelDir m;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, NULL);
  LaCheckpoint *ck = t5_test_open_weights ();
  GError *error = NULL;
  GBytes *small;

  /* nothing there */
  g_assert_null (la_t5_text_encoder_new (be, "/nonexistent/la-t5", &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_clear_error (&error);

  /* a folder without the checkpoint */
  model_dir_init (&m, NULL);
  g_assert_cmpint (g_remove (m.ck_path), ==, 0);
  g_assert_null (la_t5_text_encoder_new (be, m.dir, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_clear_error (&error);
  model_dir_clear (&m);

  /* an encoder with fewer embeddings than the tokenizer has pieces */
  small = t5_test_rewrite (ck, NULL, NULL, NULL, "token_embedding.weight",
      2000, NULL);
  model_dir_init (&m, small);
  g_assert_null (la_t5_text_encoder_new (be, m.dir, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "3000 pieces"));
  g_clear_error (&error);
  model_dir_clear (&m);
  g_bytes_unref (small);

  la_checkpoint_free (ck);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/t5/text/prompt", test_prompt);
  g_test_add_func ("/t5/text/empty-and-long", test_empty_and_long);
  g_test_add_func ("/t5/text/bad-folders", test_bad_folders);
  return g_test_run ();
}
