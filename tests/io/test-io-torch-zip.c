/* liveavatar io tests: PyTorch zip checkpoints and the unpickler
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-torch-zip.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <string.h>

static void
check_golden (const gchar * name)
{
  gchar *path = io_data_path (name);
  GError *err = NULL;
  LaCheckpoint *ck;

  g_test_message ("file %s", name);
  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==, LA_CHECKPOINT_TORCH_ZIP);
  io_check_against_expected (ck, io_expected_file (name));
  la_checkpoint_free (ck);
  g_free (path);
}

/* a module's state_dict (): OrderedDict, _metadata through BUILD, bf16,
 * f16, f32, f64, int64 buffers, fp8 through _rebuild_tensor_v3 */
static void
test_state_dict (void)
{
  check_golden ("state_dict.pth");
}

/* the same archive with every central directory field in ZIP64 extras */
static void
test_zip64 (void)
{
  check_golden ("state_dict_zip64.pth");
}

/* {"state_dict": {...}, "model": {"enc": {...}}, "by_index": {0: t},
 * numbers, strings, lists}: dotted names, integer keys in decimal,
 * non-tensor values skipped */
static void
test_nested (void)
{
  check_golden ("nested.pth");
}

/* nn.Parameter values (torch._utils._rebuild_parameter) */
static void
test_parameters (void)
{
  check_golden ("params.pth");
}

/* views saved together share one storage record: the tensors point into it
 * at their offsets, nothing is copied */
static void
test_shared_storage (void)
{
  gchar *path = io_data_path ("shared.pth");
  GError *err = NULL;
  LaTorchZip *tz;
  const LaCheckpointTensor *whole, *a, *b;

  check_golden ("shared.pth");
  tz = la_torch_zip_open (path, &err);
  g_assert_no_error (err);
  whole = la_torch_zip_lookup (tz, "whole");
  a = la_torch_zip_lookup (tz, "a");
  b = la_torch_zip_lookup (tz, "b");
  g_assert_true ((const guint8 *) a->data ==
      (const guint8 *) whole->data + 4 * 4);
  g_assert_true ((const guint8 *) b->data ==
      (const guint8 *) whole->data + 12 * 4);
  g_assert_cmpfloat (((const gfloat *) b->data)[0], ==, 12.0f / 8.0f);
  /* dict order */
  g_assert_cmpstr (la_torch_zip_get (tz, 0)->name, ==, "whole");
  g_assert_cmpstr (la_torch_zip_get (tz, 3)->name, ==, "h");
  la_torch_zip_free (tz);
  g_free (path);
}

static void
test_non_contiguous (void)
{
  gchar *path = io_data_path ("noncontig.pth");
  const gchar *bad = json_object_get_string_member
      (json_object_get_object_member (io_expected_root (), "noncontig.pth"),
      "bad_tensor");
  gchar *part = g_strdup_printf ("noncontig.pth: tensor '%s' is not "
      "contiguous (shape [4, 3], stride [1, 4])", bad);
  GError *err = NULL;

  g_assert_null (la_checkpoint_open (path, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, part);
  g_error_free (err);
  g_free (part);
  g_free (path);
}

/* ---- hand-made archives ---- */

static GByteArray *
pickle_start (void)
{
  GByteArray *p = g_byte_array_new ();

  pk_op (p, 0x80);
  pk_op (p, 2);
  pk_op (p, '}');
  return p;
}

static void
pickle_end (GByteArray * p)
{
  pk_op (p, '.');
}

/* {"w": <2x2 f32 on storage 0>} */
static GByteArray *
pickle_one_tensor (const gchar * storage_type, gint64 numel, gint64 offset,
    const gint64 * shape, const gint64 * stride)
{
  GByteArray *p = pickle_start ();

  pk_str (p, "w");
  pk_tensor (p, storage_type, "0", numel, offset, 2, shape, stride);
  pk_op (p, 's');
  pickle_end (p);
  return p;
}

static LaTorchZip *
open_pickle (GByteArray * p, guint n_records, gsize record_size, GError ** err)
{
  GBytes *b = io_build_torch_zip (p, n_records, record_size);
  LaTorchZip *tz = la_torch_zip_new_from_bytes (b, "hand.pth", err);

  g_bytes_unref (b);
  g_byte_array_unref (p);
  return tz;
}

/* @p (taken) as the pickle of an archive with @n_records records of
 * @record_size bytes, which must be refused with @message */
static void
expect_bad_pickle (GByteArray * p, guint n_records, gsize record_size,
    const gchar * message)
{
  GError *err = NULL;

  g_assert_null (open_pickle (p, n_records, record_size, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, message);
  g_error_free (err);
}

static void
test_hand_made_valid (void)
{
  static const gint64 shape[] = { 2, 2 }, stride[] = { 2, 1 };
  GError *err = NULL;
  LaTorchZip *tz;
  const LaCheckpointTensor *t;
  gfloat v[4];

  /* storage of 8 floats, tensor at element offset 3 */
  tz = open_pickle (pickle_one_tensor ("FloatStorage", 8, 3, shape, stride),
      1, 32, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_torch_zip_n_tensors (tz), ==, 1);
  t = la_torch_zip_lookup (tz, "w");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F32);
  g_assert_cmpint (t->numel, ==, 4);
  g_assert_true (la_checkpoint_tensor_to_f32 (t, v, 4, &err));
  g_assert_cmpfloat (v[0], ==, 3.0f);
  g_assert_cmpfloat (v[3], ==, 6.0f);
  la_torch_zip_free (tz);
}

typedef struct
{
  const gchar *what;
  const gchar *storage_type;
  gint64 numel, offset;
  gint64 shape[2], stride[2];
  gsize record_size;
  const gchar *message;
} TensorCase;

static const TensorCase tensor_cases[] = {
  {"storage larger than its record", "FloatStorage", 9, 0, {2, 2}, {2, 1},
      32, "tensor 'w': storage '0' declares 9 elements of F32 but its "
      "record holds 32 bytes"},
  {"offset past the storage", "FloatStorage", 8, 5, {2, 2}, {2, 1}, 32,
      "tensor 'w': 4 elements at offset 5 run past the end of storage '0' "
      "(32 bytes)"},
  {"huge offset", "FloatStorage", 8, G_MAXINT64 / 2, {2, 2}, {2, 1}, 32,
      "run past the end of storage '0'"},
  {"negative size", "FloatStorage", 8, 0, {2, -2}, {2, 1}, 32,
      "tensor 'w': invalid shape [2, -2]"},
  {"transposed", "FloatStorage", 8, 0, {2, 2}, {1, 2}, 32,
      "tensor 'w' is not contiguous (shape [2, 2], stride [1, 2])"},
  {"unknown storage type", "ComplexFloatStorage", 8, 0, {2, 2}, {2, 1}, 32,
      "global 'torch.ComplexFloatStorage' is not allowed"},
};

static void
test_bad_tensors (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (tensor_cases); i++) {
    const TensorCase *c = &tensor_cases[i];
    GError *err = NULL;

    g_test_message ("case: %s", c->what);
    g_assert_null (open_pickle (pickle_one_tensor (c->storage_type, c->numel,
                c->offset, c->shape, c->stride), 1, c->record_size, &err));
    io_assert_error (err, LA_ERROR_MODEL_INVALID, c->message);
    g_assert_true (g_str_has_prefix (err->message, "hand.pth: "));
    g_error_free (err);
  }
}

/* size-1 dimensions may have any stride (torch's is_contiguous agrees) */
static void
test_size_one_strides (void)
{
  static const gint64 shape[] = { 1, 4 }, stride[] = { 99, 1 };
  GError *err = NULL;
  LaTorchZip *tz;

  tz = open_pickle (pickle_one_tensor ("HalfStorage", 4, 0, shape, stride),
      1, 8, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_torch_zip_lookup (tz, "w")->dtype, ==, LA_IO_DTYPE_F16);
  la_torch_zip_free (tz);
}

static void
test_missing_record (void)
{
  static const gint64 shape[] = { 2, 2 }, stride[] = { 2, 1 };

  expect_bad_pickle (pickle_one_tensor ("FloatStorage", 4, 0, shape, stride),
      0, 0, "tensor 'w': storage record 'archive/data/0' is missing");
}

/* pickles that must fail before anything could run */
static void
test_hostile_pickles (void)
{
  static const gint64 shape[] = { 1, 1 }, stride[] = { 1, 1 };
  GByteArray *p;
  gint i;

  /* the classic: os.system ("...") */
  p = pickle_start ();
  pk_global (p, "os", "system");
  pk_str (p, "echo pwned");
  pk_op (p, 0x85);
  pk_op (p, 'R');
  pickle_end (p);
  expect_bad_pickle (p, 0, 0,
      "hand.pth: archive/data.pkl: at byte 3: global 'os.system' is not "
      "allowed");

  /* builtins via STACK_GLOBAL */
  p = pickle_start ();
  pk_str (p, "builtins");
  pk_str (p, "eval");
  pk_op (p, 0x93);
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "global 'builtins.eval' is not allowed");

  /* INST, an opcode state dicts never use */
  p = pickle_start ();
  pk_op (p, 'i');
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "opcode 0x69 ('i') is not " "supported");

  /* calling a dtype */
  p = pickle_start ();
  pk_global (p, "torch", "float32");
  pk_op (p, ')');
  pk_op (p, 'R');
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "is not callable");

  /* popping past the stack */
  p = g_byte_array_new ();
  pk_op (p, 0x80);
  pk_op (p, 2);
  pk_op (p, 's');
  expect_bad_pickle (p, 0, 0, "stack underflow");

  /* an unstored memo */
  p = pickle_start ();
  pk_op (p, 'h');
  pk_op (p, 9);
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "memo 9 was never stored");

  /* a 9-byte integer */
  p = pickle_start ();
  pk_op (p, 0x8a);
  pk_op (p, 9);
  for (i = 0; i < 9; i++)
    pk_op (p, 0xff);
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "integer of 9 bytes");

  /* a string running past the end */
  p = pickle_start ();
  pk_op (p, 'X');
  pk_op (p, 0xff);
  pk_op (p, 0xff);
  pk_op (p, 0);
  pk_op (p, 0);
  expect_bad_pickle (p, 0, 0, "truncated");

  /* no STOP */
  p = pickle_start ();
  expect_bad_pickle (p, 0, 0, "truncated");

  /* the top object is a list */
  p = g_byte_array_new ();
  pk_op (p, 0x80);
  pk_op (p, 2);
  pk_op (p, ']');
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "not a dict of tensors");

  /* {"a.b": t, "a": {"b": t}}: two tensors under one name */
  p = pickle_start ();
  pk_str (p, "a.b");
  pk_tensor (p, "FloatStorage", "0", 1, 0, 2, shape, stride);
  pk_op (p, 's');
  pk_str (p, "a");
  pk_op (p, '}');
  pk_str (p, "b");
  pk_tensor (p, "FloatStorage", "0", 1, 0, 2, shape, stride);
  pk_op (p, 's');
  pk_op (p, 's');
  pickle_end (p);
  expect_bad_pickle (p, 1, 4, "tensor 'a.b' appears twice");

  /* dicts nested 40 deep */
  p = pickle_start ();
  for (i = 0; i < 40; i++) {
    pk_str (p, "d");
    pk_op (p, '}');
  }
  pk_str (p, "w");
  pk_tensor (p, "FloatStorage", "0", 1, 0, 2, shape, stride);
  pk_op (p, 's');
  for (i = 0; i < 40; i++)
    pk_op (p, 's');
  pickle_end (p);
  expect_bad_pickle (p, 1, 4, "nested deeper than 32");

  /* a dict holding itself (through the memo) */
  p = pickle_start ();
  pk_op (p, 'q');
  pk_op (p, 0);
  pk_str (p, "self");
  pk_op (p, 'h');
  pk_op (p, 0);
  pk_op (p, 's');
  pickle_end (p);
  expect_bad_pickle (p, 0, 0, "nested deeper");
}

/* @zip (finished here) must be refused with @code and @message */
static void
expect_bad_archive (IoZip * zip, gint code, const gchar * message)
{
  GBytes *b = io_zip_finish (zip);
  GError *err = NULL;

  g_assert_null (la_torch_zip_new_from_bytes (b, "z.pth", &err));
  io_assert_error (err, code, message);
  g_error_free (err);
  g_bytes_unref (b);
}

static void
test_bad_archives (void)
{
  GError *err = NULL;
  IoZip *zip;
  GBytes *b;
  GByteArray *p;

  /* compressed data.pkl */
  zip = io_zip_new ();
  io_zip_add (zip, "archive/data.pkl", "xx", 2, 8);
  expect_bad_archive (zip, LA_ERROR_MODEL_INVALID,
      "z.pth: entry 'archive/data.pkl' is compressed (method 8)");

  /* a zip that is not a checkpoint */
  zip = io_zip_new ();
  io_zip_add (zip, "readme.txt", "hi", 2, 0);
  expect_bad_archive (zip, LA_ERROR_MODEL_INVALID, "without a data.pkl");

  /* the same entry twice */
  zip = io_zip_new ();
  io_zip_add (zip, "archive/data.pkl", "x", 1, 0);
  io_zip_add (zip, "archive/data.pkl", "x", 1, 0);
  expect_bad_archive (zip, LA_ERROR_MODEL_INVALID, "appears twice");

  /* big-endian byte order */
  p = pickle_start ();
  pickle_end (p);
  zip = io_zip_new ();
  io_zip_add (zip, "archive/data.pkl", p->data, p->len, 0);
  io_zip_add (zip, "archive/byteorder", "big", 3, 0);
  g_byte_array_unref (p);
  expect_bad_archive (zip, LA_ERROR_NOT_SUPPORTED, "byte order 'big'");

  /* a version record that is not a number */
  p = pickle_start ();
  pickle_end (p);
  zip = io_zip_new ();
  io_zip_add (zip, "archive/data.pkl", p->data, p->len, 0);
  io_zip_add (zip, "archive/version", "x\n", 2, 0);
  g_byte_array_unref (p);
  expect_bad_archive (zip, LA_ERROR_MODEL_INVALID, "version record");

  /* the golden cut short: no end record */
  b = io_data_bytes ("state_dict.pth");
  {
    GBytes *cut = g_bytes_new_from_bytes (b, 0, g_bytes_get_size (b) - 30);

    g_assert_null (la_torch_zip_new_from_bytes (cut, "z.pth", &err));
    io_assert_error (err, LA_ERROR_MODEL_INVALID, "z.pth: ");
    g_clear_error (&err);
    g_bytes_unref (cut);
  }
  g_bytes_unref (b);
}

/* an empty dict is a valid, empty checkpoint */
static void
test_empty_dict (void)
{
  GError *err = NULL;
  GByteArray *p = pickle_start ();
  LaTorchZip *tz;

  pickle_end (p);
  tz = open_pickle (p, 0, 0, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_torch_zip_n_tensors (tz), ==, 0);
  la_torch_zip_free (tz);
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/torch-zip/state-dict", test_state_dict);
  g_test_add_func ("/io/torch-zip/zip64", test_zip64);
  g_test_add_func ("/io/torch-zip/nested", test_nested);
  g_test_add_func ("/io/torch-zip/parameters", test_parameters);
  g_test_add_func ("/io/torch-zip/shared-storage", test_shared_storage);
  g_test_add_func ("/io/torch-zip/non-contiguous", test_non_contiguous);
  g_test_add_func ("/io/torch-zip/hand-made", test_hand_made_valid);
  g_test_add_func ("/io/torch-zip/bad-tensors", test_bad_tensors);
  g_test_add_func ("/io/torch-zip/size-one-strides", test_size_one_strides);
  g_test_add_func ("/io/torch-zip/missing-record", test_missing_record);
  g_test_add_func ("/io/torch-zip/hostile-pickles", test_hostile_pickles);
  g_test_add_func ("/io/torch-zip/bad-archives", test_bad_archives);
  g_test_add_func ("/io/torch-zip/empty-dict", test_empty_dict);
  return g_test_run ();
}
