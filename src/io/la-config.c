/* liveavatar: model config.json files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-config.h"
#include "la-io-json.h"
#include "liveavatar.h"

#include <string.h>

struct _LaConfig
{
  gchar *name;                  /* basename, for messages */
  JsonNode *root;               /* an object */
};

LaConfig *
la_config_new_from_data (const gchar * data, gsize len,
    const gchar * display_name, GError ** error)
{
  LaConfig *cfg;
  gchar *name;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  name = g_path_get_basename (display_name);
  if (len > LA_CONFIG_MAX_SIZE) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: %" G_GSIZE_FORMAT " bytes, over the %d byte limit for a config",
        name, len, LA_CONFIG_MAX_SIZE);
    g_free (name);
    return NULL;
  }
  root = la_io_json_parse_object (data, len, name, error);
  if (!root) {
    g_free (name);
    return NULL;
  }
  cfg = g_new0 (LaConfig, 1);
  cfg->name = name;
  cfg->root = root;
  return cfg;
}

LaConfig *
la_config_load (const gchar * path, GError ** error)
{
  GMappedFile *mapped;
  GError *err = NULL;
  LaConfig *cfg;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &err);
  if (!mapped) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "cannot read %s: %s", path, err->message);
    g_error_free (err);
    return NULL;
  }
  cfg = la_config_new_from_data (g_mapped_file_get_contents (mapped),
      g_mapped_file_get_length (mapped), path, error);
  g_mapped_file_unref (mapped);
  return cfg;
}

void
la_config_free (LaConfig * cfg)
{
  if (!cfg)
    return;
  json_node_unref (cfg->root);
  g_free (cfg->name);
  g_free (cfg);
}

/* The node at dotted @key; NULL when absent or null. FALSE (with @error)
 * when a path component is not an object. */
static gboolean
find (LaConfig * cfg, const gchar * key, JsonNode ** out, GError ** error)
{
  gchar **parts = g_strsplit (key, ".", -1);
  JsonNode *node = cfg->root;
  guint i;

  *out = NULL;
  for (i = 0; parts[i]; i++) {
    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: '%s': '%s' is %s, not an object", cfg->name, key,
          parts[i - 1], la_io_json_kind (node));
      g_strfreev (parts);
      return FALSE;
    }
    node = json_object_get_member (json_node_get_object (node), parts[i]);
    if (!node || JSON_NODE_HOLDS_NULL (node)) {
      g_strfreev (parts);
      return TRUE;
    }
  }
  g_strfreev (parts);
  *out = node;
  return TRUE;
}

static gboolean
wrong_type (LaConfig * cfg, const gchar * key, JsonNode * node,
    const gchar * wanted, GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "%s: '%s' is %s, expected %s", cfg->name, key,
      la_io_json_kind (node), wanted);
  return FALSE;
}

gboolean
la_config_has (LaConfig * cfg, const gchar * key)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  return find (cfg, key, &node, NULL) && node != NULL;
}

gboolean
la_config_require (LaConfig * cfg, const gchar * key, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (!node) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: '%s' is missing", cfg->name, key);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_config_get_int (LaConfig * cfg, const gchar * key, gint64 default_value,
    gint64 * value, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL && key != NULL && value != NULL, FALSE);
  *value = default_value;
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (node && !la_io_json_get_int (node, value)) {
    *value = default_value;
    return wrong_type (cfg, key, node, "an integer", error);
  }
  return TRUE;
}

gboolean
la_config_get_double (LaConfig * cfg, const gchar * key,
    gdouble default_value, gdouble * value, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL && key != NULL && value != NULL, FALSE);
  *value = default_value;
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (node && !la_io_json_get_double (node, value)) {
    *value = default_value;
    return wrong_type (cfg, key, node, "a number", error);
  }
  return TRUE;
}

gboolean
la_config_get_bool (LaConfig * cfg, const gchar * key,
    gboolean default_value, gboolean * value, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL && key != NULL && value != NULL, FALSE);
  *value = default_value;
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (cfg, key, node, "a boolean", error);
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
la_config_get_string (LaConfig * cfg, const gchar * key,
    const gchar * default_value, gchar ** value, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL && key != NULL && value != NULL, FALSE);
  *value = NULL;
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (!node) {
    *value = g_strdup (default_value);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (cfg, key, node, "a string", error);
  *value = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* elements of a number array through @get into @values (of @size bytes) */
static gboolean
get_array (LaConfig * cfg, const gchar * key, gsize size,
    gboolean (*get) (JsonNode *, gpointer), const gchar * wanted,
    gpointer * values, guint * n, GError ** error)
{
  JsonNode *node;
  JsonArray *arr;
  guint8 *out;
  guint i, len;

  *values = NULL;
  *n = 0;
  if (!find (cfg, key, &node, error))
    return FALSE;
  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (cfg, key, node, wanted, error);
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  out = g_malloc0 (MAX (1, len) * size);
  for (i = 0; i < len; i++) {
    JsonNode *el = json_array_get_element (arr, i);

    if (!get (el, out + i * size)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: '%s'[%u] is %s, expected %s", cfg->name, key, i,
          la_io_json_kind (el), wanted);
      g_free (out);
      return FALSE;
    }
  }
  *values = out;
  *n = len;
  return TRUE;
}

static gboolean
get_int_el (JsonNode * node, gpointer out)
{
  return la_io_json_get_int (node, out);
}

static gboolean
get_double_el (JsonNode * node, gpointer out)
{
  return la_io_json_get_double (node, out);
}

gboolean
la_config_get_int_array (LaConfig * cfg, const gchar * key, gint64 ** values,
    guint * n, GError ** error)
{
  g_return_val_if_fail (cfg != NULL && key != NULL, FALSE);
  g_return_val_if_fail (values != NULL && n != NULL, FALSE);
  return get_array (cfg, key, sizeof (gint64), get_int_el,
      "an array of integers", (gpointer *) values, n, error);
}

gboolean
la_config_get_double_array (LaConfig * cfg, const gchar * key,
    gdouble ** values, guint * n, GError ** error)
{
  g_return_val_if_fail (cfg != NULL && key != NULL, FALSE);
  g_return_val_if_fail (values != NULL && n != NULL, FALSE);
  return get_array (cfg, key, sizeof (gdouble), get_double_el,
      "an array of numbers", (gpointer *) values, n, error);
}

gchar *
la_config_to_string (LaConfig * cfg)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  return json_to_string (cfg->root, TRUE);
}
