/* liveavatar: safetensors files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The checks follow the reference implementation (huggingface/safetensors,
 * safetensors/src/tensor.rs): header length bounded and inside the file,
 * offsets sorted must tile the data section exactly, each tensor's byte
 * range equal to numel * element size. */

#include "config.h"

#include "la-safetensors.h"
#include "la-io-json.h"
#include "liveavatar.h"

#include <string.h>

struct _LaSafetensors
{
  LaIoTensorFile file;          /* tensors in data-section order */
  GHashTable *metadata;         /* gchar * -> gchar *, owned */
};

static gint
compare_by_offset (gconstpointer a, gconstpointer b)
{
  const LaCheckpointTensor *ta = a, *tb = b;
  const guint8 *da = ta->data, *db = tb->data;

  if (da != db)
    return da < db ? -1 : 1;
  if (ta->nbytes != tb->nbytes)
    return ta->nbytes < tb->nbytes ? -1 : 1;
  return 0;
}

static gboolean
parse_metadata (LaSafetensors * st, JsonNode * node, GError ** error)
{
  JsonObject *obj;
  GList *members, *l;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: __metadata__ is %s, not an object", st->file.name,
        la_io_json_kind (node));
    return FALSE;
  }
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (l = members; l; l = l->next) {
    JsonNode *v = json_object_get_member (obj, l->data);

    if (!JSON_NODE_HOLDS_VALUE (v) ||
        json_node_get_value_type (v) != G_TYPE_STRING) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: __metadata__ entry '%s' is %s, not a string", st->file.name,
          (const gchar *) l->data, la_io_json_kind (v));
      ok = FALSE;
      break;
    }
    g_hash_table_replace (st->metadata, g_strdup (l->data),
        g_strdup (json_node_get_string (v)));
  }
  g_list_free (members);
  return ok;
}

/* one "name": {dtype, shape, data_offsets} entry into @t */
static gboolean
parse_entry (LaSafetensors * st, const gchar * name, JsonNode * node,
    const guint8 * base, gsize data_size, LaCheckpointTensor * t,
    GError ** error)
{
  JsonObject *obj;
  JsonNode *dtype_node, *shape_node, *offs_node;
  JsonArray *arr;
  const gchar *dtype_name;
  gint64 begin, end;
  guint i, n;
  gchar *shape_str;

  memset (t, 0, sizeof (*t));
  t->name = g_string_chunk_insert (st->file.strings, name);
  t->file = st->file.name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto not_object;
  obj = json_node_get_object (node);

  dtype_node = json_object_get_member (obj, "dtype");
  if (!dtype_node || !JSON_NODE_HOLDS_VALUE (dtype_node) ||
      json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    goto bad_dtype_field;
  dtype_name = json_node_get_string (dtype_node);
  if (!la_io_dtype_from_name (dtype_name, &t->dtype))
    goto unknown_dtype;

  shape_node = json_object_get_member (obj, "shape");
  if (!shape_node || !JSON_NODE_HOLDS_ARRAY (shape_node))
    goto bad_shape_field;
  arr = json_node_get_array (shape_node);
  n = json_array_get_length (arr);
  if (n > LA_IO_MAX_DIMS)
    goto too_many_dims;
  t->ndim = (gint) n;
  for (i = 0; i < n; i++) {
    if (!la_io_json_get_int (json_array_get_element (arr, i), &t->shape[i]) ||
        t->shape[i] < 0)
      goto bad_dim;
  }
  if (!la_io_shape_numel (t->ndim, t->shape, t->dtype, &t->numel, &t->nbytes))
    goto too_large;

  offs_node = json_object_get_member (obj, "data_offsets");
  if (!offs_node || !JSON_NODE_HOLDS_ARRAY (offs_node) ||
      json_array_get_length (json_node_get_array (offs_node)) != 2)
    goto bad_offsets_field;
  arr = json_node_get_array (offs_node);
  if (!la_io_json_get_int (json_array_get_element (arr, 0), &begin) ||
      !la_io_json_get_int (json_array_get_element (arr, 1), &end) ||
      begin < 0 || end < begin)
    goto bad_offsets;
  if ((guint64) end > data_size)
    goto past_end;
  if ((guint64) (end - begin) != t->nbytes)
    goto wrong_size;

  t->data = base + begin;
  return TRUE;

  /* ERRORS */
not_object:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': entry is %s, not an object", st->file.name, name,
        la_io_json_kind (node));
    return FALSE;
  }
bad_dtype_field:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': \"dtype\" is %s, not a string", st->file.name, name,
        dtype_node ? la_io_json_kind (dtype_node) : "missing");
    return FALSE;
  }
unknown_dtype:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': unsupported dtype '%s'", st->file.name, name,
        dtype_name);
    return FALSE;
  }
bad_shape_field:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': \"shape\" is %s, not an array", st->file.name, name,
        shape_node ? la_io_json_kind (shape_node) : "missing");
    return FALSE;
  }
too_many_dims:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': %u dimensions, at most %d supported", st->file.name,
        name, n, LA_IO_MAX_DIMS);
    return FALSE;
  }
bad_dim:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': shape dimension %u is not a non-negative integer",
        st->file.name, name, i);
    return FALSE;
  }
too_large:
  {
    shape_str = la_io_shape_to_string (t->ndim, t->shape);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': shape %s overflows 64 bits", st->file.name, name,
        shape_str);
    g_free (shape_str);
    return FALSE;
  }
bad_offsets_field:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': \"data_offsets\" is not an array of two integers",
        st->file.name, name);
    return FALSE;
  }
bad_offsets:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': data_offsets must be two integers 0 <= begin <= end",
        st->file.name, name);
    return FALSE;
  }
past_end:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': data_offsets [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ") run past the end of the file (data section %"
        G_GSIZE_FORMAT " bytes, file size %" G_GSIZE_FORMAT ")", st->file.name,
        name, begin, end, data_size, g_bytes_get_size (st->file.bytes));
    return FALSE;
  }
wrong_size:
  {
    shape_str = la_io_shape_to_string (t->ndim, t->shape);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': data_offsets [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ") hold %" G_GINT64_FORMAT " bytes, but %s %s needs %"
        G_GSIZE_FORMAT, st->file.name, name, begin, end, end - begin,
        la_io_dtype_name (t->dtype), shape_str, t->nbytes);
    g_free (shape_str);
    return FALSE;
  }
}

/* sorted by offset, the tensors must tile [0, data_size) */
static gboolean
check_tiling (LaSafetensors * st, const guint8 * base, gsize data_size,
    GError ** error)
{
  gsize expected = 0;
  guint i;

  for (i = 0; i < st->file.n_tensors; i++) {
    const LaCheckpointTensor *t = &st->file.tensors[i];
    gsize begin = (gsize) ((const guint8 *) t->data - base);

    if (begin < expected) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s': bytes [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
          ") overlap tensor '%s'", st->file.name, t->name, begin,
          begin + t->nbytes, st->file.tensors[i - 1].name);
      return FALSE;
    }
    if (begin > expected) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s': starts at byte %" G_GSIZE_FORMAT
          " of the data section, leaving a gap after byte %" G_GSIZE_FORMAT,
          st->file.name, t->name, begin, expected);
      return FALSE;
    }
    expected = begin + t->nbytes;
  }
  if (expected != data_size) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: data section is %" G_GSIZE_FORMAT " bytes, but the tensors "
        "cover %" G_GSIZE_FORMAT, st->file.name, data_size, expected);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse (LaSafetensors * st, GError ** error)
{
  const guint8 *data;
  gsize size, data_size;
  guint64 header_len;
  JsonNode *root = NULL;
  JsonObject *obj;
  GList *members = NULL, *l;
  gchar *what;
  guint i;

  data = g_bytes_get_data (st->file.bytes, &size);
  if (size < 8)
    goto too_short;
  memcpy (&header_len, data, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > LA_SAFETENSORS_MAX_HEADER)
    goto header_too_big;
  if (header_len > size - 8)
    goto header_past_end;

  what = g_strdup_printf ("%s: header", st->file.name);
  root = la_io_json_parse_object ((const gchar *) data + 8, header_len, what,
      error);
  g_free (what);
  if (!root)
    return FALSE;

  data_size = size - 8 - header_len;
  obj = json_node_get_object (root);
  members = json_object_get_members (obj);
  st->file.tensors =
      g_new0 (LaCheckpointTensor, MAX (1, g_list_length (members)));
  for (l = members; l; l = l->next) {
    const gchar *name = l->data;
    JsonNode *node = json_object_get_member (obj, name);

    if (strcmp (name, "__metadata__") == 0) {
      if (!parse_metadata (st, node, error))
        goto failed;
      continue;
    }
    if (!parse_entry (st, name, node, data + 8 + header_len, data_size,
            &st->file.tensors[st->file.n_tensors], error))
      goto failed;
    st->file.n_tensors++;
  }

  qsort (st->file.tensors, st->file.n_tensors, sizeof (LaCheckpointTensor),
      compare_by_offset);
  if (!check_tiling (st, data + 8 + header_len, data_size, error))
    goto failed;
  for (i = 0; i < st->file.n_tensors; i++)
    g_hash_table_insert (st->file.by_name, (gpointer) st->file.tensors[i].name,
        &st->file.tensors[i]);

  g_list_free (members);
  json_node_unref (root);
  return TRUE;

  /* ERRORS */
too_short:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: %" G_GSIZE_FORMAT " bytes, too short for a safetensors file",
        st->file.name, size);
    return FALSE;
  }
header_too_big:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: header length %" G_GUINT64_FORMAT " is over the %d byte limit "
        "(not a safetensors file?)", st->file.name, header_len,
        LA_SAFETENSORS_MAX_HEADER);
    return FALSE;
  }
header_past_end:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: header length %" G_GUINT64_FORMAT " runs past the end of the "
        "file (size %" G_GSIZE_FORMAT ")", st->file.name, header_len, size);
    return FALSE;
  }
failed:
  {
    g_list_free (members);
    json_node_unref (root);
    return FALSE;
  }
}

static LaSafetensors *
safetensors_new (GBytes * bytes, const gchar * display_name, GError ** error)
{
  LaSafetensors *st = g_new0 (LaSafetensors, 1);

  la_io_tensor_file_init (&st->file, bytes, display_name);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  if (!parse (st, error)) {
    la_safetensors_free (st);
    return NULL;
  }
  return st;
}

LaSafetensors *
la_safetensors_open (const gchar * path, GError ** error)
{
  GBytes *bytes;

  g_return_val_if_fail (path != NULL, NULL);

  bytes = la_io_map_file (path, error);
  if (!bytes)
    return NULL;
  return safetensors_new (bytes, path, error);
}

LaSafetensors *
la_safetensors_new_from_bytes (GBytes * bytes, const gchar * display_name,
    GError ** error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  return safetensors_new (g_bytes_ref (bytes), display_name, error);
}

void
la_safetensors_free (LaSafetensors * st)
{
  if (!st)
    return;
  g_hash_table_unref (st->metadata);
  la_io_tensor_file_clear (&st->file);
  g_free (st);
}

const gchar *
la_safetensors_get_name (LaSafetensors * st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return st->file.name;
}

guint
la_safetensors_n_tensors (LaSafetensors * st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->file.n_tensors;
}

const LaCheckpointTensor *
la_safetensors_get (LaSafetensors * st, guint i)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (i < st->file.n_tensors, NULL);
  return &st->file.tensors[i];
}

const LaCheckpointTensor *
la_safetensors_lookup (LaSafetensors * st, const gchar * name)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (st->file.by_name, name);
}

const gchar *
la_safetensors_get_metadata (LaSafetensors * st, const gchar * key)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}
