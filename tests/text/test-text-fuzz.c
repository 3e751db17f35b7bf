/* liveavatar text tests: hostile SentencePiece model files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Hand-made malformed files must give the right error; truncated and
 * randomly corrupted copies of a real model must load or fail cleanly,
 * and whatever loads must encode without reading out of bounds (run under
 * AddressSanitizer to make that check bite).
 */

#include "la-spm.h"
#include "liveavatar.h"
#include "test-text-util.h"

#include <string.h>

#define N_MUTATIONS 600
#define SEED 20260501

/* ---- a protobuf writer for hand-made files ---- */

static void
put_varint (GByteArray * b, guint64 v)
{
  do {
    guint8 c = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);

    g_byte_array_append (b, &c, 1);
    v >>= 7;
  } while (v);
}

static void
put_key (GByteArray * b, guint number, guint wire)
{
  put_varint (b, (guint64) number << 3 | wire);
}

static void
put_bytes (GByteArray * b, guint number, const void *data, gsize len)
{
  put_key (b, number, 2);
  put_varint (b, len);
  g_byte_array_append (b, data, len);
}

static void
put_uint (GByteArray * b, guint number, guint64 v)
{
  put_key (b, number, 0);
  put_varint (b, v);
}

static void
put_piece (GByteArray * b, const gchar * piece, gfloat score, gint type)
{
  GByteArray *p = g_byte_array_new ();
  guint32 bits;

  put_bytes (p, 1, piece, strlen (piece));
  put_key (p, 2, 5);
  memcpy (&bits, &score, 4);
  bits = GUINT32_TO_LE (bits);
  g_byte_array_append (p, (guint8 *) & bits, 4);
  if (type != 1)
    put_uint (p, 3, type);
  put_bytes (b, 1, p->data, p->len);
  g_byte_array_unref (p);
}

/* the pieces <unk> and "a", then @spec as ModelProto field @number
 * (2 trainer_spec, 3 normalizer_spec) */
static void
put_model_with_spec (GByteArray * b, guint number, GByteArray * spec)
{
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "a", 0, 1);
  put_bytes (b, number, spec->data, spec->len);
}

static LaSpm *
try_load (GByteArray * b, GError ** error)
{
  return la_spm_new (b->data, b->len, "crafted.model", error);
}

static void
expect_error (GByteArray * b, gint code, const gchar * fragment)
{
  GError *error = NULL;
  LaSpm *spm = try_load (b, &error);

  g_assert_null (spm);
  g_assert_error (error, LA_ERROR, code);
  if (fragment && !strstr (error->message, fragment))
    g_error ("\"%s\" lacks \"%s\"", error->message, fragment);
  g_assert_nonnull (strstr (error->message, "crafted.model"));
  g_error_free (error);
  g_byte_array_set_size (b, 0);
}

static void
test_crafted (void)
{
  GByteArray *b = g_byte_array_new ();
  GByteArray *sub = g_byte_array_new ();
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  GError *error = NULL;
  LaSpm *spm;
  guint i;

  /* the smallest useful model: <unk> and two pieces, no charsmap */
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "\xe2\x96\x81" "a", -1, 1);
  put_piece (b, "b", -2, 1);
  spm = try_load (b, &error);
  g_assert_no_error (error);
  g_assert_true (la_spm_encode (spm, "a bb c", -1, ids, &error));
  /* "▁a" "▁"(unk) "b" "b" "▁c"(unk: ▁ then c merge into one) */
  g_assert_cmpuint (ids->len, ==, 5);
  g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 1);
  g_assert_cmpint (g_array_index (ids, gint32, 1), ==, 0);
  g_assert_cmpint (g_array_index (ids, gint32, 2), ==, 2);
  g_assert_cmpint (g_array_index (ids, gint32, 3), ==, 2);
  g_assert_cmpint (g_array_index (ids, gint32, 4), ==, 0);
  la_spm_free (spm);
  g_byte_array_set_size (b, 0);

  /* wire format */
  expect_error (b, LA_ERROR_MODEL_INVALID, "no <unk>");
  g_byte_array_append (b, (guint8 *) "\xff", 1);
  expect_error (b, LA_ERROR_MODEL_INVALID, "truncated varint");
  g_byte_array_append (b, (guint8 *) "\x0a\xff\xff\xff\xff\x0f", 6);
  expect_error (b, LA_ERROR_MODEL_INVALID, "past the end");
  g_byte_array_append (b, (guint8 *) "\x0b", 1);
  expect_error (b, LA_ERROR_MODEL_INVALID, "wire type 3");
  g_byte_array_append (b, (guint8 *) "\x00", 1);
  expect_error (b, LA_ERROR_MODEL_INVALID, "field number 0");
  g_byte_array_append (b,
      (guint8 *) "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12);
  expect_error (b, LA_ERROR_MODEL_INVALID, "longer than");
  g_byte_array_append (b, (guint8 *) "\x0d\x01\x02", 3);
  expect_error (b, LA_ERROR_MODEL_INVALID, "truncated fixed32");
  put_uint (b, 1, 7);           /* pieces as a varint */
  expect_error (b, LA_ERROR_MODEL_INVALID, "pieces");

  /* pieces */
  put_bytes (sub, 1, "x", 1);
  put_uint (sub, 2, 3);         /* score as a varint */
  put_bytes (b, 1, sub->data, sub->len);
  expect_error (b, LA_ERROR_MODEL_INVALID, "score");
  put_piece (b, "<unk>", 0, 9);
  expect_error (b, LA_ERROR_MODEL_INVALID, "piece type 9");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "", 0, 1);
  expect_error (b, LA_ERROR_MODEL_INVALID, "empty");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "a", 0, 1);
  put_piece (b, "a", 0, 4);
  expect_error (b, LA_ERROR_MODEL_INVALID, "already defined");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "<unk2>", 0, 2);
  expect_error (b, LA_ERROR_MODEL_INVALID, "both <unk>");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "<0x41>", 0, 6);
  expect_error (b, LA_ERROR_MODEL_INVALID, "byte_fallback is false");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "<ctrl>", 0, 3);
  expect_error (b, LA_ERROR_MODEL_INVALID, "no normal pieces");

  /* byte_fallback needs all 256 byte pieces, spelt exactly */
  g_byte_array_set_size (sub, 0);
  put_uint (sub, 35, 1);
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "a", 0, 1);
  for (i = 0; i < 255; i++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", i);
    put_piece (b, name, 0, 6);
  }
  put_bytes (b, 2, sub->data, sub->len);
  expect_error (b, LA_ERROR_MODEL_INVALID, "<0xFF> is missing");
  put_piece (b, "<unk>", 0, 2);
  put_piece (b, "<0x4g>", 0, 6);
  put_bytes (b, 2, sub->data, sub->len);
  expect_error (b, LA_ERROR_MODEL_INVALID, "not <0xXX>");

  /* only unigram */
  g_byte_array_set_size (sub, 0);
  put_uint (sub, 3, 2);
  put_model_with_spec (b, 2, sub);
  expect_error (b, LA_ERROR_NOT_SUPPORTED, "not unigram");

  /* precompiled charsmap: too short, trie past the end */
  g_byte_array_set_size (sub, 0);
  put_bytes (sub, 2, "\x01\x00\x00", 3);
  put_model_with_spec (b, 3, sub);
  expect_error (b, LA_ERROR_MODEL_INVALID, "too short");
  g_byte_array_set_size (sub, 0);
  put_bytes (sub, 2, "\x10\x00\x00\x00\x00\x00", 6);
  put_model_with_spec (b, 3, sub);
  expect_error (b, LA_ERROR_MODEL_INVALID, "exceeds");

  g_array_free (ids, TRUE);
  g_byte_array_unref (sub);
  g_byte_array_unref (b);
}

static guint8 *
read_model (const gchar * name, gsize * len)
{
  gchar *path = test_text_data_path (name), *contents;

  g_assert_true (g_file_get_contents (path, &contents, len, NULL));
  g_free (path);
  return (guint8 *) contents;
}

/* A real charsmap whose replacement strings were cut off: the trie now
 * points past them. Loading cannot tell; encoding must fail, not read. */
static void
test_charsmap_cut (void)
{
  gsize len, i;
  guint8 *model = read_model ("nfkc.model", &len);
  LaSpmModel *m = la_spm_model_parse (model, len, NULL);
  GByteArray *b = g_byte_array_new (), *norm = g_byte_array_new ();
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  GError *error = NULL;
  guint32 trie_size;
  LaSpm *spm;

  g_assert_nonnull (m);
  g_assert_cmpuint (m->precompiled_charsmap_size, >, 8);
  memcpy (&trie_size, m->precompiled_charsmap, 4);
  trie_size = GUINT32_FROM_LE (trie_size);

  for (i = 0; i < m->n_pieces; i++) {
    gchar *s = g_strndup (m->pieces[i].piece, m->pieces[i].len);

    put_piece (b, s, m->pieces[i].score, m->pieces[i].type);
    g_free (s);
  }
  put_bytes (norm, 2, m->precompiled_charsmap, 4 + trie_size + 1);
  put_bytes (b, 3, norm->data, norm->len);

  spm = la_spm_new (b->data, b->len, "cut.model", &error);
  g_assert_no_error (error);
  /* plain ASCII needs no rule */
  g_assert_true (la_spm_encode (spm, "hello", -1, ids, &error));
  g_assert_no_error (error);
  /* fullwidth A has an NFKC rule, now pointing nowhere */
  g_assert_false (la_spm_encode (spm, "\xef\xbc\xa1", -1, ids, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
  g_assert_nonnull (strstr (error->message, "cut.model"));
  g_clear_error (&error);

  la_spm_free (spm);
  g_array_free (ids, TRUE);
  g_byte_array_unref (norm);
  g_byte_array_unref (b);
  la_spm_model_free (m);
  g_free (model);
}

static const gchar *const samples[] = {
  "a woman talking, \xe5\xa5\xb3\xe4\xba\xba \xd0\xbc\xd0\xb8\xd1\x80 "
      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xf0\x9f\x98\x80",
  "\xef\xbc\xa1\xef\xbd\xb6\xef\xac\x81 <sep> \xff\xfe",
  "",
};

static void
encode_samples (LaSpm * spm)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    GError *error = NULL;

    if (la_spm_encode (spm, samples[i], -1, ids, &error)) {
      for (j = 0; j < ids->len; j++) {
        gint32 id = g_array_index (ids, gint32, j);

        g_assert_cmpint (id, >=, 0);
        g_assert_cmpuint (id, <, la_spm_get_n_pieces (spm));
      }
    } else {
      g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
      g_error_free (error);
    }
    g_array_set_size (ids, 0);
  }
  g_array_free (ids, TRUE);
}

static void
test_truncated (void)
{
  gsize len, size, first_end;
  guint8 *model = read_model ("nfkc.model", &len);
  guint n_loaded = 0;
  LaSpm *spm;

  /* the first field is pieces[0]: key, one-byte length, payload */
  g_assert_cmpuint (model[0], ==, 0x0a);
  first_end = 2 + model[1];

  for (size = 0; size < len; size += size < 4096 ? 1 : 1021) {
    GError *error = NULL;

    spm = la_spm_new (model, size, "truncated.model", &error);
    if (spm) {
      n_loaded++;
      encode_samples (spm);
      la_spm_free (spm);
    } else {
      g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
      g_error_free (error);
    }
    if (size > 0 && size < first_end)
      g_assert_null (spm);
  }
  /* the whole file loads */
  spm = la_spm_new (model, len, "nfkc.model", NULL);
  g_assert_nonnull (spm);
  la_spm_free (spm);
  g_test_message ("%u truncations loaded", n_loaded);
  g_free (model);
}

static void
test_mutated (void)
{
  gsize len;
  guint8 *model = read_model ("nfkc.model", &len);
  guint8 *copy = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (SEED);
  guint iter, n_loaded = 0, n_failed = 0;
  LaSpmModel *m = la_spm_model_parse (model, len, NULL);
  gsize charsmap_at;

  g_assert_nonnull (m);
  charsmap_at = m->precompiled_charsmap - model;
  la_spm_model_free (m);

  for (iter = 0; iter < N_MUTATIONS; iter++) {
    guint k, n = g_rand_int_range (rand, 1, 9);
    gsize size = len;
    GError *error = NULL;
    LaSpm *spm;

    memcpy (copy, model, len);
    for (k = 0; k < n; k++) {
      /* half in the pieces, half in the charsmap's trie and strings */
      gsize at = (iter & 1) ?
          (gsize) g_rand_int_range (rand, 0, MIN (len, 60000)) :
          charsmap_at + g_rand_int_range (rand, 0, len - charsmap_at);

      copy[at] = (guint8) g_rand_int_range (rand, 0, 256);
    }
    if (iter % 7 == 0)
      size = g_rand_int_range (rand, 1, len);

    spm = la_spm_new (copy, size, "mutated.model", &error);
    if (spm) {
      n_loaded++;
      encode_samples (spm);
      la_spm_free (spm);
    } else {
      g_assert_true (error->domain == LA_ERROR);
      g_assert_true (error->code == LA_ERROR_MODEL_INVALID ||
          error->code == LA_ERROR_NOT_SUPPORTED);
      g_error_free (error);
      n_failed++;
    }
  }
  g_test_message ("%u mutated models loaded, %u refused", n_loaded, n_failed);
  g_assert_cmpuint (n_loaded, >, 0);
  g_assert_cmpuint (n_failed, >, 0);

  g_rand_free (rand);
  g_free (copy);
  g_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fuzz/crafted", test_crafted);
  g_test_add_func ("/fuzz/charsmap-cut", test_charsmap_cut);
  g_test_add_func ("/fuzz/truncated", test_truncated);
  g_test_add_func ("/fuzz/mutated", test_mutated);

  return g_test_run ();
}
