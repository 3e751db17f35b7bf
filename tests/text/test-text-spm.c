/* liveavatar text tests: SentencePiece parity
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Our ids against python3-sentencepiece's EncodeAsIds on the prompts of
 * make_goldens.py (Latin, Cyrillic, CJK, Arabic, emoji, odd whitespace,
 * empty, very long, invalid UTF-8) for the three models it trains.
 */

#include "la-spm.h"
#include "liveavatar.h"
#include "test-text-util.h"

#include <string.h>

#define MIN_GOLDEN_ROWS 400     /* make_goldens.py writes 421 per model */

static LaSpm *
load_model (const gchar * name)
{
  gchar *file = g_strconcat (name, ".model", NULL);
  gchar *path = test_text_data_path (file);
  GError *error = NULL;
  LaSpm *spm = la_spm_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (spm);
  g_free (path);
  g_free (file);
  return spm;
}

static void
check_golden (gconstpointer data)
{
  const gchar *name = data;
  gchar *golden = g_strconcat (name, ".ids", NULL);
  LaSpm *spm = load_model (name);
  GPtrArray *rows = test_text_read_golden (golden);
  guint i, failures = 0, n_tokens = 0;

  g_assert_cmpuint (rows->len, >=, MIN_GOLDEN_ROWS);
  for (i = 0; i < rows->len; i++) {
    gchar **f = g_ptr_array_index (rows, i);
    GArray *expected, *got = g_array_new (FALSE, FALSE, sizeof (gint32));
    GError *error = NULL;
    guint8 *text;
    gsize len;

    g_assert_cmpuint (g_strv_length (f), >=, 1);
    text = test_text_hex_decode (f[0], &len);
    expected = test_text_parse_ids (f[1] ? f[1] : "");
    g_assert_true (la_spm_encode (spm, (const gchar *) text, len, got, &error));
    g_assert_no_error (error);
    n_tokens += got->len;

    if (got->len != expected->len || (got->len > 0 && memcmp (got->data,
                expected->data, got->len * sizeof (gint32)) != 0)) {
      gchar *e = test_text_ids_to_string ((gint32 *) expected->data,
          expected->len);
      gchar *g = test_text_ids_to_string ((gint32 *) got->data, got->len);
      gchar *t = g_strescape ((const gchar *) text, NULL);

      if (failures++ < 10)
        g_printerr ("%s row %u \"%.200s\":\n  expected %.400s\n  got      "
            "%.400s\n", name, i, t, e, g);
      g_free (t);
      g_free (e);
      g_free (g);
    }
    g_array_free (expected, TRUE);
    g_array_free (got, TRUE);
    g_free (text);
  }
  g_test_message ("%s: %u prompts, %u tokens, %u mismatches", name,
      rows->len, n_tokens, failures);
  g_assert_cmpuint (failures, ==, 0);

  g_ptr_array_unref (rows);
  la_spm_free (spm);
  g_free (golden);
}

/* What make_goldens.py's spm_train flags promise about the vocabularies */
static void
test_vocab (void)
{
  LaSpm *nfkc = load_model ("nfkc");
  LaSpm *bytes = load_model ("bytes");
  LaSpm *identity = load_model ("identity");
  guint i, n_unused = 0;

  g_assert_cmpuint (la_spm_get_n_pieces (nfkc), ==, 3000);
  g_assert_cmpstr (la_spm_id_to_piece (nfkc, 0), ==, "<pad>");
  g_assert_cmpstr (la_spm_id_to_piece (nfkc, 1), ==, "</s>");
  g_assert_cmpstr (la_spm_id_to_piece (nfkc, 2), ==, "<unk>");
  g_assert_null (la_spm_id_to_piece (nfkc, 3000));
  g_assert_null (la_spm_id_to_piece (nfkc, -1));
  g_assert_cmpint (la_spm_get_unk_id (nfkc), ==, 2);
  g_assert_cmpint (la_spm_find_piece (nfkc, "<s>", -1), ==, -1);
  g_assert_cmpint (la_spm_piece_to_id (nfkc, "<s>", -1), ==, 2);
  g_assert_cmpint (la_spm_get_piece_type (nfkc,
          la_spm_find_piece (nfkc, "<ctrl>", -1)), ==, LA_SPM_PIECE_CONTROL);
  g_assert_cmpint (la_spm_get_piece_type (nfkc,
          la_spm_find_piece (nfkc, "<sep>", -1)), ==,
      LA_SPM_PIECE_USER_DEFINED);
  g_assert_false (la_spm_get_byte_fallback (nfkc));

  g_assert_true (la_spm_get_byte_fallback (bytes));
  for (i = 0; i < 256; i++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", i);
    g_assert_cmpint (la_spm_get_piece_type (bytes,
            la_spm_find_piece (bytes, name, -1)), ==, LA_SPM_PIECE_BYTE);
  }

  for (i = 0; i < la_spm_get_n_pieces (identity); i++)
    n_unused += la_spm_get_piece_type (identity, i) == LA_SPM_PIECE_UNUSED;
  g_assert_cmpuint (n_unused, ==, 12);

  la_spm_free (nfkc);
  la_spm_free (bytes);
  la_spm_free (identity);
}

static void
check_normalized (LaSpm * spm, const gchar * in, const gchar * expected)
{
  GError *error = NULL;
  gchar *out = la_spm_normalize (spm, in, -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
  g_free (out);
}

/* The normaliser's rules, from the specs the models were trained with */
static void
test_normalize (void)
{
  LaSpm *nfkc = load_model ("nfkc");
  LaSpm *identity = load_model ("identity");

  /* nmt_nfkc: NFKC, whitespace collapsed, dummy prefix, ▁ for space */
  check_normalized (nfkc, "", "");
  check_normalized (nfkc, "   ", "");
  check_normalized (nfkc, "  Ａb  c ", "▁Ab▁c");
  check_normalized (nfkc, "ﬁ", "▁fi");
  check_normalized (nfkc, "e\xcc\x81", "▁\xc3\xa9");
  check_normalized (nfkc, "\xff", "▁\xef\xbf\xbd");
  /* user-defined symbols pass untouched, even where NFKC would act */
  check_normalized (nfkc, "<sep>", "▁<sep>");

  /* identity, whitespace kept, whitespace as suffix */
  check_normalized (identity, " a  b ", "▁a▁▁b▁▁");
  check_normalized (identity, "Ａ", "Ａ▁");

  la_spm_free (nfkc);
  la_spm_free (identity);
}

/* EncodeAsIds behaviours that do not depend on training */
static void
test_unknown_runs (void)
{
  LaSpm *nfkc = load_model ("nfkc");
  LaSpm *bytes = load_model ("bytes");
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  GError *error = NULL;
  /* U+10000 (Linear B), four bytes, in no corpus */
  const gchar *rare = "\xf0\x90\x80\x80\xf0\x90\x80\x80";
  guint i;

  /* a run of unknown characters is a single <unk> */
  g_assert_true (la_spm_encode (nfkc, rare, -1, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_array_index (ids, gint32, ids->len - 1), ==, 2);
  g_assert_cmpint (g_array_index (ids, gint32, ids->len - 2), !=, 2);

  /* byte fallback spells each unknown character as its bytes */
  g_array_set_size (ids, 0);
  g_assert_true (la_spm_encode (bytes, rare, -1, ids, &error));
  g_assert_cmpuint (ids->len, >=, 8);
  for (i = 0; i < 8; i++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", (guint8) rare[i]);
    g_assert_cmpint (g_array_index (ids, gint32, ids->len - 8 + i), ==,
        la_spm_find_piece (bytes, name, -1));
  }

  g_array_free (ids, TRUE);
  la_spm_free (nfkc);
  la_spm_free (bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/spm/golden/nfkc", "nfkc", check_golden);
  g_test_add_data_func ("/spm/golden/bytes", "bytes", check_golden);
  g_test_add_data_func ("/spm/golden/identity", "identity", check_golden);
  g_test_add_func ("/spm/vocab", test_vocab);
  g_test_add_func ("/spm/normalize", test_normalize);
  g_test_add_func ("/spm/unknown-runs", test_unknown_runs);

  return g_test_run ();
}
