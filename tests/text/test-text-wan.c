/* liveavatar text tests: the prompt tokenizer as Wan calls it
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Cleaning and ids against make_goldens.py's rendering of Wan's
 * HuggingfaceTokenizer(clean='whitespace') (Python's html and regex, ftfy
 * without fix_encoding), then the wrapper's own rules: </s>, truncation to
 * 511 + </s>, <pad> up to the text length, the mask, bad input.
 */

#include "la-text-clean.h"
#include "la-text-tokenizer.h"
#include "liveavatar.h"
#include "test-text-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define MIN_GOLDEN_ROWS 400

static LaTextTokenizer *
load_tokenizer (void)
{
  gchar *path = test_text_data_path ("nfkc.model");
  GError *error = NULL;
  LaTextTokenizer *tok = la_text_tokenizer_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tok);
  g_free (path);
  return tok;
}

static GArray *
raw_ids (const LaTextTokenizer * tok, const gchar * clean)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  GError *error = NULL;

  g_assert_true (la_spm_encode (la_text_tokenizer_get_spm (tok), clean, -1,
          ids, &error));
  g_assert_no_error (error);
  return ids;
}

static void
check_padded (const LaTextTokenizer * tok, const LaTextTokens * t)
{
  guint i, sum = 0;

  g_assert_cmpuint (t->length, >=, 1);
  g_assert_cmpuint (t->length, <=, t->seq_len);
  g_assert_cmpint (t->ids[t->length - 1], ==,
      la_text_tokenizer_get_eos_id (tok));
  for (i = t->length; i < t->seq_len; i++)
    g_assert_cmpint (t->ids[i], ==, la_text_tokenizer_get_pad_id (tok));
  for (i = 0; i < t->seq_len; i++) {
    g_assert_cmpuint (t->mask[i], ==, i < t->length ? 1 : 0);
    sum += t->mask[i];
  }
  g_assert_cmpuint (sum, ==, t->length);
}

static void
test_golden (void)
{
  LaTextTokenizer *tok = load_tokenizer ();
  GPtrArray *rows = test_text_read_golden ("wan.ids");
  guint i, clean_failures = 0, id_failures = 0, n_truncated = 0;

  g_assert_cmpuint (rows->len, >=, MIN_GOLDEN_ROWS);
  for (i = 0; i < rows->len; i++) {
    gchar **f = g_ptr_array_index (rows, i);
    gchar *prompt, *clean_expected, *clean;
    GArray *expected, *raw;
    LaTextTokens t;
    GError *error = NULL;
    gsize len;

    g_assert_cmpuint (g_strv_length (f), >=, 2);
    prompt = (gchar *) test_text_hex_decode (f[0], &len);
    clean_expected = (gchar *) test_text_hex_decode (f[1], &len);
    expected = test_text_parse_ids (f[2] ? f[2] : "");

    clean = la_text_clean_whitespace (prompt);
    if (g_strcmp0 (clean, clean_expected) != 0 && clean_failures++ < 10) {
      gchar *a = g_strescape (prompt, NULL), *b = g_strescape (clean, NULL);
      gchar *c = g_strescape (clean_expected, NULL);

      g_printerr ("row %u \"%.200s\":\n  cleaned  \"%.200s\"\n  expected "
          "\"%.200s\"\n", i, a, b, c);
      g_free (a);
      g_free (b);
      g_free (c);
    }

    g_assert_true (la_text_tokenizer_encode (tok, prompt, LA_TEXT_LEN, &t,
            &error));
    g_assert_no_error (error);
    check_padded (tok, &t);
    if (t.length != expected->len || memcmp (t.ids, expected->data,
            t.length * sizeof (gint32)) != 0) {
      if (id_failures++ < 10) {
        gchar *e = test_text_ids_to_string ((gint32 *) expected->data,
            expected->len);
        gchar *g = test_text_ids_to_string (t.ids, t.length);

        g_printerr ("row %u ids:\n  expected %.400s\n  got      %.400s\n",
            i, e, g);
        g_free (e);
        g_free (g);
      }
    }
    raw = raw_ids (tok, clean);
    g_assert_cmpint (t.truncated, ==, raw->len > LA_TEXT_LEN - 1);
    n_truncated += t.truncated;

    g_array_free (raw, TRUE);
    la_text_tokens_clear (&t);
    g_array_free (expected, TRUE);
    g_free (clean);
    g_free (clean_expected);
    g_free (prompt);
  }
  g_test_message ("%u prompts, %u truncated, %u cleaning and %u id "
      "mismatches", rows->len, n_truncated, clean_failures, id_failures);
  g_assert_cmpuint (clean_failures, ==, 0);
  g_assert_cmpuint (id_failures, ==, 0);
  /* the goldens hold long prompts: truncation was exercised */
  g_assert_cmpuint (n_truncated, >=, 3);

  g_ptr_array_unref (rows);
  la_text_tokenizer_free (tok);
}

static void
check_clean (const gchar * in, const gchar * expected)
{
  gchar *out = la_text_clean_whitespace (in);

  g_assert_cmpstr (out, ==, expected);
  g_free (out);
}

/* ftfy's rules, case by case, as its documentation states them */
static void
test_clean_rules (void)
{
  /* uncurl_quotes */
  check_clean ("\xe2\x80\x9chi\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99",
      "\"hi\" 'x'");
  /* fix_latin_ligatures */
  check_clean ("\xef\xac\x81ne \xef\xac\x82ow", "fine flow");
  /* fix_character_width, U+3000 included */
  check_clean ("\xef\xbc\xa1\xef\xbc\xa2\xe3\x80\x80\xef\xbd\x98", "AB x");
  /* remove_terminal_escapes */
  check_clean ("\x1b[31mred\x1b[0m", "red");
  /* fix_c1_controls: U+0096 is Windows-1252's en dash */
  check_clean ("a \xc2\x96 b", "a \xe2\x80\x93 b");
  /* remove_control_chars */
  check_clean ("a\x01\x7f\xef\xbb\xbf" "b", "ab");
  /* NFC */
  check_clean ("e\xcc\x81", "\xc3\xa9");
  /* ftfy's unescape repeats until stable; upper-case names too */
  check_clean ("&amp;amp;amp;", "&");
  check_clean ("&EACUTE;t&eacute;", "\xc3\x89t\xc3\xa9");
  /* with '<' ftfy leaves entities; Wan's two html.unescape still run */
  check_clean ("a < b &amp;amp;amp; c", "a < b &amp; c");
  /* html.unescape: no ';' needed for legacy names, longest prefix wins */
  check_clean ("< &notit; &copy2", "< \xc2\xacit; \xc2\xa9" "2");
  /* whitespace: collapsed, stripped */
  check_clean ("  a\t\n b\xc2\xa0\xc2\xa0" "c\xe2\x80\xa8 ", "a b c");
  check_clean ("", "");
  check_clean (" \t\r\n", "");
}

static void
test_wrapper (void)
{
  LaTextTokenizer *tok = load_tokenizer ();
  LaTextTokens t, small;
  GError *error = NULL;
  GString *long_prompt = g_string_new (NULL);
  GArray *raw;
  guint i;

  /* T5's specials, looked up by name */
  g_assert_cmpint (la_text_tokenizer_get_eos_id (tok), ==, 1);
  g_assert_cmpint (la_text_tokenizer_get_pad_id (tok), ==, 0);

  /* nothing left after cleaning: just </s> */
  g_assert_true (la_text_tokenizer_encode (tok, "  \t ", LA_TEXT_LEN, &t,
          &error));
  g_assert_cmpuint (t.length, ==, 1);
  g_assert_false (t.truncated);
  check_padded (tok, &t);
  la_text_tokens_clear (&t);
  g_assert_true (la_text_tokenizer_encode (tok, NULL, LA_TEXT_LEN, &t, &error));
  g_assert_cmpuint (t.length, ==, 1);
  la_text_tokens_clear (&t);

  /* 10 000 characters: truncated to 511 tokens + </s> */
  while (long_prompt->len < 10000)
    g_string_append (long_prompt, "a woman talking to the camera, ");
  g_string_truncate (long_prompt, 10000);
  g_assert_true (la_text_tokenizer_encode (tok, long_prompt->str,
          LA_TEXT_LEN, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t.seq_len, ==, LA_TEXT_LEN);
  g_assert_cmpuint (t.length, ==, LA_TEXT_LEN);
  g_assert_true (t.truncated);
  check_padded (tok, &t);
  raw = raw_ids (tok, long_prompt->str);
  g_assert_cmpmem (t.ids, (LA_TEXT_LEN - 1) * sizeof (gint32), raw->data,
      (LA_TEXT_LEN - 1) * sizeof (gint32));

  /* a shorter text length keeps a prefix of the same tokens */
  g_assert_true (la_text_tokenizer_encode (tok, long_prompt->str, 8, &small,
          &error));
  g_assert_cmpuint (small.length, ==, 8);
  g_assert_cmpmem (small.ids, 7 * sizeof (gint32), t.ids, 7 * sizeof (gint32));
  g_assert_cmpint (small.ids[7], ==, 1);
  la_text_tokens_clear (&small);

  /* length 1: only </s> fits */
  g_assert_true (la_text_tokenizer_encode (tok, "hello", 1, &small, &error));
  g_assert_cmpuint (small.length, ==, 1);
  g_assert_true (small.truncated);
  g_assert_cmpint (small.ids[0], ==, 1);
  la_text_tokens_clear (&small);

  /* the padded form of a short prompt */
  la_text_tokens_clear (&t);
  g_assert_true (la_text_tokenizer_encode (tok, "hello world", LA_TEXT_LEN,
          &t, &error));
  g_array_set_size (raw, 0);
  g_assert_true (la_spm_encode (la_text_tokenizer_get_spm (tok),
          "hello world", -1, raw, &error));
  g_assert_cmpuint (t.length, ==, raw->len + 1);
  for (i = 0; i < raw->len; i++)
    g_assert_cmpint (t.ids[i], ==, g_array_index (raw, gint32, i));
  check_padded (tok, &t);
  la_text_tokens_clear (&t);

  g_array_free (raw, TRUE);
  g_string_free (long_prompt, TRUE);
  la_text_tokenizer_free (tok);
}

static void
test_bad_input (void)
{
  LaTextTokenizer *tok = load_tokenizer ();
  LaTextTokens t;
  GError *error = NULL;
  gchar *huge;

  /* not UTF-8: refused, with where */
  g_assert_false (la_text_tokenizer_encode (tok, "ok \xff no", LA_TEXT_LEN,
          &t, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "byte 3"));
  g_assert_null (t.ids);
  g_clear_error (&error);
  g_assert_false (la_text_tokenizer_encode (tok, "\xed\xa0\x80",
          LA_TEXT_LEN, &t, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* no room for </s> */
  g_assert_false (la_text_tokenizer_encode (tok, "a", 0, &t, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* beyond the size limit */
  huge = g_malloc (LA_TEXT_MAX_PROMPT_BYTES + 2);
  memset (huge, 'a', LA_TEXT_MAX_PROMPT_BYTES + 1);
  huge[LA_TEXT_MAX_PROMPT_BYTES + 1] = '\0';
  g_assert_false (la_text_tokenizer_encode (tok, huge, LA_TEXT_LEN, &t,
          &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_free (huge);

  la_text_tokenizer_free (tok);
}

static void
test_folder (void)
{
  gchar *dir = g_dir_make_tmp ("la-text-XXXXXX", NULL);
  gchar *src = test_text_data_path ("nfkc.model");
  gchar *dst = g_build_filename (dir, LA_TEXT_SPM_FILE, NULL);
  gchar *contents, *missing;
  gsize len;
  GError *error = NULL;
  LaTextTokenizer *tok;

  /* the checkpoint's google/umt5-xxl/ holds spiece.model */
  g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (dst, contents, len, NULL));
  tok = la_text_tokenizer_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (la_spm_get_n_pieces (la_text_tokenizer_get_spm (tok)),
      ==, 3000);
  la_text_tokenizer_free (tok);
  g_unlink (dst);

  tok = la_text_tokenizer_new (dir, &error);
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_assert_null (tok);
  g_clear_error (&error);

  missing = g_build_filename (dir, "nope.model", NULL);
  tok = la_text_tokenizer_new (missing, &error);
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_assert_null (tok);
  g_clear_error (&error);

  g_rmdir (dir);
  g_free (missing);
  g_free (contents);
  g_free (dst);
  g_free (src);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wan/golden", test_golden);
  g_test_add_func ("/wan/clean-rules", test_clean_rules);
  g_test_add_func ("/wan/wrapper", test_wrapper);
  g_test_add_func ("/wan/bad-input", test_bad_input);
  g_test_add_func ("/wan/folder", test_folder);

  return g_test_run ();
}
