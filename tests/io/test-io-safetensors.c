/* liveavatar io tests: safetensors files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-safetensors.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <string.h>

/* the golden from PyPI safetensors: every dtype, a scalar, an empty
 * tensor, metadata */
static void
test_golden (void)
{
  gchar *path = io_data_path ("dtypes.safetensors");
  JsonObject *want = io_expected_file ("dtypes.safetensors");
  GError *err = NULL;
  LaSafetensors *st;
  LaCheckpoint *ck;
  const guint8 *prev = NULL;
  guint i;

  st = la_safetensors_open (path, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (la_safetensors_get_name (st), ==, "dtypes.safetensors");
  g_assert_cmpstr (la_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (la_safetensors_get_metadata (st, "producer"), ==,
      "make_goldens.py");
  g_assert_null (la_safetensors_get_metadata (st, "absent"));
  g_assert_null (la_safetensors_lookup (st, "__metadata__"));
  g_assert_cmpuint (la_safetensors_n_tensors (st), ==,
      json_object_get_size (json_object_get_object_member (want, "tensors")));
  /* data-section order, each tensor right after the previous */
  for (i = 0; i < la_safetensors_n_tensors (st); i++) {
    const LaCheckpointTensor *t = la_safetensors_get (st, i);

    g_assert_true (la_safetensors_lookup (st, t->name) == t);
    g_assert_cmpstr (t->file, ==, "dtypes.safetensors");
    if (prev)
      g_assert_true ((const guint8 *) t->data >= prev);
    prev = (const guint8 *) t->data + t->nbytes;
  }
  {
    const LaCheckpointTensor *s = la_safetensors_lookup (st, "scalar");
    const LaCheckpointTensor *e = la_safetensors_lookup (st, "empty");

    g_assert_cmpint (s->ndim, ==, 0);
    g_assert_cmpint (s->numel, ==, 1);
    g_assert_cmpint (e->numel, ==, 0);
    g_assert_cmpuint (e->nbytes, ==, 0);
  }
  la_safetensors_free (st);

  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==,
      LA_CHECKPOINT_SAFETENSORS);
  io_check_against_expected (ck, want);
  la_checkpoint_free (ck);
  g_free (path);
}

typedef struct
{
  const gchar *what;
  const gchar *header;
  gsize data_len;
  const gchar *message;
} BadCase;

static const BadCase bad_cases[] = {
  {"unknown dtype", "{\"w\":{\"dtype\":\"F7\",\"shape\":[1],"
        "\"data_offsets\":[0,4]}}", 4, "tensor 'w': unsupported dtype 'F7'"},
  {"no dtype", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
      "tensor 'w': \"dtype\" is missing"},
  {"dtype not a string", "{\"w\":{\"dtype\":5,\"shape\":[1],"
        "\"data_offsets\":[0,4]}}", 4, "\"dtype\" is an integer"},
  {"no shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
      "tensor 'w': \"shape\" is missing"},
  {"negative dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],"
        "\"data_offsets\":[0,4]}}", 4, "shape dimension 1 is not"},
  {"fractional dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],"
        "\"data_offsets\":[0,4]}}", 4, "shape dimension 0 is not"},
  {"nine dims", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
        "\"data_offsets\":[0,4]}}", 4, "9 dimensions, at most 8"},
  {"shape overflow", "{\"w\":{\"dtype\":\"F32\",\"shape\":"
        "[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
      "shape [4294967296, 4294967296] overflows"},
  {"offsets not two", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[0]}}", 4, "not an array of two integers"},
  {"offsets reversed", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[4,0]}}", 4, "0 <= begin <= end"},
  {"offsets negative", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
        "\"data_offsets\":[-4,0]}}", 4, "0 <= begin <= end"},
  {"past the end", "{\"blocks.3.ffn.0.weight\":{\"dtype\":\"BF16\","
        "\"shape\":[4,8],\"data_offsets\":[0,64]}}", 16,
      "test.safetensors: tensor 'blocks.3.ffn.0.weight': data_offsets "
        "[0, 64) run past the end of the file (data section 16 bytes"},
  {"size mismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],"
        "\"data_offsets\":[0,8]}}", 8,
      "tensor 'w': data_offsets [0, 8) hold 8 bytes, but F32 [3] needs 12"},
  {"overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
        "[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
        "[4,12]}}", 12, "tensor 'b': bytes [4, 12) overlap tensor 'a'"},
  {"gap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":"
        "[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":"
        "[4,6]}}", 6, "tensor 'b': starts at byte 4 of the data section, "
        "leaving a gap after byte 2"},
  {"trailing data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
        "\"data_offsets\":[0,8]}}", 16,
      "data section is 16 bytes, but the tensors cover 8"},
  {"wrapping integer", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],"
        "\"data_offsets\":[0,18446744073709551617]}}", 1,
      "does not fit in 64 bits"},
  {"malformed", "{\"w\":{\"dtype\":\"F32\"", 0, "header: malformed JSON"},
  {"array root", "[1,2]", 0, "header: JSON is not an object"},
  {"trailing text", "{} [6]", 0, "header: data after the JSON object at "
        "byte 3"},
  {"comment", "{/* c */}", 0, "header: not plain JSON (comment or single "
        "quote) at byte 1"},
  {"single quotes", "{'w': 1}", 0, "not plain JSON"},
  {"empty header", "", 0, "JSON is not an object"},
  {"entry not object", "{\"w\":[1]}", 0,
      "tensor 'w': entry is an array, not an object"},
  {"metadata not object", "{\"__metadata__\":[1]}", 0,
      "__metadata__ is an array, not an object"},
  {"metadata value", "{\"__metadata__\":{\"k\":3}}", 0,
      "__metadata__ entry 'k' is an integer, not a string"},
};

static void
test_bad_headers (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    const BadCase *c = &bad_cases[i];
    GBytes *b = io_build_safetensors (c->header, c->data_len);
    GError *err = NULL;

    g_test_message ("case: %s", c->what);
    g_assert_null (la_safetensors_new_from_bytes (b, "test.safetensors", &err));
    io_assert_error (err, LA_ERROR_MODEL_INVALID, c->message);
    g_assert_true (g_str_has_prefix (err->message, "test.safetensors: "));
    g_error_free (err);
    g_bytes_unref (b);
  }
}

/* JSON nested past the limit is refused before json-glib recurses */
static void
test_deep_nesting (void)
{
  GString *h = g_string_new ("{\"__metadata__\":");
  GBytes *b;
  GError *err = NULL;
  gint i;

  for (i = 0; i < 10000; i++)
    g_string_append_c (h, '[');
  for (i = 0; i < 10000; i++)
    g_string_append_c (h, ']');
  g_string_append_c (h, '}');
  b = io_build_safetensors (h->str, 0);
  g_assert_null (la_safetensors_new_from_bytes (b, "deep", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "nested deeper than 64");
  g_error_free (err);
  g_bytes_unref (b);
  g_string_free (h, TRUE);
}

/* length field: too short a file, a length past the end, a huge length */
static void
test_header_length (void)
{
  static const guint8 short_file[] = { 2, 0, 0 };
  guint8 past[8 + 2] = { 200, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
  guint8 huge[8 + 2] = { 0, 0, 0, 0x40, 0, 0, 0, 0, '{', '}' };
  GBytes *b;
  GError *err = NULL;

  b = g_bytes_new_static (short_file, sizeof (short_file));
  g_assert_null (la_safetensors_new_from_bytes (b, "s", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "3 bytes, too short");
  g_clear_error (&err);
  g_bytes_unref (b);

  b = g_bytes_new_static (past, sizeof (past));
  g_assert_null (la_safetensors_new_from_bytes (b, "s", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "header length 200 runs past the end of the file (size 10)");
  g_clear_error (&err);
  g_bytes_unref (b);

  b = g_bytes_new_static (huge, sizeof (huge));
  g_assert_null (la_safetensors_new_from_bytes (b, "s", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "header length 1073741824 is over the 104857600 byte limit");
  g_clear_error (&err);
  g_bytes_unref (b);
}

/* the format promises no alignment: an F32 at an odd offset converts */
static void
test_unaligned (void)
{
  static const gchar header[] = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[1],"
      "\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[1,9]},\"h\":{\"dtype\":\"BF16\",\"shape\":[1],"
      "\"data_offsets\":[9,11]}}";
  GByteArray *a = g_byte_array_new ();
  guint64 len = GUINT64_TO_LE (strlen (header));
  gfloat vals[2] = { 1.5f, -2.25f }, out[2];
  guint16 bf = 0x4049;          /* 3.140625 */
  guint8 pad = 7;
  GBytes *b;
  LaSafetensors *st;
  GError *err = NULL;

  g_byte_array_append (a, (const guint8 *) &len, 8);
  g_byte_array_append (a, (const guint8 *) header, strlen (header));
  g_byte_array_append (a, &pad, 1);
  g_byte_array_append (a, (const guint8 *) vals, 8);
  g_byte_array_append (a, (const guint8 *) &bf, 2);
  b = g_byte_array_free_to_bytes (a);
  st = la_safetensors_new_from_bytes (b, "u", &err);
  g_assert_no_error (err);
  g_assert_true (la_checkpoint_tensor_to_f32 (la_safetensors_lookup (st, "w"),
          out, 2, &err));
  g_assert_cmpfloat (out[0], ==, 1.5f);
  g_assert_cmpfloat (out[1], ==, -2.25f);
  g_assert_true (la_checkpoint_tensor_to_f32 (la_safetensors_lookup (st, "h"),
          out, 1, &err));
  g_assert_cmpfloat (out[0], ==, 3.140625f);
  /* asking for the wrong count is refused */
  g_assert_false (la_checkpoint_tensor_to_f32 (la_safetensors_lookup (st,
              "w"), out, 1, &err));
  io_assert_error (err, LA_ERROR_INVALID_ARGUMENT, "has 2 elements");
  g_clear_error (&err);
  la_safetensors_free (st);
  g_bytes_unref (b);
}

static void
test_missing_file (void)
{
  GError *err = NULL;

  g_assert_null (la_safetensors_open ("/nonexistent/x.safetensors", &err));
  io_assert_error (err, LA_ERROR_MODEL_NOT_FOUND, "/nonexistent/x.safetensors");
  g_error_free (err);
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/safetensors/golden", test_golden);
  g_test_add_func ("/io/safetensors/bad-headers", test_bad_headers);
  g_test_add_func ("/io/safetensors/deep-nesting", test_deep_nesting);
  g_test_add_func ("/io/safetensors/header-length", test_header_length);
  g_test_add_func ("/io/safetensors/unaligned", test_unaligned);
  g_test_add_func ("/io/safetensors/missing-file", test_missing_file);
  return g_test_run ();
}
