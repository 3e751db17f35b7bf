/* liveavatar: test helpers for the video VAE (safetensors goldens)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "vae-test-util.h"
#include "liveavatar.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  gchar *name;
  gboolean fp8;                 /* F8_E4M3, else F32 */
  gint ndim;
  gint64 shape[8];
  gint64 numel;
  const guint8 *data;
  guint reads;
} Entry;

struct _VaeTestFile
{
  gchar *path;
  gchar *contents;
  gsize length;
  gsize data_start;             /* 8 + the header's length */
  GHashTable *entries;          /* name -> Entry */
};

static void
entry_free (gpointer p)
{
  Entry *e = p;

  g_free (e->name);
  g_free (e);
}

static void
add_entry (JsonObject * obj, const gchar * name, JsonNode * node,
    gpointer user_data)
{
  VaeTestFile *f = user_data;
  JsonObject *t;
  JsonArray *shape, *offsets;
  const gchar *dtype;
  Entry *e;
  guint i;
  gint64 begin, end;

  if (strcmp (name, "__metadata__") == 0)
    return;
  t = json_node_get_object (node);
  dtype = json_object_get_string_member (t, "dtype");
  shape = json_object_get_array_member (t, "shape");
  offsets = json_object_get_array_member (t, "data_offsets");
  g_assert_true (strcmp (dtype, "F32") == 0 || strcmp (dtype, "F8_E4M3") == 0);

  e = g_new0 (Entry, 1);
  e->name = g_strdup (name);
  e->fp8 = strcmp (dtype, "F8_E4M3") == 0;
  e->ndim = json_array_get_length (shape);
  g_assert_cmpint (e->ndim, <=, 8);
  e->numel = 1;
  for (i = 0; i < (guint) e->ndim; i++) {
    e->shape[i] = json_array_get_int_element (shape, i);
    e->numel *= e->shape[i];
  }
  begin = json_array_get_int_element (offsets, 0);
  end = json_array_get_int_element (offsets, 1);
  g_assert_cmpint (end - begin, ==, e->numel * (e->fp8 ? 1 : 4));
  g_assert_true (begin >= 0 && begin <= end);
  e->data = (const guint8 *) f->contents + f->data_start + begin;
  g_assert_true ((gsize) (e->data - (const guint8 *) f->contents) + (gsize)
      (end - begin) <= f->length);
  g_hash_table_insert (f->entries, e->name, e);
}

VaeTestFile *
vae_test_file_open (const gchar * path)
{
  VaeTestFile *f = g_new0 (VaeTestFile, 1);
  GError *error = NULL;
  JsonParser *parser;
  guint64 header_len;

  f->path = g_strdup (path);
  g_file_get_contents (path, &f->contents, &f->length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->length, >=, 8);
  memcpy (&header_len, f->contents, 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len, <=, f->length - 8);
  f->data_start = 8 + header_len;

  f->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      entry_free);
  parser = json_parser_new ();
  json_parser_load_from_data (parser, f->contents + 8, (gssize) header_len,
      &error);
  g_assert_no_error (error);
  json_object_foreach_member (json_node_get_object (json_parser_get_root
          (parser)), add_entry, f);
  g_object_unref (parser);
  return f;
}

void
vae_test_file_free (VaeTestFile * f)
{
  if (!f)
    return;
  g_hash_table_destroy (f->entries);
  g_free (f->contents);
  g_free (f->path);
  g_free (f);
}

static gfloat *
entry_f32 (const Entry * e)
{
  gfloat *out = g_new (gfloat, e->numel);
  gint64 i;

  if (e->fp8) {
    for (i = 0; i < e->numel; i++)
      out[i] = la_fp8_e4m3_to_f32 (e->data[i]);
  } else {
    memcpy (out, e->data, (gsize) e->numel * 4);
  }
  return out;
}

gfloat *
vae_test_file_read_f32 (VaeTestFile * f, const gchar * name, gint ndim,
    const gint64 * shape, GError ** error)
{
  Entry *e = g_hash_table_lookup (f->entries, name);
  gint i;

  if (!e) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: no tensor '%s'", f->path, name);
    return NULL;
  }
  e->reads++;
  for (i = 0; i < ndim && ndim == e->ndim; i++)
    if (shape[i] != e->shape[i])
      break;
  if (ndim != e->ndim || i != ndim) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' has another shape", f->path, name);
    return NULL;
  }
  return entry_f32 (e);
}

gchar *
vae_test_file_misused (VaeTestFile * f)
{
  GString *s = g_string_new (NULL);
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, f->entries);
  while (g_hash_table_iter_next (&it, NULL, &value)) {
    Entry *e = value;

    if (e->reads != 1)
      g_string_append_printf (s, "%s%s (read %u times)", s->len ? ", " : "",
          e->name, e->reads);
  }
  return g_string_free (s, s->len == 0);
}

LaTensor *
vae_test_file_tensor (VaeTestFile * f, LaBackend * backend, const gchar * name)
{
  Entry *e = g_hash_table_lookup (f->entries, name);
  GError *error = NULL;
  LaTensor *t;
  gfloat *data;

  g_assert_nonnull (e);
  g_assert_cmpint (e->ndim, <=, LA_MAX_DIMS);
  t = la_tensor_new (backend, LA_DTYPE_F32, e->ndim, e->shape, &error);
  g_assert_no_error (error);
  data = entry_f32 (e);
  g_assert_true (la_tensor_set_f32 (t, data, e->numel, &error));
  g_assert_no_error (error);
  g_free (data);
  return t;
}

VaeTestFile *
vae_test_data_open (const gchar * dir, const gchar * name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  VaeTestFile *f = vae_test_file_open (path);

  g_free (path);
  return f;
}

LaVae *
vae_test_tiny_vae_new (LaBackend * backend, const gchar * dir,
    LaVaeParts parts, LaDType dtype)
{
  LaVaeConfig cfg;
  VaeTestFile *w = vae_test_data_open (dir, "weights.safetensors");
  GError *error = NULL;
  LaVae *vae;

  la_vae_config_init (&cfg);
  cfg.dim = 4;
  vae = la_vae_new_with_dtype (backend, &cfg, parts, dtype,
      (LaVaeReadFunc) vae_test_file_read_f32, w, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vae);
  vae_test_file_free (w);
  return vae;
}
