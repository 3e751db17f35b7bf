/* liveavatar io tests: goldens and in-memory file builders
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "test-io-util.h"
#include "liveavatar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static gchar *data_dir;
static JsonParser *expected_parser;

void
io_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (*argc < 2) {
    g_printerr ("usage: %s DATA_DIR\n", (*argv)[0]);
    exit (2);
  }
  data_dir = g_strdup ((*argv)[1]);
}

gchar *
io_data_path (const gchar * name)
{
  return g_build_filename (data_dir, name, NULL);
}

GBytes *
io_data_bytes (const gchar * name)
{
  gchar *path = io_data_path (name), *contents;
  gsize len;
  GError *err = NULL;

  g_file_get_contents (path, &contents, &len, &err);
  g_assert_no_error (err);
  g_free (path);
  return g_bytes_new_take (contents, len);
}

void
io_copy_data (const gchar * name, const gchar * dir)
{
  GBytes *b = io_data_bytes (name);
  gchar *base = g_path_get_basename (name);
  gchar *dst = g_build_filename (dir, base, NULL);
  GError *err = NULL;

  g_assert_true (g_file_set_contents (dst, g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &err));
  g_assert_no_error (err);
  g_free (dst);
  g_free (base);
  g_bytes_unref (b);
}

JsonObject *
io_expected_root (void)
{
  if (!expected_parser) {
    gchar *path = io_data_path ("expected.json");
    GError *err = NULL;

    expected_parser = json_parser_new ();
    json_parser_load_from_file (expected_parser, path, &err);
    g_assert_no_error (err);
    g_free (path);
  }
  return json_node_get_object (json_parser_get_root (expected_parser));
}

JsonObject *
io_expected_file (const gchar * name)
{
  JsonObject *files = json_object_get_object_member (io_expected_root (),
      "files");
  JsonObject *f = json_object_get_object_member (files, name);

  g_assert_nonnull (f);
  return f;
}

static void
check_tensor (const LaCheckpointTensor * t, JsonObject * want)
{
  JsonArray *shape = json_object_get_array_member (want, "shape");
  gchar *sha;
  guint i;

  g_test_message ("tensor %s", t->name);
  g_assert_cmpstr (la_io_dtype_name (t->dtype), ==,
      json_object_get_string_member (want, "dtype"));
  g_assert_cmpint (t->ndim, ==, json_array_get_length (shape));
  for (i = 0; i < (guint) t->ndim; i++)
    g_assert_cmpint (t->shape[i], ==, json_array_get_int_element (shape, i));
  g_assert_cmpuint (t->nbytes, ==, t->numel * la_io_dtype_size (t->dtype));

  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      t->nbytes ? t->data : (gconstpointer) "", t->nbytes);
  g_assert_cmpstr (sha, ==, json_object_get_string_member (want, "sha256"));
  g_free (sha);

  if (json_object_has_member (want, "f32_bits")) {
    JsonArray *bits = json_object_get_array_member (want, "f32_bits");
    gfloat *f = g_new0 (gfloat, MAX (1, t->numel));
    GError *err = NULL;

    g_assert_cmpint (json_array_get_length (bits), ==, t->numel);
    g_assert_true (la_checkpoint_tensor_to_f32 (t, f, t->numel, &err));
    g_assert_no_error (err);
    for (i = 0; i < (guint) t->numel; i++) {
      guint32 have, want_bits = (guint32) json_array_get_int_element (bits,
          i);
      gfloat want_f;

      memcpy (&have, &f[i], 4);
      memcpy (&want_f, &want_bits, 4);
      if (isnan (want_f))
        g_assert_true (isnan (f[i]));
      else
        g_assert_cmphex (have, ==, want_bits);
    }
    g_free (f);
  } else {
    GError *err = NULL;
    gfloat dummy[1];

    /* integer types are flagged: no conversion */
    g_assert_false (la_io_dtype_is_float (t->dtype));
    g_assert_false (la_checkpoint_tensor_to_f32 (t, dummy, t->numel ? 1 : 0,
            &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_MODEL_INVALID);
    g_clear_error (&err);
  }
}

void
io_check_against_expected (LaCheckpoint * ck, JsonObject * expected)
{
  JsonObject *tensors = json_object_get_object_member (expected, "tensors");
  GList *names = json_object_get_members (tensors), *l;

  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==, g_list_length (names));
  for (l = names; l; l = l->next) {
    const LaCheckpointTensor *t = la_checkpoint_lookup (ck, l->data);

    if (!t)
      g_error ("tensor '%s' missing", (const gchar *) l->data);
    g_assert_cmpstr (t->name, ==, l->data);
    check_tensor (t, json_object_get_object_member (tensors, l->data));
  }
  g_list_free (names);
}

void
io_assert_error (GError * error, gint code, const gchar * part)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, LA_ERROR, code);
  if (!strstr (error->message, part))
    g_error ("'%s' not in error message '%s'", part, error->message);
}

/* ---- safetensors */

GBytes *
io_build_safetensors (const gchar * header, gsize data_len)
{
  GByteArray *b = g_byte_array_new ();
  guint64 len = GUINT64_TO_LE ((guint64) strlen (header));
  gsize i;

  g_byte_array_append (b, (const guint8 *) &len, 8);
  g_byte_array_append (b, (const guint8 *) header, strlen (header));
  for (i = 0; i < data_len; i++) {
    guint8 v = (guint8) i;

    g_byte_array_append (b, &v, 1);
  }
  return g_byte_array_free_to_bytes (b);
}

/* ---- zip */

typedef struct
{
  gchar *name;
  guint32 offset, size;
  guint16 method;
} ZipItem;

struct _IoZip
{
  GByteArray *out;
  GArray *items;
};

static void
put16 (GByteArray * b, guint16 v)
{
  guint8 x[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (b, x, 2);
}

static void
put32 (GByteArray * b, guint32 v)
{
  put16 (b, v & 0xffff);
  put16 (b, v >> 16);
}

IoZip *
io_zip_new (void)
{
  IoZip *zip = g_new0 (IoZip, 1);

  zip->out = g_byte_array_new ();
  zip->items = g_array_new (FALSE, FALSE, sizeof (ZipItem));
  return zip;
}

void
io_zip_add (IoZip * zip, const gchar * name, gconstpointer data, gsize size,
    guint16 method)
{
  ZipItem it = { g_strdup (name), zip->out->len, (guint32) size, method };

  put32 (zip->out, 0x04034b50);
  put16 (zip->out, 20);
  put16 (zip->out, 0);
  put16 (zip->out, method);
  put32 (zip->out, 0);          /* time, date */
  put32 (zip->out, 0);          /* crc: not checked */
  put32 (zip->out, (guint32) size);
  put32 (zip->out, (guint32) size);
  put16 (zip->out, strlen (name));
  put16 (zip->out, 0);
  g_byte_array_append (zip->out, (const guint8 *) name, strlen (name));
  g_byte_array_append (zip->out, data, size);
  g_array_append_val (zip->items, it);
}

GBytes *
io_zip_finish (IoZip * zip)
{
  guint32 cd_start = zip->out->len;
  guint i;

  for (i = 0; i < zip->items->len; i++) {
    ZipItem *it = &g_array_index (zip->items, ZipItem, i);

    put32 (zip->out, 0x02014b50);
    put16 (zip->out, 20);
    put16 (zip->out, 20);
    put16 (zip->out, 0);
    put16 (zip->out, it->method);
    put32 (zip->out, 0);
    put32 (zip->out, 0);
    put32 (zip->out, it->size);
    put32 (zip->out, it->size);
    put16 (zip->out, strlen (it->name));
    put16 (zip->out, 0);
    put16 (zip->out, 0);
    put16 (zip->out, 0);
    put16 (zip->out, 0);
    put32 (zip->out, 0);
    put32 (zip->out, it->offset);
    g_byte_array_append (zip->out, (const guint8 *) it->name,
        strlen (it->name));
    g_free (it->name);
  }
  put32 (zip->out, 0x06054b50);
  put16 (zip->out, 0);
  put16 (zip->out, 0);
  put16 (zip->out, zip->items->len);
  put16 (zip->out, zip->items->len);
  put32 (zip->out, zip->out->len - cd_start - 12);
  put32 (zip->out, cd_start);
  put16 (zip->out, 0);
  g_array_unref (zip->items);
  {
    GBytes *bytes = g_byte_array_free_to_bytes (zip->out);

    g_free (zip);
    return bytes;
  }
}

/* ---- pickles */

void
pk_op (GByteArray * p, guint8 op)
{
  g_byte_array_append (p, &op, 1);
}

void
pk_str (GByteArray * p, const gchar * s)
{
  pk_op (p, 'X');
  put32 (p, strlen (s));
  g_byte_array_append (p, (const guint8 *) s, strlen (s));
}

void
pk_int (GByteArray * p, gint64 v)
{
  if (v >= 0 && v < 256) {
    pk_op (p, 'K');
    pk_op (p, (guint8) v);
  } else if (v >= G_MININT32 && v <= G_MAXINT32) {
    pk_op (p, 'J');
    put32 (p, (guint32) (gint32) v);
  } else {
    guint64 u = (guint64) v;
    guint i;

    pk_op (p, 0x8a);
    pk_op (p, 8);
    for (i = 0; i < 8; i++)
      pk_op (p, (guint8) (u >> (8 * i)));
  }
}

void
pk_global (GByteArray * p, const gchar * module, const gchar * name)
{
  pk_op (p, 'c');
  g_byte_array_append (p, (const guint8 *) module, strlen (module));
  pk_op (p, '\n');
  g_byte_array_append (p, (const guint8 *) name, strlen (name));
  pk_op (p, '\n');
}

void
pk_tensor (GByteArray * p, const gchar * storage_type, const gchar * key,
    gint64 numel, gint64 offset, gint ndim, const gint64 * shape,
    const gint64 * stride)
{
  gint i;

  pk_global (p, "torch._utils", "_rebuild_tensor_v2");
  pk_op (p, '(');
  pk_op (p, '(');
  pk_str (p, "storage");
  pk_global (p, "torch", storage_type);
  pk_str (p, key);
  pk_str (p, "cpu");
  pk_int (p, numel);
  pk_op (p, 't');
  pk_op (p, 'Q');
  pk_int (p, offset);
  pk_op (p, '(');
  for (i = 0; i < ndim; i++)
    pk_int (p, shape[i]);
  pk_op (p, 't');
  pk_op (p, '(');
  for (i = 0; i < ndim; i++)
    pk_int (p, stride[i]);
  pk_op (p, 't');
  pk_op (p, 0x89);
  pk_global (p, "collections", "OrderedDict");
  pk_op (p, ')');
  pk_op (p, 'R');
  pk_op (p, 't');
  pk_op (p, 'R');
}

GBytes *
io_build_torch_zip (GByteArray * pickle, guint n_records, gsize record_size)
{
  IoZip *zip = io_zip_new ();
  guint k;

  io_zip_add (zip, "archive/data.pkl", pickle->data, pickle->len, 0);
  io_zip_add (zip, "archive/byteorder", "little", 6, 0);
  for (k = 0; k < n_records; k++) {
    gchar *name = g_strdup_printf ("archive/data/%u", k);
    guint8 *rec = g_malloc0 (MAX (1, record_size));
    gsize i;

    for (i = 0; i + 4 <= record_size; i += 4) {
      gfloat v = (gfloat) (k * 1000 + i / 4);

      memcpy (rec + i, &v, 4);
    }
    io_zip_add (zip, name, rec, record_size, 0);
    g_free (rec);
    g_free (name);
  }
  io_zip_add (zip, "archive/version", "3\n", 2, 0);
  return io_zip_finish (zip);
}
