/* liveavatar tiny-model tests: the SentencePiece model writer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-spm-writer.h"
#include "la-spm.h"
#include "la-spm-model.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

#define SP "\xe2\x96\x81"

/* umT5's specials, the 256 bytes, then normal pieces: ids in that order */
static LaSpmWriter *
make_writer (gboolean bytes)
{
  static const struct
  {
    const gchar *piece;
    gfloat score;
  } normal[] = {
    {SP, -2.0f}, {SP "hello", -3.0f}, {SP "wor", -4.0f}, {"ld", -4.5f},
    {"h", -6.0f}, {"e", -6.1f}, {"l", -6.2f}, {"o", -6.3f}, {"w", -6.4f},
    {"r", -6.5f}, {"d", -6.6f},
  };
  LaSpmWriter *w = la_spm_writer_new ();
  GError *err = NULL;
  guint i;

  g_assert_true (la_spm_writer_add (w, "<pad>", 0, LA_SPM_PIECE_CONTROL, &err));
  g_assert_true (la_spm_writer_add (w, "</s>", 0, LA_SPM_PIECE_CONTROL, &err));
  g_assert_true (la_spm_writer_add (w, "<unk>", 0, LA_SPM_PIECE_UNKNOWN, &err));
  if (bytes)
    g_assert_true (la_spm_writer_add_bytes (w, &err));
  for (i = 0; i < G_N_ELEMENTS (normal); i++)
    g_assert_true (la_spm_writer_add (w, normal[i].piece, normal[i].score,
            LA_SPM_PIECE_NORMAL, &err));
  g_assert_no_error (err);
  return w;
}

static gint32
id_of (const LaSpm * spm, const gchar * piece)
{
  gint32 id = la_spm_find_piece (spm, piece, -1);

  g_assert_cmpint (id, >=, 0);
  return id;
}

static void
assert_ids (const LaSpm * spm, const gchar * text, const gint32 * want, guint n)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  GError *err = NULL;
  guint i;

  g_assert_true (la_spm_encode (spm, text, -1, ids, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (ids->len, ==, n);
  for (i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (ids, gint32, i), ==, want[i]);
  g_array_unref (ids);
}

/* the fields as the engine's parser reads them back */
static void
test_fields (void)
{
  LaSpmWriter *w = make_writer (TRUE);
  GError *err = NULL;
  GBytes *bytes = la_spm_writer_to_bytes (w, &err);
  LaSpmModel *m;
  guint i;

  g_assert_no_error (err);
  g_assert_cmpuint (la_spm_writer_get_n_pieces (w), ==, 3 + 256 + 11);
  m = la_spm_model_parse (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes), &err);
  g_assert_no_error (err);
  g_assert_cmpuint (m->n_pieces, ==, 3 + 256 + 11);
  g_assert_cmpint (m->model_type, ==, LA_SPM_MODEL_UNIGRAM);
  g_assert_cmpint (m->unk_id, ==, 2);
  g_assert_cmpint (m->eos_id, ==, 1);
  g_assert_cmpint (m->pad_id, ==, 0);
  g_assert_cmpint (m->bos_id, ==, -1);
  g_assert_true (m->byte_fallback);
  g_assert_false (m->treat_whitespace_as_suffix);
  g_assert_cmpuint (m->normalizer_name_len, ==, 8);
  g_assert_cmpmem (m->normalizer_name, 8, "identity", 8);
  g_assert_cmpuint (m->precompiled_charsmap_size, ==, 0);
  g_assert_true (m->add_dummy_prefix);
  g_assert_true (m->remove_extra_whitespaces);
  g_assert_true (m->escape_whitespaces);

  g_assert_cmpint (m->pieces[0].type, ==, LA_SPM_PIECE_CONTROL);
  g_assert_cmpint (m->pieces[2].type, ==, LA_SPM_PIECE_UNKNOWN);
  for (i = 0; i < 256; i++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", i);
    g_assert_cmpint (m->pieces[3 + i].type, ==, LA_SPM_PIECE_BYTE);
    g_assert_cmpmem (m->pieces[3 + i].piece, m->pieces[3 + i].len, name, 6);
    g_assert_cmpfloat (m->pieces[3 + i].score, ==, 0.0f);
  }
  g_assert_cmpint (m->pieces[260].type, ==, LA_SPM_PIECE_NORMAL);
  g_assert_cmpmem (m->pieces[260].piece, m->pieces[260].len, SP "hello",
      strlen (SP "hello"));
  g_assert_cmpfloat (m->pieces[260].score, ==, -3.0f);
  g_assert_cmpfloat (m->pieces[269].score, ==, -6.6f);

  la_spm_model_free (m);
  g_bytes_unref (bytes);
  la_spm_writer_free (w);
}

/* segmentation with the written scores, worked out by hand */
static void
test_encode (void)
{
  LaSpmWriter *w = make_writer (TRUE);
  GError *err = NULL;
  GBytes *bytes = la_spm_writer_to_bytes (w, &err);
  LaSpm *spm;

  g_assert_no_error (err);
  spm = la_spm_new (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
      "written.model", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_spm_get_n_pieces (spm), ==, 270);
  g_assert_true (la_spm_get_byte_fallback (spm));
  {
    /* "▁hello" (-3) beats "▁" "h" "e" "l" "l" "o"; "▁wor" "ld" (-8.5)
     * beats "▁" "w" "o" "r" "l" "d" */
    gint32 want[] = { id_of (spm, SP "hello"), id_of (spm, SP "wor"),
      id_of (spm, "ld")
    };
    assert_ids (spm, "hello   world", want, G_N_ELEMENTS (want));
  }
  {
    /* é is no piece: its UTF-8 bytes C3 A9 */
    gint32 want[] = { id_of (spm, SP), id_of (spm, "h"), 3 + 0xc3,
      3 + 0xa9
    };
    assert_ids (spm, "h\xc3\xa9", want, G_N_ELEMENTS (want));
  }
  la_spm_free (spm);
  g_bytes_unref (bytes);
  la_spm_writer_free (w);

  /* without byte pieces the unknown character is <unk> */
  w = make_writer (FALSE);
  bytes = la_spm_writer_to_bytes (w, &err);
  g_assert_no_error (err);
  spm = la_spm_new (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
      "written.model", &err);
  g_assert_no_error (err);
  g_assert_false (la_spm_get_byte_fallback (spm));
  {
    gint32 want[] = { id_of (spm, SP), id_of (spm, "h"), 2 };
    assert_ids (spm, "h\xc3\xa9", want, G_N_ELEMENTS (want));
  }
  la_spm_free (spm);
  g_bytes_unref (bytes);
  la_spm_writer_free (w);
}

static void
test_errors (void)
{
  LaSpmWriter *w = la_spm_writer_new ();
  GError *err = NULL;
  gchar *path;
  LaSpm *spm;

  g_assert_null (la_spm_writer_to_bytes (w, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  g_assert_true (la_spm_writer_add (w, "<unk>", 0, LA_SPM_PIECE_UNKNOWN, &err));
  g_assert_true (la_spm_writer_add (w, "<s>", 0, LA_SPM_PIECE_CONTROL, &err));
  la_test_expect_invalid (la_spm_writer_add (w, "<unk2>", 0,
          LA_SPM_PIECE_UNKNOWN, &err), &err);
  la_test_expect_invalid (la_spm_writer_add (w, "<s>", -1, LA_SPM_PIECE_NORMAL,
          &err), &err);
  la_test_expect_invalid (la_spm_writer_add (w, "", -1, LA_SPM_PIECE_NORMAL,
          &err), &err);
  la_test_expect_invalid (la_spm_writer_add (w, "\xff", -1, LA_SPM_PIECE_NORMAL,
          &err), &err);
  la_test_expect_invalid (la_spm_writer_add (w, "<0x41>", 0, LA_SPM_PIECE_BYTE,
          &err), &err);
  g_assert_true (la_spm_writer_add_bytes (w, &err));
  la_test_expect_invalid (la_spm_writer_add_bytes (w, &err), &err);
  la_test_expect_invalid (la_spm_writer_add (w, "<0x41>", -1,
          LA_SPM_PIECE_NORMAL, &err), &err);
  g_assert_cmpuint (la_spm_writer_get_n_pieces (w), ==, 2 + 256);
  /* no normal piece yet */
  g_assert_null (la_spm_writer_to_bytes (w, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_true (la_spm_writer_add (w, "a", -1, LA_SPM_PIECE_NORMAL, &err));

  path = la_test_save ((LaTestSaveFunc) la_spm_writer_save, w, "x.model");
  /* unk 0, bos 1 (<s>), no eos or pad: loads all the same */
  spm = la_spm_new_from_file (path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_spm_get_unk_id (spm), ==, 0);
  la_spm_free (spm);
  la_test_saved_free (path);
  la_spm_writer_free (w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiny/spm-writer/fields", test_fields);
  g_test_add_func ("/tiny/spm-writer/encode", test_encode);
  g_test_add_func ("/tiny/spm-writer/errors", test_errors);
  return g_test_run ();
}
