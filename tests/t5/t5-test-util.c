/* liveavatar: test helpers for the umT5 text encoder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "t5-test-util.h"
#include "liveavatar.h"

#include <string.h>

gchar *
t5_test_data_path (const gchar * name)
{
  return g_build_filename (LA_T5_TEST_DATA, name, NULL);
}

gchar *
t5_test_text_data_path (const gchar * name)
{
  return g_build_filename (LA_TEXT_TEST_DATA, name, NULL);
}

static LaCheckpoint *
open_data (const gchar * name)
{
  gchar *path = t5_test_data_path (name);
  GError *error = NULL;
  LaCheckpoint *ck = la_checkpoint_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ck);
  g_free (path);
  return ck;
}

LaCheckpoint *
t5_test_open_weights (void)
{
  return open_data ("models_t5_umt5-xxl-enc-bf16.pth");
}

LaCheckpoint *
t5_test_open_goldens (void)
{
  return open_data ("goldens.safetensors");
}

static const LaCheckpointTensor *
lookup (LaCheckpoint * ck, const gchar * name, LaIoDType dtype, gint64 * numel)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (ck, name);

  if (!t)
    g_error ("golden '%s' is missing", name);
  g_assert_cmpint (t->dtype, ==, dtype);
  if (numel && *numel >= 0)
    g_assert_cmpint (t->numel, ==, *numel);
  if (numel)
    *numel = t->numel;
  return t;
}

gfloat *
t5_test_f32 (LaCheckpoint * ck, const gchar * name, gint64 * numel)
{
  const LaCheckpointTensor *t = lookup (ck, name, LA_IO_DTYPE_F32, numel);

  return g_memdup2 (t->data, t->nbytes);
}

gint32 *
t5_test_i32 (LaCheckpoint * ck, const gchar * name, gint64 * numel)
{
  const LaCheckpointTensor *t = lookup (ck, name, LA_IO_DTYPE_I32, numel);

  return g_memdup2 (t->data, t->nbytes);
}

guint8 *
t5_test_mask (LaCheckpoint * ck, const gchar * name, gint64 * numel)
{
  gint64 n = numel ? *numel : -1, i;
  gint32 *m = t5_test_i32 (ck, name, &n);
  guint8 *mask = g_new (guint8, n);

  for (i = 0; i < n; i++) {
    g_assert_true (m[i] == 0 || m[i] == 1);
    mask[i] = (guint8) m[i];
  }
  g_free (m);
  if (numel)
    *numel = n;
  return mask;
}

void
t5_test_tiny_config (LaT5Config * config)
{
  la_t5_config_init_umt5_xxl (config);
  config->vocab_size = 3008;
  config->dim = 32;
  config->dim_attn = 48;
  config->dim_ffn = 80;
  config->num_heads = 4;
  config->num_layers = 3;
}

/* ---- rewritten checkpoints ---- */

GBytes *
t5_test_rewrite (LaCheckpoint * ck, const gchar * drop, const gchar * rename,
    const gchar * rename_to, const gchar * cut, gint64 rows,
    const gchar * extra)
{
  LaTestSafetensors *st = la_test_safetensors_new ();
  guint i;

  for (i = 0; i < la_checkpoint_n_tensors (ck); i++) {
    const LaCheckpointTensor *t = la_checkpoint_get (ck, i);
    const gchar *name = t->name;
    gint64 shape[LA_IO_MAX_DIMS];
    gsize nbytes = t->nbytes;

    if (drop && strcmp (name, drop) == 0)
      continue;
    if (rename && strcmp (name, rename) == 0)
      name = rename_to;
    memcpy (shape, t->shape, sizeof (shape));
    if (cut && strcmp (t->name, cut) == 0) {
      g_assert_cmpint (rows, <, shape[0]);
      nbytes = nbytes / shape[0] * rows;
      shape[0] = rows;
    }
    la_test_safetensors_add (st, name, la_io_dtype_name (t->dtype), t->ndim,
        shape, t->data, nbytes);
  }
  if (extra) {
    static const gint64 one[] = { 1 };
    gfloat v = 1.0f;

    la_test_safetensors_add (st, extra, "F32", 1, one, &v, sizeof (v));
  }
  return la_test_safetensors_finish (st);
}
