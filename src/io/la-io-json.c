/* liveavatar: JSON parsing for checkpoint headers and configs
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* json-glib does the parsing; a pre-scan refuses what it handles badly:
 * deep nesting (its parser recurses), integer literals past gint64 (its
 * scanner wraps them silently, so 18446744073709551621 would read as 5: a
 * lying offset that looks valid), and anything after the top-level object
 * (json-glib 1.6 leaks the parsed tree on that error path). So that the
 * pre-scan sees the same tokens as json-glib, the non-JSON extensions its
 * scanner accepts (comments, single-quoted strings) are refused too. */

#include "config.h"

#include "la-io-json.h"
#include "liveavatar.h"

#include <string.h>

#define INT64_MAX_DIGITS "9223372036854775807"

/* an integer literal (no '.', no exponent) whose magnitude passes gint64 */
static gboolean
literal_overflows (const gchar * p, gsize n)
{
  gsize i, start;

  for (i = 0; i < n; i++)
    if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
      return FALSE;
  start = (n > 0 && (p[0] == '-' || p[0] == '+')) ? 1 : 0;
  while (start < n && p[start] == '0')
    start++;
  n -= start;
  if (n != strlen (INT64_MAX_DIGITS))
    return n > strlen (INT64_MAX_DIGITS);
  return strncmp (p + start, INT64_MAX_DIGITS, n) > 0;
}

static gboolean
is_space (gchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
prescan (const gchar * data, gsize len, const gchar * what, GError ** error)
{
  gint depth = 0;
  gboolean in_string = FALSE;
  gsize i = 0;

  while (i < len && is_space (data[i]))
    i++;
  if (i == len || data[i] != '{')
    goto not_object;

  while (i < len) {
    gchar c = data[i];

    if (in_string) {
      if (c == '\\')
        i++;                    /* skip the escaped character */
      else if (c == '"')
        in_string = FALSE;
      i++;
      continue;
    }
    if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > LA_IO_JSON_MAX_DEPTH)
        goto too_deep;
    } else if (c == ']' || c == '}') {
      if (--depth == 0)
        break;
    } else if (c == '\'' || c == '/') {
      goto not_strict;
    } else if (c == '-' || g_ascii_isdigit (c)) {
      gsize start = i;

      while (i < len && (g_ascii_isdigit (data[i]) || data[i] == '-' ||
              data[i] == '+' || data[i] == '.' || data[i] == 'e' ||
              data[i] == 'E'))
        i++;
      if (literal_overflows (data + start, i - start))
        goto too_large;
      continue;
    }
    i++;
  }
  /* only whitespace may follow the object */
  for (i++; i < len; i++)
    if (!is_space (data[i]))
      goto trailing;
  return TRUE;

  /* ERRORS */
not_object:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: JSON is not an object", what);
    return FALSE;
  }
not_strict:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: not plain JSON (comment or single quote) at byte %"
        G_GSIZE_FORMAT, what, i);
    return FALSE;
  }
trailing:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: data after the JSON object at byte %" G_GSIZE_FORMAT, what, i);
    return FALSE;
  }
too_deep:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: JSON nested deeper than %d levels at byte %" G_GSIZE_FORMAT,
        what, LA_IO_JSON_MAX_DEPTH, i);
    return FALSE;
  }
too_large:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: integer at byte %" G_GSIZE_FORMAT " does not fit in 64 bits",
        what, i);
    return FALSE;
  }
}

JsonNode *
la_io_json_parse_object (const gchar * data, gsize len, const gchar * what,
    GError ** error)
{
  JsonParser *parser;
  JsonNode *root;
  GError *err = NULL;

  if (len > G_MAXSSIZE)
    goto parse_failed;
  if (!data)                    /* an empty mapped file has no contents */
    data = "";
  if (!prescan (data, len, what, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &err)) {
    g_object_unref (parser);
    goto parse_failed;
  }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_object_unref (parser);
    goto not_object;
  }
  root = json_node_ref (root);
  g_object_unref (parser);
  return root;

  /* ERRORS */
parse_failed:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: malformed JSON: %s", what, err ? err->message : "too long");
    g_clear_error (&err);
    return NULL;
  }
not_object:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: JSON is not an object", what);
    return NULL;
  }
}

gboolean
la_io_json_get_int (JsonNode * node, gint64 * value)
{
  gdouble d;

  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *value = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      d = json_node_get_double (node);
      /* 2^63 is exact in a double; anything at or past it does not fit */
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
          d != (gdouble) (gint64) d)
        return FALSE;
      *value = (gint64) d;
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
la_io_json_get_double (JsonNode * node, gdouble * value)
{
  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *value = (gdouble) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (node);
      return TRUE;
    default:
      return FALSE;
  }
}

const gchar *
la_io_json_kind (JsonNode * node)
{
  if (!node)
    return "missing";
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node)) {
        case G_TYPE_INT64:
          return "an integer";
        case G_TYPE_DOUBLE:
          return "a number";
        case G_TYPE_BOOLEAN:
          return "a boolean";
        case G_TYPE_STRING:
          return "a string";
        default:
          return "a value";
      }
    default:
      return "something unknown";
  }
}
