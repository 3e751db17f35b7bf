/* liveavatar text tests: golden files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "test-text-util.h"

#include <stdlib.h>
#include <string.h>

gchar *
test_text_data_path (const gchar * name)
{
  return g_build_filename (LA_TEXT_TEST_DATA, name, NULL);
}

GPtrArray *
test_text_read_golden (const gchar * name)
{
  gchar *path = test_text_data_path (name), *contents = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_strfreev);
  GError *error = NULL;
  gchar **lines, **l;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (l = lines; *l; l++) {
    if ((*l)[0] == '#' || (*l)[0] == '\0')
      continue;
    g_ptr_array_add (rows, g_strsplit (*l, "\t", -1));
  }
  g_strfreev (lines);
  g_free (contents);
  g_free (path);
  return rows;
}

guint8 *
test_text_hex_decode (const gchar * hex, gsize * len)
{
  gsize n = strlen (hex), i;
  guint8 *out;

  g_assert_cmpuint (n % 2, ==, 0);
  out = g_malloc (n / 2 + 1);
  for (i = 0; i < n / 2; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);

    g_assert_true (hi >= 0 && lo >= 0);
    out[i] = (guint8) (hi << 4 | lo);
  }
  out[n / 2] = 0;
  *len = n / 2;
  return out;
}

GArray *
test_text_parse_ids (const gchar * s)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gchar **parts = g_strsplit (s, " ", -1), **p;

  for (p = parts; *p; p++) {
    gint32 id;

    if (**p == '\0')
      continue;
    id = (gint32) g_ascii_strtoll (*p, NULL, 10);
    g_array_append_val (ids, id);
  }
  g_strfreev (parts);
  return ids;
}

gchar *
test_text_ids_to_string (const gint32 * ids, guint n)
{
  GString *s = g_string_new ("[");
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, i ? " %d" : "%d", ids[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}
