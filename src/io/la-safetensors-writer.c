/* liveavatar: writing safetensors files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The layout follows safetensors/src/tensor.rs (prepare () and
 * Metadata's Serialize): tensors sorted by dtype, widest alignment first in
 * the order of its Dtype enum, ties by name; metadata entries in the order
 * they were given. Writing what the Python writer writes means files from
 * here and from PyTorch compare byte for byte. */

#include "config.h"

#include "la-safetensors-writer.h"
#include "la-io-write.h"
#include "liveavatar.h"

#include <string.h>

struct _LaSafetensorsWriter
{
  LaIoWriteTensors entries;
  GPtrArray *meta_keys;         /* gchar *, insertion order */
  GHashTable *meta;             /* key -> value, owned */
};

LaSafetensorsWriter *
la_safetensors_writer_new (void)
{
  LaSafetensorsWriter *w = g_new0 (LaSafetensorsWriter, 1);

  la_io_write_tensors_init (&w->entries);
  w->meta_keys = g_ptr_array_new_with_free_func (g_free);
  w->meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  return w;
}

void
la_safetensors_writer_free (LaSafetensorsWriter * w)
{
  if (!w)
    return;
  la_io_write_tensors_clear (&w->entries);
  g_hash_table_unref (w->meta);
  g_ptr_array_unref (w->meta_keys);
  g_free (w);
}

#define WHAT "safetensors writer"

/* what safetensors adds to la_io_write_tensors_add's checks: the header's
 * own key is no tensor name, and a dtype of its enum */
static gboolean
check_tensor (const gchar * name, LaIoDType dtype, GError ** error)
{
  if (name && strcmp (name, "__metadata__") == 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        WHAT ": bad tensor name '%s'", name);
    return FALSE;
  }
  if ((gint) dtype < 0 || dtype >= LA_IO_DTYPE_COUNT) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        WHAT ": tensor '%s': unknown dtype %d", name ? name : "(null)", dtype);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_safetensors_writer_add (LaSafetensorsWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, gconstpointer data,
    gsize nbytes, GError ** error)
{
  return check_tensor (name, dtype, error) &&
      la_io_write_tensors_add (&w->entries, WHAT, name, dtype, ndim, shape,
      G_MAXSIZE, data, nbytes, error);
}

gboolean
la_safetensors_writer_add_f32 (LaSafetensorsWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, const gfloat * data,
    GError ** error)
{
  if (!check_tensor (name, dtype, error))
    return FALSE;
  if (dtype != LA_IO_DTYPE_F32 && dtype != LA_IO_DTYPE_F16 &&
      dtype != LA_IO_DTYPE_BF16 && dtype != LA_IO_DTYPE_F8_E4M3) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        WHAT ": tensor '%s': cannot convert to %s", name ? name : "(null)",
        la_io_dtype_name (dtype));
    return FALSE;
  }
  return la_io_write_tensors_add_f32 (&w->entries, WHAT, name, dtype, ndim,
      shape, G_MAXSIZE, data, error);
}

void
la_safetensors_writer_set_metadata (LaSafetensorsWriter * w,
    const gchar * key, const gchar * value)
{
  gpointer stored_key;

  g_return_if_fail (key != NULL && value != NULL);

  if (!g_hash_table_lookup_extended (w->meta, key, &stored_key, NULL)) {
    stored_key = g_strdup (key);
    g_ptr_array_add (w->meta_keys, stored_key);
  }
  g_hash_table_insert (w->meta, stored_key, g_strdup (value));
}

/* position in safetensors' Dtype enum (tensor.rs); higher sorts first */
static gint
dtype_rank (LaIoDType d)
{
  switch (d) {
    case LA_IO_DTYPE_BOOL:
      return 0;
    case LA_IO_DTYPE_U8:
      return 4;
    case LA_IO_DTYPE_I8:
      return 5;
    case LA_IO_DTYPE_F8_E5M2:
      return 6;
    case LA_IO_DTYPE_F8_E4M3:
      return 7;
    case LA_IO_DTYPE_I16:
      return 9;
    case LA_IO_DTYPE_F16:
      return 11;
    case LA_IO_DTYPE_BF16:
      return 12;
    case LA_IO_DTYPE_I32:
      return 13;
    case LA_IO_DTYPE_F32:
      return 15;
    case LA_IO_DTYPE_F64:
      return 17;
    case LA_IO_DTYPE_I64:
      return 18;
    default:
      return 0;
  }
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const LaIoWriteTensor *ea = *(LaIoWriteTensor * const *) a;
  const LaIoWriteTensor *eb = *(LaIoWriteTensor * const *) b;
  gint ra = dtype_rank (ea->dtype), rb = dtype_rank (eb->dtype);

  if (ra != rb)
    return ra > rb ? -1 : 1;
  return strcmp (ea->name, eb->name);
}

/* a JSON string literal, as serde_json escapes it */
static void
append_json_string (GString * s, const gchar * str)
{
  const guchar *p;

  g_string_append_c (s, '"');
  for (p = (const guchar *) str; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append (s, "\\\"");
        break;
      case '\\':
        g_string_append (s, "\\\\");
        break;
      case '\n':
        g_string_append (s, "\\n");
        break;
      case '\r':
        g_string_append (s, "\\r");
        break;
      case '\t':
        g_string_append (s, "\\t");
        break;
      case '\b':
        g_string_append (s, "\\b");
        break;
      case '\f':
        g_string_append (s, "\\f");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, *p);
        break;
    }
  }
  g_string_append_c (s, '"');
}

GBytes *
la_safetensors_writer_to_bytes (LaSafetensorsWriter * w)
{
  GPtrArray *sorted = g_ptr_array_sized_new (w->entries.tensors->len);
  GString *header = g_string_new ("{");
  GByteArray *file;
  guint64 offset = 0;
  gboolean first = TRUE;
  guint i;
  gint d;

  for (i = 0; i < w->entries.tensors->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (w->entries.tensors, i));
  g_ptr_array_sort (sorted, compare_entries);

  if (w->meta_keys->len > 0) {
    g_string_append (header, "\"__metadata__\":{");
    for (i = 0; i < w->meta_keys->len; i++) {
      const gchar *key = g_ptr_array_index (w->meta_keys, i);

      if (i > 0)
        g_string_append_c (header, ',');
      append_json_string (header, key);
      g_string_append_c (header, ':');
      append_json_string (header, g_hash_table_lookup (w->meta, key));
    }
    g_string_append_c (header, '}');
    first = FALSE;
  }
  for (i = 0; i < sorted->len; i++) {
    const LaIoWriteTensor *e = g_ptr_array_index (sorted, i);

    if (!first)
      g_string_append_c (header, ',');
    first = FALSE;
    append_json_string (header, e->name);
    g_string_append_printf (header, ":{\"dtype\":\"%s\",\"shape\":[",
        la_io_dtype_name (e->dtype));
    for (d = 0; d < e->ndim; d++)
      g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? "," : "",
          e->shape[d]);
    g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT
        ",%" G_GUINT64_FORMAT "]}", offset, offset + e->nbytes);
    offset += e->nbytes;
  }
  g_string_append_c (header, '}');
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  file = g_byte_array_sized_new (8 + header->len + offset);
  la_io_put_le64 (file, header->len);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  for (i = 0; i < sorted->len; i++) {
    const LaIoWriteTensor *e = g_ptr_array_index (sorted, i);

    g_byte_array_append (file, e->data, e->nbytes);
  }
  g_string_free (header, TRUE);
  g_ptr_array_unref (sorted);
  return g_byte_array_free_to_bytes (file);
}

gboolean
la_safetensors_writer_save (LaSafetensorsWriter * w, const gchar * path,
    GError ** error)
{
  return la_io_save_bytes (la_safetensors_writer_to_bytes (w), path, error);
}
