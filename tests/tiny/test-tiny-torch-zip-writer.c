/* liveavatar tiny-model tests: the PyTorch zip writer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-torch-zip-writer.h"
#include "la-torch-zip.h"
#include "la-checkpoint.h"
#include "la-zip.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

/* Tensors of every storage kind, shapes whose sizes need each of
 * pickle's integer opcodes (< 256, < 65536, 32-bit), a scalar and an
 * empty tensor come back from the engine's reader in the order added, with
 * their bytes and every record 64-byte aligned. */
static void
test_round_trip (void)
{
  static const gint64 s_small[] = { 2, 3 }, s_mid[] = { 300, 2 };
  static const gint64 s_big[] = { 70000 }, s_empty[] = { 0, 4 };
  static const gint64 s_deep[] = { 1, 2, 1, 2, 2 };
  gfloat small[6] = { 1, -2, 0.5f, 3, 1e-3f, -7 };
  gfloat *mid = g_new (gfloat, 600);
  guint8 *big = g_new (guint8, 70000);
  gint64 longs[8];
  gfloat deep[8];
  LaTorchZipWriter *w = la_torch_zip_writer_new ();
  GError *err = NULL;
  GBytes *bytes;
  LaTorchZip *tz;
  LaZip *zip;
  const LaCheckpointTensor *t;
  const guint8 *raw;
  gsize size;
  guint i;

  for (i = 0; i < 600; i++)
    mid[i] = (gfloat) i / 8.0f;
  for (i = 0; i < 70000; i++)
    big[i] = (guint8) (i * 7);
  for (i = 0; i < 8; i++) {
    longs[i] = (gint64) i *G_GINT64_CONSTANT (1000000007) - 4;
    deep[i] = (gfloat) i - 3.5f;
  }
  g_assert_true (la_torch_zip_writer_add_f32 (w, "z.small", LA_IO_DTYPE_BF16,
          2, s_small, small, &err));
  g_assert_true (la_torch_zip_writer_add_f32 (w, "a.mid", LA_IO_DTYPE_F32, 2,
          s_mid, mid, &err));
  g_assert_true (la_torch_zip_writer_add (w, "m.big", LA_IO_DTYPE_U8, 1,
          s_big, big, 70000, &err));
  g_assert_true (la_torch_zip_writer_add (w, "longs", LA_IO_DTYPE_I64, 1,
          (const gint64[]) { 8 }, longs, sizeof (longs), &err));
  g_assert_true (la_torch_zip_writer_add_f32 (w, "scalar", LA_IO_DTYPE_F16, 0,
          NULL, small, &err));
  g_assert_true (la_torch_zip_writer_add_f32 (w, "empty", LA_IO_DTYPE_F32, 2,
          s_empty, NULL, &err));
  g_assert_true (la_torch_zip_writer_add_f32 (w, "deep", LA_IO_DTYPE_F32, 5,
          s_deep, deep, &err));
  g_assert_no_error (err);
  bytes = la_torch_zip_writer_to_bytes (w, &err);
  g_assert_no_error (err);

  /* the archive as torch lays it out */
  raw = g_bytes_get_data (bytes, &size);
  zip = la_zip_new (raw, size, "rt.pth", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_zip_n_entries (zip), ==, 3 + 7);
  g_assert_cmpstr (la_zip_get (zip, 0)->name, ==, "archive/data.pkl");
  g_assert_cmpstr (la_zip_get (zip, 1)->name, ==, "archive/byteorder");
  g_assert_cmpstr (la_zip_get (zip, 2)->name, ==, "archive/data/0");
  g_assert_cmpstr (la_zip_get (zip, 9)->name, ==, "archive/version");
  for (i = 0; i < la_zip_n_entries (zip); i++)
    g_assert_cmpuint ((la_zip_get (zip, i)->data - raw) % 64, ==, 0);
  la_zip_free (zip);

  tz = la_torch_zip_new_from_bytes (bytes, "rt.pth", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_torch_zip_n_tensors (tz), ==, 7);
  g_assert_cmpstr (la_torch_zip_get (tz, 0)->name, ==, "z.small");
  g_assert_cmpstr (la_torch_zip_get (tz, 1)->name, ==, "a.mid");
  g_assert_cmpstr (la_torch_zip_get (tz, 6)->name, ==, "deep");

  t = la_torch_zip_lookup (tz, "z.small");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_BF16);
  g_assert_cmpint (t->shape[1], ==, 3);
  for (i = 0; i < 6; i++) {
    guint16 v;

    memcpy (&v, (const guint8 *) t->data + 2 * i, 2);
    g_assert_cmphex (v, ==, la_f32_to_bf16 (small[i]));
  }
  t = la_torch_zip_lookup (tz, "a.mid");
  g_assert_cmpint (t->shape[0], ==, 300);
  g_assert_cmpmem (t->data, t->nbytes, mid, 600 * sizeof (gfloat));
  t = la_torch_zip_lookup (tz, "m.big");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_U8);
  g_assert_cmpmem (t->data, t->nbytes, big, 70000);
  t = la_torch_zip_lookup (tz, "longs");
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_I64);
  g_assert_cmpmem (t->data, t->nbytes, longs, sizeof (longs));
  t = la_torch_zip_lookup (tz, "scalar");
  g_assert_cmpint (t->ndim, ==, 0);
  g_assert_cmpint (t->dtype, ==, LA_IO_DTYPE_F16);
  g_assert_cmphex (*(const guint16 *) t->data, ==, la_f32_to_f16 (1.0f));
  t = la_torch_zip_lookup (tz, "empty");
  g_assert_cmpint (t->numel, ==, 0);
  g_assert_cmpint (t->shape[1], ==, 4);
  t = la_torch_zip_lookup (tz, "deep");
  g_assert_cmpint (t->ndim, ==, 5);
  g_assert_cmpint (t->shape[3], ==, 2);
  g_assert_cmpmem (t->data, t->nbytes, deep, sizeof (deep));
  la_torch_zip_free (tz);

  /* and through the format-blind API */
  {
    LaCheckpoint *ck = la_checkpoint_new_from_bytes (bytes, "rt.pth", &err);

    g_assert_no_error (err);
    g_assert_cmpint (la_checkpoint_get_format (ck), ==,
        LA_CHECKPOINT_TORCH_ZIP);
    g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 7);
    la_checkpoint_free (ck);
  }

  g_bytes_unref (bytes);
  la_torch_zip_writer_free (w);
  g_free (mid);
  g_free (big);
}

/* more than one SETITEMS batch (pickle.py batches 1000 items) */
static void
test_many (void)
{
  LaTorchZipWriter *w = la_torch_zip_writer_new ();
  GError *err = NULL;
  GBytes *bytes;
  LaCheckpoint *ck;
  guint i;

  for (i = 0; i < 2100; i++) {
    gchar name[32];
    gfloat v = (gfloat) i;

    g_snprintf (name, sizeof (name), "t%u", i);
    g_assert_true (la_torch_zip_writer_add_f32 (w, name, LA_IO_DTYPE_F32, 1,
            (const gint64[]) { 1 }, &v, &err));
  }
  bytes = la_torch_zip_writer_to_bytes (w, &err);
  g_assert_no_error (err);
  ck = la_checkpoint_new_from_bytes (bytes, "many.pth", &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 2100);
  for (i = 0; i < 2100; i += 199) {
    gchar name[32];
    const LaCheckpointTensor *t;

    g_snprintf (name, sizeof (name), "t%u", i);
    t = la_checkpoint_lookup (ck, name);
    g_assert_nonnull (t);
    g_assert_cmpfloat (*(const gfloat *) t->data, ==, (gfloat) i);
  }
  la_checkpoint_free (ck);
  g_bytes_unref (bytes);
  la_torch_zip_writer_free (w);
}

static void
test_errors (void)
{
  static const gint64 s2[] = { 2, 2 }, neg[] = { -2, 2 };
  gfloat v[4] = { 1, 2, 3, 4 };
  guint8 b[4] = { 0 };
  LaTorchZipWriter *w = la_torch_zip_writer_new ();
  GError *err = NULL;
  gchar *path;

  g_assert_true (la_torch_zip_writer_add_f32 (w, "a", LA_IO_DTYPE_F32, 2, s2,
          v, &err));
  la_test_expect_invalid (la_torch_zip_writer_add_f32 (w, "a", LA_IO_DTYPE_F32,
          2, s2, v, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add (w, "b", LA_IO_DTYPE_F8_E4M3,
          2, s2, b, 4, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add_f32 (w, "b",
          LA_IO_DTYPE_F8_E4M3, 2, s2, v, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add_f32 (w, "b", LA_IO_DTYPE_I32,
          2, s2, v, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add (w, "b", LA_IO_DTYPE_F32, 2,
          s2, v, 15, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add (w, "b", LA_IO_DTYPE_F32, 2,
          neg, v, 16, &err), &err);
  la_test_expect_invalid (la_torch_zip_writer_add (w, "", LA_IO_DTYPE_F32, 2,
          s2, v, 16, &err), &err);

  path = la_test_save ((LaTestSaveFunc) la_torch_zip_writer_save, w, "x.pth");
  {
    LaCheckpoint *ck = la_checkpoint_open (path, &err);

    g_assert_no_error (err);
    g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, 1);
    la_checkpoint_free (ck);
  }
  la_test_saved_free (path);
  la_torch_zip_writer_free (w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tiny/torch-zip-writer/round-trip", test_round_trip);
  g_test_add_func ("/tiny/torch-zip-writer/many", test_many);
  g_test_add_func ("/tiny/torch-zip-writer/errors", test_errors);
  return g_test_run ();
}
