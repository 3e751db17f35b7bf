/* liveavatar io tests: the common checkpoint view and sharded files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-checkpoint.h"
#include "la-safetensors-index.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <glib/gstdio.h>
#include <string.h>

#define SHARD1 "model-00001-of-00002.safetensors"
#define SHARD2 "model-00002-of-00002.safetensors"
#define INDEX "model.safetensors.index.json"

/* the folder, the index and nothing else name the same sharded set */
static void
test_sharded_golden (void)
{
  gchar *dir = io_data_path ("sharded");
  gchar *index = g_build_filename (dir, INDEX, NULL);
  JsonObject *want = io_expected_file ("sharded");
  GError *err = NULL;
  LaCheckpoint *ck;
  LaSafetensorsIndex *idx;
  guint i;

  ck = la_checkpoint_open (dir, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==,
      LA_CHECKPOINT_SAFETENSORS_SHARDED);
  io_check_against_expected (ck, want);
  /* iteration is sorted by name */
  for (i = 1; i < la_checkpoint_n_tensors (ck); i++)
    g_assert_cmpint (strcmp (la_checkpoint_get (ck, i - 1)->name,
            la_checkpoint_get (ck, i)->name), <, 0);
  /* each tensor names its shard */
  g_assert_cmpstr (la_checkpoint_lookup (ck, "head.head.weight")->file, ==,
      SHARD2);
  g_assert_cmpstr (la_checkpoint_lookup (ck, "blocks.0.modulation")->file,
      ==, SHARD1);
  la_checkpoint_free (ck);

  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  io_check_against_expected (ck, want);
  la_checkpoint_free (ck);

  idx = la_safetensors_index_open (index, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_safetensors_index_n_shards (idx), ==,
      json_object_get_int_member (want, "n_shards"));
  la_safetensors_index_free (idx);
  g_free (index);
  g_free (dir);
}

/* a scratch copy of the sharded golden with its own index text */
static gchar *
scratch_set (const gchar * index_text, gboolean copy_shard2)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-io-XXXXXX", &err);
  const gchar *shards[] = { SHARD1, SHARD2 };
  guint i;

  g_assert_no_error (err);
  for (i = 0; i < (copy_shard2 ? 2u : 1u); i++) {
    gchar *src = g_build_filename ("sharded", shards[i], NULL);

    io_copy_data (src, dir);
    g_free (src);
  }
  if (index_text) {
    gchar *dst = g_build_filename (dir, INDEX, NULL);

    g_assert_true (g_file_set_contents (dst, index_text, -1, &err));
    g_free (dst);
  }
  return dir;
}

static void
remove_scratch (gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *e;

  while ((e = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, e, NULL);

    g_unlink (p);
    g_free (p);
  }
  g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

static void
expect_open_error (const gchar * dir, gint code, const gchar * part)
{
  GError *err = NULL;

  g_assert_null (la_checkpoint_open (dir, &err));
  io_assert_error (err, code, part);
  g_error_free (err);
}

static void
test_sharded_errors (void)
{
  gchar *dir;

  /* a shard file that is not there */
  dir = scratch_set ("{\"weight_map\": {\"head.head.weight\": \"" SHARD2
      "\"}}", FALSE);
  expect_open_error (dir, LA_ERROR_MODEL_NOT_FOUND, INDEX ": shard '"
      SHARD2 "' (of tensor 'head.head.weight'): cannot map");
  remove_scratch (dir);

  /* a tensor mapped to a shard that does not hold it */
  dir = scratch_set ("{\"weight_map\": {\"head.head.weight\": \"" SHARD1
      "\"}}", TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID, INDEX ": tensor "
      "'head.head.weight' is mapped to '" SHARD1 "', which does not hold it");
  remove_scratch (dir);

  /* escaping the folder */
  dir = scratch_set ("{\"weight_map\": {\"x\": \"../" SHARD1 "\"}}", TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID,
      "not a file name inside the index's folder");
  remove_scratch (dir);

  /* malformed index JSON */
  dir = scratch_set ("{\"weight_map\": ", TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID, INDEX ": malformed JSON");
  remove_scratch (dir);

  /* no weight_map, or the wrong kind */
  dir = scratch_set ("{\"metadata\": {}}", TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID,
      "\"weight_map\" is missing, not an object");
  remove_scratch (dir);
  dir = scratch_set ("{\"weight_map\": {\"x\": 3}}", TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID,
      "tensor 'x': weight_map entry is an integer, not a file name");
  remove_scratch (dir);

  /* no index: two single files are ambiguous */
  dir = scratch_set (NULL, TRUE);
  expect_open_error (dir, LA_ERROR_MODEL_INVALID, "several checkpoints");
  remove_scratch (dir);

  /* an empty folder */
  dir = scratch_set (NULL, FALSE);
  {
    gchar *p = g_build_filename (dir, SHARD1, NULL);

    g_unlink (p);
    g_free (p);
  }
  expect_open_error (dir, LA_ERROR_MODEL_NOT_FOUND, "no *.safetensors.index");
  remove_scratch (dir);
}

/* a folder with one safetensors file and no index opens that file */
static void
test_single_in_folder (void)
{
  gchar *dir = scratch_set (NULL, FALSE);
  GError *err = NULL;
  LaCheckpoint *ck = la_checkpoint_open (dir, &err);

  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==,
      LA_CHECKPOINT_SAFETENSORS);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 3);
  la_checkpoint_free (ck);
  remove_scratch (dir);
}

static void
test_expect (void)
{
  gchar *path = io_data_path ("dtypes.safetensors");
  static const gint64 good[] = { 4, 2 }, bad[] = { 4, 3 }, any[] = { -1, 2 };
  static const gint64 wrong_any[] = { -1, 5 }, five[] = { 5, 2, 1, 2, 2 };
  const LaCheckpointTensor *t;
  GError *err = NULL;
  LaCheckpoint *ck;

  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);

  t = la_checkpoint_expect (ck, "blocks.3.ffn.0.weight", LA_IO_DTYPES_WEIGHT,
      2, good, &err);
  g_assert_no_error (err);
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_BF16);
  g_assert_nonnull (la_checkpoint_expect (ck, "blocks.3.ffn.0.weight",
          LA_IO_DTYPE_BIT (LA_IO_DTYPE_BF16), 2, any, &err));
  g_assert_nonnull (la_checkpoint_expect (ck, "patch_embedding.weight",
          LA_IO_DTYPES_WEIGHT, 5, five, &err));
  g_assert_no_error (err);

  g_assert_null (la_checkpoint_expect (ck, "blocks.3.ffn.0.weight",
          LA_IO_DTYPES_WEIGHT, 2, bad, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "dtypes.safetensors: tensor 'blocks.3.ffn.0.weight': shape [4, 2], "
      "expected [4, 3]");
  g_clear_error (&err);

  g_assert_null (la_checkpoint_expect (ck, "blocks.3.ffn.0.weight",
          LA_IO_DTYPES_WEIGHT, 2, wrong_any, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "shape [4, 2], expected [?, 5]");
  g_clear_error (&err);

  g_assert_null (la_checkpoint_expect (ck, "blocks.3.ffn.0.weight",
          LA_IO_DTYPES_WEIGHT, 3, five, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "shape [4, 2], expected [5, 2, 1]");
  g_clear_error (&err);

  g_assert_null (la_checkpoint_expect (ck, "blocks.3.ffn.0.weight",
          LA_IO_DTYPE_BIT (LA_IO_DTYPE_F32) | LA_IO_DTYPE_BIT
          (LA_IO_DTYPE_F16), 2, good, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "tensor 'blocks.3.ffn.0.weight': dtype BF16, expected F32|F16");
  g_clear_error (&err);

  g_assert_null (la_checkpoint_expect (ck, "i64", LA_IO_DTYPES_WEIGHT, 1,
          good, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "dtype I64, expected "
      "F32|F16|BF16|F8_E4M3");
  g_clear_error (&err);

  g_assert_null (la_checkpoint_expect (ck, "blocks.4.ffn.0.weight",
          LA_IO_DTYPES_ANY, 2, good, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "dtypes.safetensors: tensor 'blocks.4.ffn.0.weight' not found");
  g_clear_error (&err);

  /* a scalar */
  g_assert_nonnull (la_checkpoint_expect (ck, "scalar", LA_IO_DTYPES_FLOAT,
          0, NULL, &err));
  g_assert_no_error (err);

  la_checkpoint_free (ck);
  g_free (path);
}

/* la_checkpoint_read_f32 converts and refuses integer tensors */
static void
test_read_f32 (void)
{
  gchar *path = io_data_path ("state_dict.pth");
  static const gint64 shape[] = { 3, 4 }, i_shape[] = { 5 };
  JsonObject *want =
      json_object_get_object_member (json_object_get_object_member
      (io_expected_file ("state_dict.pth"), "tensors"), "lin.weight");
  JsonArray *bits = json_object_get_array_member (want, "f32_bits");
  GError *err = NULL;
  LaCheckpoint *ck;
  gfloat *w;
  guint i;

  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  w = la_checkpoint_read_f32 (ck, "lin.weight", 2, shape, &err);
  g_assert_no_error (err);
  for (i = 0; i < 12; i++) {
    guint32 have;

    memcpy (&have, &w[i], 4);
    g_assert_cmphex (have, ==, (guint32) json_array_get_int_element (bits, i));
  }
  g_free (w);
  g_assert_null (la_checkpoint_read_f32 (ck, "pos", 1, i_shape, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "tensor 'pos': dtype I64");
  g_clear_error (&err);
  la_checkpoint_free (ck);
  g_free (path);
}

/* a file that fits neither format, legacy torch.save, a missing path */
static void
test_dispatch (void)
{
  static const guint8 legacy[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
    0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e
  };
  GBytes *b;
  GError *err = NULL;

  b = g_bytes_new_static (legacy, sizeof (legacy));
  g_assert_null (la_checkpoint_new_from_bytes (b, "/x/old.pth", &err));
  io_assert_error (err, LA_ERROR_NOT_SUPPORTED, "old.pth: legacy");
  g_clear_error (&err);
  g_bytes_unref (b);

  b = g_bytes_new_static ("hello world", 11);
  g_assert_null (la_checkpoint_new_from_bytes (b, "/x/notes.txt", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "notes.txt: header length");
  g_clear_error (&err);
  g_bytes_unref (b);

  g_assert_null (la_checkpoint_open ("/nonexistent/model.pth", &err));
  io_assert_error (err, LA_ERROR_MODEL_NOT_FOUND, "/nonexistent/model.pth");
  g_clear_error (&err);

  /* from memory, by magic */
  b = io_data_bytes ("nested.pth");
  {
    LaCheckpoint *ck = la_checkpoint_new_from_bytes (b, "n.pth", &err);

    g_assert_no_error (err);
    g_assert_cmpint (la_checkpoint_get_format (ck), ==,
        LA_CHECKPOINT_TORCH_ZIP);
    g_assert_cmpstr (la_checkpoint_get_path (ck), ==, "n.pth");
    io_check_against_expected (ck, io_expected_file ("nested.pth"));
    la_checkpoint_free (ck);
  }
  g_bytes_unref (b);
}

/* the backend type of each weight dtype (for uploads without conversion) */
static void
test_backend_types (void)
{
  LaDType d;

  g_assert_true (la_io_dtype_to_backend (LA_IO_DTYPE_BF16, &d));
  g_assert_cmpint (d, ==, LA_DTYPE_BF16);
  g_assert_true (la_io_dtype_to_backend (LA_IO_DTYPE_F8_E4M3, &d));
  g_assert_cmpint (d, ==, LA_DTYPE_FP8_E4M3);
  g_assert_false (la_io_dtype_to_backend (LA_IO_DTYPE_F64, &d));
  g_assert_false (la_io_dtype_to_backend (LA_IO_DTYPE_I32, &d));
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/checkpoint/sharded", test_sharded_golden);
  g_test_add_func ("/io/checkpoint/sharded-errors", test_sharded_errors);
  g_test_add_func ("/io/checkpoint/single-in-folder", test_single_in_folder);
  g_test_add_func ("/io/checkpoint/expect", test_expect);
  g_test_add_func ("/io/checkpoint/read-f32", test_read_f32);
  g_test_add_func ("/io/checkpoint/dispatch", test_dispatch);
  g_test_add_func ("/io/checkpoint/backend-types", test_backend_types);
  return g_test_run ();
}
