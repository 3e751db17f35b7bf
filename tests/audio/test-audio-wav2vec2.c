/* liveavatar: wav2vec2 against transformers' Wav2Vec2Model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* data/wav2vec2-tiny (model.safetensors, F16, Wav2Vec2Model names, new
 * weight-norm names) and data/wav2vec2-tiny-ctc (pytorch_model.bin, F32,
 * "wav2vec2." prefix, old weight_g / weight_v) hold the same tiny random
 * model with xlsr-53-english's architecture flags; data/goldens.safetensors
 * what transformers computes with it in float64 from ~1 s of audio
 * (make_goldens.py): the processor's normalised input and all hidden
 * states. A third checkpoint, written here with the weight norm folded
 * into a plain weight, must give the same result, and one lacking a tensor
 * must fail naming it.
 *
 * Tolerance: max |ours - golden| / max |golden| <= 1e-4 per hidden state
 * (fp32 against float64), 1e-5 for the normalised input. */

#include "config.h"

#include "audio-test-util.h"
#include "la-wav2vec2.h"
#include "liveavatar.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define TOL 1e-4
#define N_SAMPLES 16123
#define N_FRAMES 50
#define HIDDEN 32
#define N_STATES 4

static LaBackend *be;

/* the golden audio as the float signal (int16 / 32768) */
static gfloat *
golden_audio (void)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (audio_test_goldens (),
      "audio.pcm");
  gfloat *x = g_new (gfloat, N_SAMPLES);
  gint16 v;
  gsize i;

  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_I16);
  g_assert_cmpint (t->numel, ==, N_SAMPLES);
  for (i = 0; i < N_SAMPLES; i++) {
    memcpy (&v, (const guint8 *) t->data + 2 * i, 2);
    x[i] = (gfloat) GINT16_FROM_LE (v) / 32768.0f;
  }
  return x;
}

static LaWav2Vec2 *
load_model (const gchar * folder)
{
  gchar *dir = audio_test_data_path (folder);
  GError *error = NULL;
  LaWav2Vec2 *m = la_wav2vec2_new (be, dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_free (dir);
  return m;
}

/* the model's hidden states on the golden audio against the goldens */
static void
check_parity (LaWav2Vec2 * m, const gchar * what)
{
  gfloat *x = golden_audio ();
  gfloat *want = audio_test_golden ("hidden_states",
      N_STATES * N_FRAMES * HIDDEN);
  gfloat *got = g_new (gfloat, N_STATES * N_FRAMES * HIDDEN);
  GError *error = NULL;
  gsize per = N_FRAMES * HIDDEN;
  gint s;

  g_assert_true (la_wav2vec2_encode (m, x, N_SAMPLES, got, &error));
  g_assert_no_error (error);
  for (s = 0; s < N_STATES; s++) {
    gdouble err = la_test_rel_error (got + s * per, want + s * per, per);

    g_test_message ("%s: hidden state %d: rel err %.2e", what, s, err);
    g_assert_cmpfloat (err, <=, TOL);
  }
  g_free (got);
  g_free (want);
  g_free (x);
}

static void
test_config (void)
{
  gchar *dir = audio_test_data_path ("wav2vec2-tiny");
  static const gint dims[] = { 16, 16, 16, 16, 16, 16, 24 };
  static const gint kernels[] = { 10, 3, 3, 3, 3, 2, 2 };
  static const gint strides[] = { 5, 2, 2, 2, 2, 2, 2 };
  LaWav2Vec2Config c;
  GError *error = NULL;
  gint i;

  g_assert_true (la_wav2vec2_config_load (&c, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.n_conv_layers, ==, 7);
  for (i = 0; i < 7; i++) {
    g_assert_cmpint (c.conv_dim[i], ==, dims[i]);
    g_assert_cmpint (c.conv_kernel[i], ==, kernels[i]);
    g_assert_cmpint (c.conv_stride[i], ==, strides[i]);
  }
  g_assert_true (c.conv_bias);
  g_assert_cmpint (c.hidden_size, ==, HIDDEN);
  g_assert_cmpint (c.num_hidden_layers, ==, N_STATES - 1);
  g_assert_cmpint (c.num_attention_heads, ==, 4);
  g_assert_cmpint (c.intermediate_size, ==, 64);
  g_assert_cmpint (c.num_conv_pos_embeddings, ==, 16);
  g_assert_cmpint (c.num_conv_pos_embedding_groups, ==, 4);
  g_assert_cmpfloat (c.layer_norm_eps, ==, 1e-5);
  g_assert_true (c.do_normalize);
  g_assert_cmpint (la_wav2vec2_n_hidden_states (&c), ==, N_STATES);

  /* 16123 samples: 3223, 1611, 805, 402, 200, 100, 50 frames */
  g_assert_cmpint (la_wav2vec2_n_frames (&c, N_SAMPLES), ==, N_FRAMES);
  /* the receptive field is 400 samples (the real model's too) */
  g_assert_cmpint (la_wav2vec2_n_frames (&c, 400), ==, 1);
  g_assert_cmpint (la_wav2vec2_n_frames (&c, 399), ==, 0);
  g_assert_cmpint (la_wav2vec2_n_frames (&c, 0), ==, 0);
  /* then one frame per 320 samples */
  g_assert_cmpint (la_wav2vec2_n_frames (&c, 400 + 320 * 99), ==, 100);
  g_assert_cmpint (la_wav2vec2_n_frames (&c, 400 + 320 * 99 - 1), ==, 99);
  g_free (dir);
}

static void
test_normalize (void)
{
  gfloat *x = golden_audio (), *want, *got = g_new (gfloat, N_SAMPLES);

  want = audio_test_golden ("audio.input", N_SAMPLES);
  la_wav2vec2_normalize (got, x, N_SAMPLES);
  g_assert_cmpfloat (la_test_rel_error (got, want, N_SAMPLES), <=, 1e-5);
  /* in place gives the same */
  la_wav2vec2_normalize (x, x, N_SAMPLES);
  g_assert_cmpmem (x, N_SAMPLES * sizeof (gfloat), got,
      N_SAMPLES * sizeof (gfloat));
  /* silence stays zero (the epsilon keeps it finite) */
  memset (x, 0, N_SAMPLES * sizeof (gfloat));
  la_wav2vec2_normalize (got, x, N_SAMPLES);
  g_assert_cmpfloat (got[0], ==, 0.0f);
  g_assert_cmpfloat (got[N_SAMPLES - 1], ==, 0.0f);
  g_free (want);
  g_free (got);
  g_free (x);
}

static void
test_parity_safetensors (void)
{
  LaWav2Vec2 *m = load_model ("wav2vec2-tiny");

  check_parity (m, "model.safetensors");
  la_wav2vec2_free (m);
}

static void
test_parity_ctc_bin (void)
{
  LaWav2Vec2 *m = load_model ("wav2vec2-tiny-ctc");

  check_parity (m, "pytorch_model.bin (Wav2Vec2ForCTC)");
  la_wav2vec2_free (m);
}

/* la_wav2vec2_forward on tensors, from the processor's golden output */
static void
test_forward_tensors (void)
{
  LaWav2Vec2 *m = load_model ("wav2vec2-tiny");
  gfloat *input = audio_test_golden ("audio.input", N_SAMPLES);
  gfloat *want = audio_test_golden ("hidden_states",
      N_STATES * N_FRAMES * HIDDEN);
  gfloat *got = g_new (gfloat, N_STATES * N_FRAMES * HIDDEN);
  gint64 in_ne[1] = { N_SAMPLES };
  gint64 out_ne[3] = { N_STATES, N_FRAMES, HIDDEN };
  gint64 bad_ne[3] = { N_STATES, N_FRAMES + 1, HIDDEN };
  gint64 short_ne[1] = { 399 };
  LaTensor *tin, *tout, *tbad, *tshort;
  GError *error = NULL;

  tin = la_tensor_new (be, LA_DTYPE_F32, 1, in_ne, &error);
  tout = la_tensor_new (be, LA_DTYPE_F32, 3, out_ne, &error);
  tbad = la_tensor_new (be, LA_DTYPE_F32, 3, bad_ne, &error);
  tshort = la_tensor_new (be, LA_DTYPE_F32, 1, short_ne, &error);
  g_assert_no_error (error);
  la_tensor_set_f32 (tin, input, N_SAMPLES, &error);
  g_assert_no_error (error);

  g_assert_true (la_wav2vec2_forward (m, tout, tin, &error));
  g_assert_no_error (error);
  la_tensor_get_f32 (tout, got, N_STATES * N_FRAMES * HIDDEN, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (la_test_rel_error (got, want,
          N_STATES * N_FRAMES * HIDDEN), <=, TOL);

  /* a hidden-states tensor of the wrong length, input too short */
  g_assert_false (la_wav2vec2_forward (m, tbad, tin, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_wav2vec2_forward (m, tout, tshort, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_wav2vec2_encode (m, input, 399, got, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  la_tensor_free (tshort);
  la_tensor_free (tbad);
  la_tensor_free (tout);
  la_tensor_free (tin);
  g_free (got);
  g_free (want);
  g_free (input);
  la_wav2vec2_free (m);
}

/* ---- checkpoints written here ---- */

typedef struct
{
  gchar *name;
  gint ndim;
  gint64 shape[3];
  gfloat *data;
} Entry;

static void
entry_free (gpointer p)
{
  Entry *e = p;

  g_free (e->name);
  g_free (e->data);
  g_free (e);
}

/* the entries as an F32 safetensors file */
static GBytes *
write_safetensors (GPtrArray * entries)
{
  LaTestSafetensors *st = la_test_safetensors_new ();
  guint i;

  for (i = 0; i < entries->len; i++) {
    Entry *e = g_ptr_array_index (entries, i);
    gsize n = 1;
    gint d;

    for (d = 0; d < e->ndim; d++)
      n *= e->shape[d];
    la_test_safetensors_add (st, e->name, "F32", e->ndim, e->shape, e->data,
        4 * n);
  }
  return la_test_safetensors_finish (st);
}

/* every tensor of data/wav2vec2-tiny as F32 entries, except @skip */
static GPtrArray *
tiny_entries (const gchar * skip)
{
  gchar *path = audio_test_data_path ("wav2vec2-tiny/model.safetensors");
  GPtrArray *entries = g_ptr_array_new_with_free_func (entry_free);
  GError *error = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &error);
  guint i;

  g_assert_no_error (error);
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++) {
    const LaCheckpointTensor *t = la_checkpoint_get (ck, i);
    Entry *e;

    if (g_strcmp0 (t->name, skip) == 0)
      continue;
    g_assert_cmpint (t->ndim, <=, 3);
    e = g_new0 (Entry, 1);
    e->name = g_strdup (t->name);
    e->ndim = t->ndim;
    memcpy (e->shape, t->shape, sizeof (gint64) * t->ndim);
    e->data = la_checkpoint_tensor_dup_f32 (t, &error);
    g_assert_no_error (error);
    g_ptr_array_add (entries, e);
  }
  la_checkpoint_free (ck);
  g_free (path);
  return entries;
}

static Entry *
find_entry (GPtrArray * entries, const gchar * name)
{
  guint i;

  for (i = 0; i < entries->len; i++) {
    Entry *e = g_ptr_array_index (entries, i);

    if (strcmp (e->name, name) == 0)
      return e;
  }
  g_assert_not_reached ();
  return NULL;
}

static LaWav2Vec2 *
model_from_entries (GPtrArray * entries, GError ** error)
{
  gchar *dir = audio_test_data_path ("wav2vec2-tiny");
  GBytes *bytes = write_safetensors (entries);
  LaCheckpoint *ck = la_checkpoint_new_from_bytes (bytes, "written.st", error);
  LaWav2Vec2Config c;
  LaWav2Vec2 *m = NULL;
  GError *cfg_error = NULL;

  g_assert_true (la_wav2vec2_config_load (&c, dir, &cfg_error));
  g_assert_no_error (cfg_error);
  if (ck)
    m = la_wav2vec2_new_from_checkpoint (be, &c, ck, error);
  if (ck)
    la_checkpoint_free (ck);
  g_bytes_unref (bytes);
  g_free (dir);
  return m;
}

/* the weight norm folded in here, in double, as w = g v / ||v|| with the
 * norm per kernel tap: a plain "encoder.pos_conv_embed.conv.weight" */
static void
test_folded_weight_norm (void)
{
  const gchar *g_name =
      "encoder.pos_conv_embed.conv.parametrizations.weight.original0";
  const gchar *v_name =
      "encoder.pos_conv_embed.conv.parametrizations.weight.original1";
  GPtrArray *entries = tiny_entries (NULL);
  Entry *g = find_entry (entries, g_name), *v = find_entry (entries, v_name);
  gint64 rows = v->shape[0] * v->shape[1], k = v->shape[2], r, j;
  GError *error = NULL;
  LaWav2Vec2 *m;

  for (j = 0; j < k; j++) {
    gdouble norm = 0.0;

    for (r = 0; r < rows; r++)
      norm += (gdouble) v->data[r * k + j] * v->data[r * k + j];
    norm = sqrt (norm);
    for (r = 0; r < rows; r++)
      v->data[r * k + j] = (gfloat) (g->data[j] * v->data[r * k + j] / norm);
  }
  g_free (v->name);
  v->name = g_strdup ("encoder.pos_conv_embed.conv.weight");
  g_ptr_array_remove (entries, g);

  m = model_from_entries (entries, &error);
  g_assert_no_error (error);
  check_parity (m, "folded weight norm");
  la_wav2vec2_free (m);
  g_ptr_array_unref (entries);
}

static void
test_missing_tensor (void)
{
  static const gchar *const names[] = {
    "encoder.layers.2.feed_forward.output_dense.bias",
    "feature_extractor.conv_layers.6.layer_norm.weight",
    "encoder.pos_conv_embed.conv.parametrizations.weight.original1",
    "encoder.layer_norm.bias",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GPtrArray *entries = tiny_entries (names[i]);
    GError *error = NULL;
    LaWav2Vec2 *m = model_from_entries (entries, &error);

    g_assert_null (m);
    g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
    g_assert_nonnull (strstr (error->message, names[i]));
    g_clear_error (&error);
    g_ptr_array_unref (entries);
  }
}

/* ---- folders with a changed config ---- */

/* a temporary model folder: data/wav2vec2-tiny's files with config.json's
 * @from replaced by @to (and preprocessor_config.json's @pfrom by @pto),
 * the weights only when @weights */
static gchar *
make_folder (const gchar * from, const gchar * to, const gchar * pfrom,
    const gchar * pto, gboolean weights)
{
  static const gchar *const files[] = {
    "config.json", "preprocessor_config.json", "model.safetensors",
  };
  GError *error = NULL;
  gchar *tmp = g_dir_make_tmp ("la-w2v-XXXXXX", &error);
  guint i;

  g_assert_no_error (error);
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *src = audio_test_data_path ("wav2vec2-tiny"), *path, *text, *dst;
    gchar **parts;
    gsize len;

    path = g_build_filename (src, files[i], NULL);
    g_file_get_contents (path, &text, &len, &error);
    g_assert_no_error (error);
    if (i < 2) {
      const gchar *a = i == 0 ? from : pfrom, *b = i == 0 ? to : pto;

      if (a) {
        g_assert_nonnull (strstr (text, a));
        parts = g_strsplit (text, a, 2);
        g_free (text);
        text = g_strjoinv (b, parts);
        len = strlen (text);
        g_strfreev (parts);
      }
    }
    dst = g_build_filename (tmp, files[i], NULL);
    if (i < 2 || weights) {
      g_file_set_contents (dst, text, len, &error);
      g_assert_no_error (error);
    }
    g_free (dst);
    g_free (text);
    g_free (path);
    g_free (src);
  }
  return tmp;
}

static void
remove_folder (gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while ((name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

static void
expect_load_error (gchar * dir, gint code, const gchar * in_message)
{
  GError *error = NULL;
  LaWav2Vec2 *m = la_wav2vec2_new (be, dir, &error);

  g_assert_null (m);
  g_assert_error (error, LA_ERROR, code);
  if (in_message && !strstr (error->message, in_message))
    g_error ("\"%s\" does not mention %s", error->message, in_message);
  g_clear_error (&error);
  remove_folder (dir);
}

static void
test_load_errors (void)
{
  GError *error = NULL;

  /* no folder; a folder without weights */
  g_assert_null (la_wav2vec2_new (be, "/nonexistent/wav2vec2", &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_clear_error (&error);
  expect_load_error (make_folder (NULL, NULL, NULL, NULL, FALSE),
      LA_ERROR_MODEL_NOT_FOUND, "pytorch_model.bin");

  /* variants this code does not implement */
  expect_load_error (make_folder ("\"feat_extract_norm\": \"layer\"",
          "\"feat_extract_norm\": \"group\"", NULL, NULL, TRUE),
      LA_ERROR_NOT_SUPPORTED, "feat_extract_norm");
  expect_load_error (make_folder ("\"do_stable_layer_norm\": true",
          "\"do_stable_layer_norm\": false", NULL, NULL, TRUE),
      LA_ERROR_NOT_SUPPORTED, "do_stable_layer_norm");
  expect_load_error (make_folder ("\"hidden_act\": \"gelu\"",
          "\"hidden_act\": \"relu\"", NULL, NULL, TRUE),
      LA_ERROR_NOT_SUPPORTED, "hidden_act");
  expect_load_error (make_folder (NULL, NULL, "\"sampling_rate\": 16000",
          "\"sampling_rate\": 8000", TRUE), LA_ERROR_NOT_SUPPORTED, "8000");

  /* sizes that do not fit the weights or each other */
  expect_load_error (make_folder ("\"intermediate_size\": 64",
          "\"intermediate_size\": 65", NULL, NULL, TRUE),
      LA_ERROR_MODEL_INVALID, "intermediate_dense.weight");
  expect_load_error (make_folder ("\"num_attention_heads\": 4",
          "\"num_attention_heads\": 5", NULL, NULL, TRUE),
      LA_ERROR_MODEL_INVALID, "heads");
  expect_load_error (make_folder ("\"conv_kernel\": [\n    10,",
          "\"conv_kernel\": [\n", NULL, NULL, TRUE),
      LA_ERROR_MODEL_INVALID, "entries");
  expect_load_error (make_folder ("\"hidden_size\": 32",
          "\"hidden_size\": \"32\"", NULL, NULL, TRUE),
      LA_ERROR_MODEL_INVALID, "hidden_size");
  /* one layer more than the file has */
  expect_load_error (make_folder ("\"num_hidden_layers\": 3",
          "\"num_hidden_layers\": 4", NULL, NULL, TRUE),
      LA_ERROR_MODEL_INVALID, "encoder.layers.3.");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  audio_test_set_data_dir (argv[1]);
  be = la_test_cpu ();

  g_test_add_func ("/audio/wav2vec2/config", test_config);
  g_test_add_func ("/audio/wav2vec2/normalize", test_normalize);
  g_test_add_func ("/audio/wav2vec2/parity-safetensors",
      test_parity_safetensors);
  g_test_add_func ("/audio/wav2vec2/parity-ctc-bin", test_parity_ctc_bin);
  g_test_add_func ("/audio/wav2vec2/forward-tensors", test_forward_tensors);
  g_test_add_func ("/audio/wav2vec2/folded-weight-norm",
      test_folded_weight_norm);
  g_test_add_func ("/audio/wav2vec2/missing-tensor", test_missing_tensor);
  g_test_add_func ("/audio/wav2vec2/load-errors", test_load_errors);
  ret = g_test_run ();

  la_backend_free (be);
  audio_test_goldens_free ();
  return ret;
}
