/* liveavatar tiny-model tests: the safetensors writer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-safetensors-writer.h"
#include "la-safetensors.h"
#include "la-checkpoint.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

static const gchar *io_data_dir;

/* Rewriting the golden that PyPI safetensors wrote (tests/io/data) gives
 * the same bytes: same sort, same header text, same padding. */
static void
test_same_bytes_as_python (void)
{
  gchar *path = g_build_filename (io_data_dir, "dtypes.safetensors", NULL);
  gchar *contents;
  gsize length;
  GError *err = NULL;
  LaSafetensors *st;
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  GBytes *ours, *theirs;
  guint i, n;

  g_assert_true (g_file_get_contents (path, &contents, &length, &err));
  g_assert_no_error (err);
  theirs = g_bytes_new_take (contents, length);
  st = la_safetensors_new_from_bytes (theirs, "dtypes.safetensors", &err);
  g_assert_no_error (err);
  /* added backwards, so the writer's sort is what puts them in order */
  n = la_safetensors_n_tensors (st);
  for (i = n; i-- > 0;) {
    const LaCheckpointTensor *t = la_safetensors_get (st, i);

    g_assert_true (la_safetensors_writer_add (w, t->name, t->dtype, t->ndim,
            t->shape, t->data, t->nbytes, &err));
    g_assert_no_error (err);
  }
  la_safetensors_writer_set_metadata (w, "format", "x");
  la_safetensors_writer_set_metadata (w, "producer", "make_goldens.py");
  la_safetensors_writer_set_metadata (w, "format", "pt");
  ours = la_safetensors_writer_to_bytes (w);
  g_assert_true (g_bytes_equal (ours, theirs));

  la_safetensors_free (st);
  g_bytes_unref (ours);
  g_bytes_unref (theirs);
  la_safetensors_writer_free (w);
  g_free (path);
}

static guint16
le16 (gconstpointer p, gsize i)
{
  guint16 v;

  memcpy (&v, (const guint8 *) p + 2 * i, 2);
  return GUINT16_FROM_LE (v);
}

/* fp32 conversions, checked bit by bit against values worked out by hand */
static void
test_convert (void)
{
  /* 1 + 2^-8 is halfway between two bf16 values: to the even one, 1.0;
   * 65504 = 0x477fe000 is past halfway: up to 0x4780;
   * 1 + 3 * 2^-8 is halfway too: up to the even 1 + 2^-6 */
  static const gfloat v[] = { 1.0f, 1.00390625f, 1.01171875f, -2.0f,
    0.0f, 65504.0f, 1000.0f, -0.5f
  };
  static const guint16 bf16[] = { 0x3f80, 0x3f80, 0x3f82, 0xc000, 0x0000,
    0x4780, 0x447a, 0xbf00
  };
  static const guint16 f16[] = { 0x3c00, 0x3c04, 0x3c0c, 0xc000, 0x0000,
    0x7bff, 0x63d0, 0xb800
  };
  /* e4m3fn: 1.0 = 0x38, -2 = 0xc0, 448 the largest (0x7e), 1000
   * saturates */
  static const guint8 f8[] = { 0x38, 0x38, 0x38, 0xc0, 0x00, 0x7e, 0x7e,
    0xb0
  };
  static const gint64 shape[] = { 8 };
  static const LaIoDType types[] = { LA_IO_DTYPE_F32, LA_IO_DTYPE_BF16,
    LA_IO_DTYPE_F16, LA_IO_DTYPE_F8_E4M3
  };
  static const gchar *names[] = { "f32", "bf16", "f16", "f8" };
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  GError *err = NULL;
  GBytes *bytes;
  LaCheckpoint *ck;
  const LaCheckpointTensor *t;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    g_assert_true (la_safetensors_writer_add_f32 (w, names[i], types[i], 1,
            shape, v, &err));
    g_assert_no_error (err);
  }
  bytes = la_safetensors_writer_to_bytes (w);
  ck = la_checkpoint_new_from_bytes (bytes, "convert.safetensors", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 4);

  t = la_checkpoint_lookup (ck, "f32");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F32);
  g_assert_cmpmem (t->data, t->nbytes, v, sizeof (v));
  t = la_checkpoint_lookup (ck, "bf16");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_BF16);
  for (i = 0; i < 8; i++)
    g_assert_cmphex (le16 (t->data, i), ==, bf16[i]);
  t = la_checkpoint_lookup (ck, "f16");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F16);
  for (i = 0; i < 8; i++)
    g_assert_cmphex (le16 (t->data, i), ==, f16[i]);
  t = la_checkpoint_lookup (ck, "f8");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F8_E4M3);
  g_assert_cmpmem (t->data, t->nbytes, f8, sizeof (f8));

  la_checkpoint_free (ck);
  g_bytes_unref (bytes);
  la_safetensors_writer_free (w);
}

/* shapes of every rank, a scalar, an empty tensor, metadata, a name JSON
 * must escape: all read back through la_checkpoint_new_from_bytes () */
static void
test_round_trip (void)
{
  static const gint64 s3[] = { 2, 3, 4 }, s0[] = { 0, 5 }, s1[] = { 3 };
  gfloat a[24], scalar = 7.5f;
  gint32 ints[3] = { -1, 0, 123456 };
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  GError *err = NULL;
  GBytes *bytes;
  LaSafetensors *st;
  const LaCheckpointTensor *t;
  gsize size;
  const guint8 *raw;
  guint64 header_len;
  guint i;

  for (i = 0; i < 24; i++)
    a[i] = (gfloat) i *0.25f - 3.0f;
  g_assert_true (la_safetensors_writer_add_f32 (w, "w\"eird\\name",
          LA_IO_DTYPE_F32, 3, s3, a, &err));
  g_assert_true (la_safetensors_writer_add_f32 (w, "scalar", LA_IO_DTYPE_F32, 0,
          NULL, &scalar, &err));
  g_assert_true (la_safetensors_writer_add (w, "empty", LA_IO_DTYPE_BF16, 2, s0,
          NULL, 0, &err));
  g_assert_true (la_safetensors_writer_add (w, "ints", LA_IO_DTYPE_I32, 1, s1,
          ints, sizeof (ints), &err));
  g_assert_no_error (err);
  la_safetensors_writer_set_metadata (w, "format", "pt");
  bytes = la_safetensors_writer_to_bytes (w);

  raw = g_bytes_get_data (bytes, &size);
  memcpy (&header_len, raw, 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len % 8, ==, 0);
  g_assert_cmpuint (size, ==, 8 + header_len + sizeof (a) + 4 + 12);

  st = la_safetensors_new_from_bytes (bytes, "rt.safetensors", &err);
  g_assert_no_error (err);
  g_assert_cmpstr (la_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpuint (la_safetensors_n_tensors (st), ==, 4);
  /* F32 (by name: scalar, w"eird\name), then I32, then BF16 */
  g_assert_cmpstr (la_safetensors_get (st, 0)->name, ==, "scalar");
  g_assert_cmpstr (la_safetensors_get (st, 1)->name, ==, "w\"eird\\name");
  g_assert_cmpstr (la_safetensors_get (st, 2)->name, ==, "ints");
  g_assert_cmpstr (la_safetensors_get (st, 3)->name, ==, "empty");

  t = la_safetensors_lookup (st, "w\"eird\\name");
  g_assert_cmpint (t->ndim, ==, 3);
  g_assert_cmpint (t->shape[2], ==, 4);
  g_assert_cmpmem (t->data, t->nbytes, a, sizeof (a));
  t = la_safetensors_lookup (st, "scalar");
  g_assert_cmpint (t->ndim, ==, 0);
  g_assert_cmpmem (t->data, t->nbytes, &scalar, 4);
  t = la_safetensors_lookup (st, "empty");
  g_assert_cmpint (t->numel, ==, 0);
  g_assert_cmpint (t->shape[1], ==, 5);
  t = la_safetensors_lookup (st, "ints");
  g_assert_cmpmem (t->data, t->nbytes, ints, sizeof (ints));

  la_safetensors_free (st);
  g_bytes_unref (bytes);
  la_safetensors_writer_free (w);
}

static void
test_errors (void)
{
  static const gint64 s2[] = { 2, 2 }, neg[] = { 2, -1 };
  static const gint64 deep[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  static const gint64 huge[] = { G_MAXINT64 / 2, 4 };
  gfloat v[4] = { 1, 2, 3, 4 };
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  GError *err = NULL;
  gchar *path;
  LaCheckpoint *ck;
  GBytes *bytes;

  g_assert_true (la_safetensors_writer_add_f32 (w, "a", LA_IO_DTYPE_F32, 2,
          s2, v, &err));
  la_test_expect_invalid (la_safetensors_writer_add_f32 (w, "a",
          LA_IO_DTYPE_BF16, 2, s2, v, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add (w, "b", LA_IO_DTYPE_F32, 2,
          s2, v, 12, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add (w, "b", LA_IO_DTYPE_F32, 2,
          neg, v, 16, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add (w, "b", LA_IO_DTYPE_U8, 9,
          deep, v, 1, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add (w, "b", LA_IO_DTYPE_F32, 2,
          huge, v, 16, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add_f32 (w, "b",
          LA_IO_DTYPE_I64, 2, s2, v, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add_f32 (w, "__metadata__",
          LA_IO_DTYPE_F32, 2, s2, v, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add_f32 (w, "", LA_IO_DTYPE_F32,
          2, s2, v, &err), &err);
  la_test_expect_invalid (la_safetensors_writer_add_f32 (w, "bad\xff",
          LA_IO_DTYPE_F32, 2, s2, v, &err), &err);

  /* the refused tensors left nothing behind */
  bytes = la_safetensors_writer_to_bytes (w);
  ck = la_checkpoint_new_from_bytes (bytes, "errors.safetensors", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 1);
  la_checkpoint_free (ck);
  g_bytes_unref (bytes);

  /* saving: into a missing folder fails, into a real one reads back */
  path =
      la_test_save ((LaTestSaveFunc) la_safetensors_writer_save, w,
      "x.safetensors");
  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  g_assert_nonnull (la_checkpoint_lookup (ck, "a"));
  la_checkpoint_free (ck);
  la_test_saved_free (path);
  la_safetensors_writer_free (w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  io_data_dir = argv[1];
  g_test_add_func ("/tiny/safetensors-writer/same-bytes-as-python",
      test_same_bytes_as_python);
  g_test_add_func ("/tiny/safetensors-writer/convert", test_convert);
  g_test_add_func ("/tiny/safetensors-writer/round-trip", test_round_trip);
  g_test_add_func ("/tiny/safetensors-writer/errors", test_errors);
  return g_test_run ();
}
