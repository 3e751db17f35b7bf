/* liveavatar tiny-model tools: files for tests/tiny/check_with_python.py
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 *   tiny-dump DIR PROMPTS
 *
 * writes the tiny model (seed 1) into DIR/model, a PyTorch zip of every
 * dtype the writer has into DIR/writer.pth, and for each line of the file
 * PROMPTS our SentencePiece ids with the tiny tokenizer, one line of
 * decimal ids each, into DIR/ids.txt. Not a test: the Python script
 * compares these with what torch, safetensors, sentencepiece and
 * transformers make of them.
 */

#include "la-tiny-model.h"
#include "la-torch-zip-writer.h"
#include "la-spm.h"
#include "liveavatar.h"

#include <stdio.h>
#include <string.h>

static gboolean
write_dtypes (const gchar * path, GError ** error)
{
  static const gint64 s23[] = { 2, 3 }, s4[] = { 4 };
  static const gfloat v[6] = { 1.0f, -2.5f, 0.1f, 3e-3f, 448.0f, -0.0f };
  static const gint64 longs[4] = { 1, -2, G_GINT64_CONSTANT (1) << 40, 0 };
  static const gint32 ints[4] = { -7, 0, 7, G_MAXINT32 };
  static const guint8 bytes[4] = { 0, 1, 128, 255 };
  LaTorchZipWriter *w = la_torch_zip_writer_new ();
  gboolean ok;

  ok = la_torch_zip_writer_add_f32 (w, "f32", LA_IO_DTYPE_F32, 2, s23, v, error)
      && la_torch_zip_writer_add_f32 (w, "bf16", LA_IO_DTYPE_BF16, 2, s23, v,
      error)
      && la_torch_zip_writer_add_f32 (w, "f16", LA_IO_DTYPE_F16, 2, s23, v,
      error)
      && la_torch_zip_writer_add_f32 (w, "scalar", LA_IO_DTYPE_F32, 0, NULL,
      v + 1, error)
      && la_torch_zip_writer_add (w, "i64", LA_IO_DTYPE_I64, 1, s4, longs,
      sizeof (longs), error)
      && la_torch_zip_writer_add (w, "i32", LA_IO_DTYPE_I32, 1, s4, ints,
      sizeof (ints), error)
      && la_torch_zip_writer_add (w, "u8", LA_IO_DTYPE_U8, 1, s4, bytes,
      sizeof (bytes), error)
      && la_torch_zip_writer_add (w, "nested.name.weight", LA_IO_DTYPE_U8, 1,
      s4, bytes, sizeof (bytes), error)
      && la_torch_zip_writer_save (w, path, error);
  la_torch_zip_writer_free (w);
  return ok;
}

static gboolean
write_ids (const gchar * model, const gchar * prompts, const gchar * out,
    GError ** error)
{
  gchar *spm_path = g_build_filename (model, "google", "umt5-xxl",
      "spiece.model", NULL);
  LaSpm *spm = la_spm_new_from_file (spm_path, error);
  GString *text = g_string_new (NULL);
  gchar *contents = NULL, **lines = NULL;
  gboolean ok = spm != NULL;
  guint i, j;

  ok = ok && g_file_get_contents (prompts, &contents, NULL, error);
  if (ok)
    lines = g_strsplit (contents, "\n", -1);
  for (i = 0; ok && lines[i]; i++) {
    GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

    if (!*lines[i] && !lines[i + 1]) {
      g_array_unref (ids);
      break;
    }
    ok = la_spm_encode (spm, lines[i], -1, ids, error);
    for (j = 0; ok && j < ids->len; j++)
      g_string_append_printf (text, "%s%d", j ? " " : "",
          g_array_index (ids, gint32, j));
    g_string_append_c (text, '\n');
    g_array_unref (ids);
  }
  ok = ok && g_file_set_contents (out, text->str, text->len, error);
  g_strfreev (lines);
  g_free (contents);
  g_string_free (text, TRUE);
  if (spm)
    la_spm_free (spm);
  g_free (spm_path);
  return ok;
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  gchar *model, *pth, *ids;
  gboolean ok;

  if (argc != 3) {
    fprintf (stderr, "usage: %s DIR PROMPTS\n", argv[0]);
    return 2;
  }
  model = g_build_filename (argv[1], "model", NULL);
  pth = g_build_filename (argv[1], "writer.pth", NULL);
  ids = g_build_filename (argv[1], "ids.txt", NULL);
  ok = la_tiny_model_write (model, 1, &err)
      && write_dtypes (pth, &err) && write_ids (model, argv[2], ids, &err);
  if (!ok)
    fprintf (stderr, "%s\n", err->message);
  g_clear_error (&err);
  g_free (ids);
  g_free (pth);
  g_free (model);
  return ok ? 0 : 1;
}
