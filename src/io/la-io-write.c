/* liveavatar: what the file writers share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-io-write.h"
#include "la-backend.h"
#include "liveavatar.h"

#include <string.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "fp32 tensor data is copied in host order and must be little-endian"
#endif

static void
tensor_free (gpointer p)
{
  LaIoWriteTensor *t = p;

  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

void
la_io_write_tensors_init (LaIoWriteTensors * t)
{
  t->tensors = g_ptr_array_new_with_free_func (tensor_free);
  t->names = g_hash_table_new (g_str_hash, g_str_equal);
}

void
la_io_write_tensors_clear (LaIoWriteTensors * t)
{
  /* the names first: they are the tensors' */
  g_clear_pointer (&t->names, g_hash_table_unref);
  g_clear_pointer (&t->tensors, g_ptr_array_unref);
}

/* name and shape; numel and byte size into @numel, @nbytes */
static gboolean
check (const LaIoWriteTensors * t, const gchar * what, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, gsize max_bytes,
    gint64 * numel, gsize * nbytes, GError ** error)
{
  if (!name || !*name || !g_utf8_validate (name, -1, NULL)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: bad tensor name '%s'", what, name ? name : "(null)");
    return FALSE;
  }
  if (g_hash_table_contains (t->names, name)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: tensor '%s' added twice", what, name);
    return FALSE;
  }
  if (ndim < 0 || ndim > LA_IO_MAX_DIMS || (ndim > 0 && !shape) ||
      !la_io_shape_numel (ndim, shape, dtype, numel, nbytes) ||
      *nbytes > max_bytes) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: tensor '%s': bad shape (%d dimensions)", what, name, ndim);
    return FALSE;
  }
  return TRUE;
}

/* a new tensor at the end, its @nbytes of data uninitialised */
static LaIoWriteTensor *
append (LaIoWriteTensors * t, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, gint64 numel,
    gsize nbytes)
{
  LaIoWriteTensor *e = g_new0 (LaIoWriteTensor, 1);

  e->name = g_strdup (name);
  e->dtype = dtype;
  e->ndim = ndim;
  if (ndim > 0)
    memcpy (e->shape, shape, ndim * sizeof (gint64));
  e->numel = numel;
  e->nbytes = nbytes;
  e->data = g_malloc (MAX (nbytes, 1));
  g_ptr_array_add (t->tensors, e);
  g_hash_table_add (t->names, e->name);
  return e;
}

gboolean
la_io_write_tensors_add (LaIoWriteTensors * t, const gchar * what,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    gsize max_bytes, gconstpointer data, gsize nbytes, GError ** error)
{
  gint64 numel;
  gsize want;
  LaIoWriteTensor *e;

  if (!check (t, what, name, dtype, ndim, shape, max_bytes, &numel, &want,
          error))
    return FALSE;
  if (nbytes != want || (nbytes > 0 && !data)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: tensor '%s': %" G_GSIZE_FORMAT " bytes, its shape needs %"
        G_GSIZE_FORMAT, what, name, nbytes, want);
    return FALSE;
  }
  e = append (t, name, dtype, ndim, shape, numel, nbytes);
  if (nbytes > 0)
    memcpy (e->data, data, nbytes);
  return TRUE;
}

/* @t's data from its numel fp32 values, converted to its dtype */
static void
set_f32 (LaIoWriteTensor * t, const gfloat * data)
{
  gsize i, n = (gsize) t->numel;

  switch (t->dtype) {
    case LA_IO_DTYPE_F32:
      if (n > 0)
        memcpy (t->data, data, 4 * n);
      break;
    case LA_IO_DTYPE_F16:
      for (i = 0; i < n; i++) {
        guint16 v = GUINT16_TO_LE (la_f32_to_f16 (data[i]));

        memcpy (t->data + 2 * i, &v, 2);
      }
      break;
    case LA_IO_DTYPE_BF16:
      for (i = 0; i < n; i++) {
        guint16 v = GUINT16_TO_LE (la_f32_to_bf16 (data[i]));

        memcpy (t->data + 2 * i, &v, 2);
      }
      break;
    case LA_IO_DTYPE_F8_E4M3:
      for (i = 0; i < n; i++)
        t->data[i] = la_f32_to_fp8_e4m3 (data[i]);
      break;
    default:
      g_return_if_reached ();
  }
}

gboolean
la_io_write_tensors_add_f32 (LaIoWriteTensors * t, const gchar * what,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    gsize max_bytes, const gfloat * data, GError ** error)
{
  gint64 numel;
  gsize nbytes;

  if (!check (t, what, name, dtype, ndim, shape, max_bytes, &numel, &nbytes,
          error))
    return FALSE;
  if (numel > 0 && !data) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: tensor '%s': no data", what, name);
    return FALSE;
  }
  set_f32 (append (t, name, dtype, ndim, shape, numel, nbytes), data);
  return TRUE;
}

void
la_io_put_le16 (GByteArray * a, guint16 v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (a, b, 2);
}

void
la_io_put_le32 (GByteArray * a, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (a, b, 4);
}

void
la_io_put_le64 (GByteArray * a, guint64 v)
{
  la_io_put_le32 (a, (guint32) (v & 0xffffffffu));
  la_io_put_le32 (a, (guint32) (v >> 32));
}

gboolean
la_io_save_bytes (GBytes * bytes, const gchar * path, GError ** error)
{
  GError *err = NULL;
  gconstpointer data;
  gsize size;
  gboolean ok;

  if (!bytes)
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  ok = g_file_set_contents (path, data, size, &err);
  if (!ok) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "cannot write %s: %s",
        path, err->message);
    g_error_free (err);
  }
  g_bytes_unref (bytes);
  return ok;
}
