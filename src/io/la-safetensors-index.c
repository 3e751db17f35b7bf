/* liveavatar: sharded safetensors (*.safetensors.index.json)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-safetensors-index.h"
#include "la-safetensors.h"
#include "la-io-json.h"
#include "liveavatar.h"

#include <string.h>

struct _LaSafetensorsIndex
{
  gchar *name;                  /* basename of the index, for messages */
  GHashTable *shards;           /* shard file name -> LaSafetensors *, owned */
  GPtrArray *tensors;           /* const LaCheckpointTensor *, by name */
  GHashTable *by_name;          /* name -> const LaCheckpointTensor * */
};

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  const LaCheckpointTensor *ta = *(const LaCheckpointTensor * const *) a;
  const LaCheckpointTensor *tb = *(const LaCheckpointTensor * const *) b;

  return strcmp (ta->name, tb->name);
}

/* a plain relative path inside the index's folder */
static gboolean
shard_name_ok (const gchar * shard)
{
  gchar **parts;
  gboolean ok = TRUE;
  guint i;

  if (shard[0] == '\0' || g_path_is_absolute (shard))
    return FALSE;
  parts = g_strsplit (shard, "/", -1);
  for (i = 0; parts[i]; i++)
    if (strcmp (parts[i], "..") == 0 || parts[i][0] == '\0')
      ok = FALSE;
  g_strfreev (parts);
  return ok;
}

static LaSafetensors *
get_shard (LaSafetensorsIndex * index, const gchar * dir, const gchar * shard,
    const gchar * tensor, GError ** error)
{
  LaSafetensors *st;
  gchar *path;
  GError *err = NULL;

  st = g_hash_table_lookup (index->shards, shard);
  if (st)
    return st;

  if (!shard_name_ok (shard)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' is mapped to '%s', not a file name inside the "
        "index's folder", index->name, tensor, shard);
    return NULL;
  }
  path = g_build_filename (dir, shard, NULL);
  st = la_safetensors_open (path, &err);
  g_free (path);
  if (!st) {
    g_set_error (error, LA_ERROR, err->code, "%s: shard '%s' (of tensor "
        "'%s'): %s", index->name, shard, tensor, err->message);
    g_error_free (err);
    return NULL;
  }
  g_hash_table_insert (index->shards, g_strdup (shard), st);
  return st;
}

static gboolean
load (LaSafetensorsIndex * index, const gchar * index_path, GError ** error)
{
  GMappedFile *mapped;
  JsonNode *root = NULL, *map_node, *meta_node;
  JsonObject *map;
  GList *members = NULL, *l;
  GError *err = NULL;
  gchar *dir = NULL;
  gsize size;

  mapped = g_mapped_file_new (index_path, FALSE, &err);
  if (!mapped)
    goto cannot_read;
  size = g_mapped_file_get_length (mapped);
  if (size > LA_SAFETENSORS_INDEX_MAX_SIZE) {
    g_mapped_file_unref (mapped);
    goto too_big;
  }
  root = la_io_json_parse_object (g_mapped_file_get_contents (mapped), size,
      index->name, error);
  g_mapped_file_unref (mapped);
  if (!root)
    return FALSE;

  meta_node = json_object_get_member (json_node_get_object (root), "metadata");
  if (meta_node && !JSON_NODE_HOLDS_OBJECT (meta_node))
    goto bad_metadata;
  map_node = json_object_get_member (json_node_get_object (root), "weight_map");
  if (!map_node || !JSON_NODE_HOLDS_OBJECT (map_node))
    goto bad_map;
  map = json_node_get_object (map_node);

  dir = g_path_get_dirname (index_path);
  members = json_object_get_members (map);
  for (l = members; l; l = l->next) {
    const gchar *name = l->data;
    JsonNode *v = json_object_get_member (map, name);
    const LaCheckpointTensor *t;
    LaSafetensors *st;

    if (!JSON_NODE_HOLDS_VALUE (v) ||
        json_node_get_value_type (v) != G_TYPE_STRING) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s': weight_map entry is %s, not a file name",
          index->name, name, la_io_json_kind (v));
      goto failed;
    }
    st = get_shard (index, dir, json_node_get_string (v), name, error);
    if (!st)
      goto failed;
    t = la_safetensors_lookup (st, name);
    if (!t) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s' is mapped to '%s', which does not hold it",
          index->name, name, json_node_get_string (v));
      goto failed;
    }
    g_ptr_array_add (index->tensors, (gpointer) t);
    g_hash_table_insert (index->by_name, (gpointer) t->name, (gpointer) t);
  }
  g_ptr_array_sort (index->tensors, compare_by_name);

  g_list_free (members);
  g_free (dir);
  json_node_unref (root);
  return TRUE;

  /* ERRORS */
cannot_read:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "cannot read %s: %s", index_path, err->message);
    g_error_free (err);
    return FALSE;
  }
too_big:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: %" G_GSIZE_FORMAT " bytes, over the %d byte limit for an index",
        index->name, size, LA_SAFETENSORS_INDEX_MAX_SIZE);
    return FALSE;
  }
bad_metadata:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: \"metadata\" is %s, not an object", index->name,
        la_io_json_kind (meta_node));
    json_node_unref (root);
    return FALSE;
  }
bad_map:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: \"weight_map\" is %s, not an object", index->name,
        map_node ? la_io_json_kind (map_node) : "missing");
    json_node_unref (root);
    return FALSE;
  }
failed:
  {
    g_list_free (members);
    g_free (dir);
    json_node_unref (root);
    return FALSE;
  }
}

LaSafetensorsIndex *
la_safetensors_index_open (const gchar * index_path, GError ** error)
{
  LaSafetensorsIndex *index;

  g_return_val_if_fail (index_path != NULL, NULL);

  index = g_new0 (LaSafetensorsIndex, 1);
  index->name = g_path_get_basename (index_path);
  index->shards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) la_safetensors_free);
  index->tensors = g_ptr_array_new ();
  index->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  if (!load (index, index_path, error)) {
    la_safetensors_index_free (index);
    return NULL;
  }
  return index;
}

void
la_safetensors_index_free (LaSafetensorsIndex * index)
{
  if (!index)
    return;
  g_hash_table_unref (index->by_name);
  g_ptr_array_unref (index->tensors);
  g_hash_table_unref (index->shards);
  g_free (index->name);
  g_free (index);
}

guint
la_safetensors_index_n_shards (LaSafetensorsIndex * index)
{
  g_return_val_if_fail (index != NULL, 0);
  return g_hash_table_size (index->shards);
}

guint
la_safetensors_index_n_tensors (LaSafetensorsIndex * index)
{
  g_return_val_if_fail (index != NULL, 0);
  return index->tensors->len;
}

const LaCheckpointTensor *
la_safetensors_index_get (LaSafetensorsIndex * index, guint i)
{
  g_return_val_if_fail (index != NULL, NULL);
  g_return_val_if_fail (i < index->tensors->len, NULL);
  return g_ptr_array_index (index->tensors, i);
}

const LaCheckpointTensor *
la_safetensors_index_lookup (LaSafetensorsIndex * index, const gchar * name)
{
  g_return_val_if_fail (index != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (index->by_name, name);
}
