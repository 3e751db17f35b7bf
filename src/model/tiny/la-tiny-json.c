/* liveavatar: JSON files written the way Python's json.dumps writes them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Python's formatting (json/encoder.py with indent=2): ", " never
 * appears, items end in ",\n", ": " after keys, empty containers as "[]"
 * and "{}", non-ASCII escaped as \uXXXX (ensure_ascii), floats as repr ()
 * (the shortest text that reads back the same, ".0" when integral). */

#include "config.h"

#include "la-tiny-json.h"

#include <string.h>

struct _LaTinyJson
{
  GTree *members;               /* key -> gchar * (the value's JSON text) */
};

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

LaTinyJson *
la_tiny_json_new (void)
{
  LaTinyJson *json = g_new0 (LaTinyJson, 1);

  json->members = g_tree_new_full (compare_keys, NULL, g_free, g_free);
  return json;
}

void
la_tiny_json_free (LaTinyJson * json)
{
  if (!json)
    return;
  g_tree_destroy (json->members);
  g_free (json);
}

static void
append_string (GString * s, const gchar * str)
{
  const gchar *p;

  g_string_append_c (s, '"');
  for (p = str; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (c == '"')
      g_string_append (s, "\\\"");
    else if (c == '\\')
      g_string_append (s, "\\\\");
    else if (c == '\n')
      g_string_append (s, "\\n");
    else if (c == '\t')
      g_string_append (s, "\\t");
    else if (c == '\r')
      g_string_append (s, "\\r");
    else if (c == '\b')
      g_string_append (s, "\\b");
    else if (c == '\f')
      g_string_append (s, "\\f");
    else if (c >= 0x20 && c < 0x7f)
      g_string_append_c (s, (gchar) c);
    else if (c < 0x10000)
      g_string_append_printf (s, "\\u%04x", c);
    else
      g_string_append_printf (s, "\\u%04x\\u%04x",
          0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
  }
  g_string_append_c (s, '"');
}

static void
set (LaTinyJson * json, const gchar * key, gchar * text)
{
  g_tree_replace (json->members, g_strdup (key), text);
}

void
la_tiny_json_set_int (LaTinyJson * json, const gchar * key, gint64 value)
{
  set (json, key, g_strdup_printf ("%" G_GINT64_FORMAT, value));
}

void
la_tiny_json_set_double (LaTinyJson * json, const gchar * key, gdouble value)
{
  gchar buf[64], format[8];
  gint prec;

  for (prec = 1; prec <= 17; prec++) {
    g_snprintf (format, sizeof (format), "%%.%dg", prec);
    g_ascii_formatd (buf, sizeof (buf), format, value);
    if (g_ascii_strtod (buf, NULL) == value)
      break;
  }
  /* repr () switches to exponents below 1e-4 and from 1e16, %g below 1e-4
   * and from 10^prec: write integral values like repr () does */
  if (!strpbrk (buf, ".en"))
    g_strlcat (buf, ".0", sizeof (buf));
  set (json, key, g_strdup (buf));
}

void
la_tiny_json_set_bool (LaTinyJson * json, const gchar * key, gboolean value)
{
  set (json, key, g_strdup (value ? "true" : "false"));
}

void
la_tiny_json_set_string (LaTinyJson * json, const gchar * key,
    const gchar * value)
{
  GString *s = g_string_new (NULL);

  append_string (s, value);
  set (json, key, g_string_free (s, FALSE));
}

void
la_tiny_json_set_null (LaTinyJson * json, const gchar * key)
{
  set (json, key, g_strdup ("null"));
}

/* an array as "[\n<in>  a,\n<in>  b\n<in>]" is made at print time: store
 * the items one per line, marked for indenting */
#define ARRAY_MARK '\001'

void
la_tiny_json_set_int_array (LaTinyJson * json, const gchar * key,
    const gint * values, guint n)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_c (s, ARRAY_MARK);
  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? "\n" : "", values[i]);
  set (json, key, g_string_free (s, FALSE));
}

void
la_tiny_json_set_string_array (LaTinyJson * json, const gchar * key,
    const gchar * const *values, guint n)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_c (s, ARRAY_MARK);
  for (i = 0; i < n; i++) {
    if (i)
      g_string_append_c (s, '\n');
    append_string (s, values[i]);
  }
  set (json, key, g_string_free (s, FALSE));
}

/* objects are printed when set, at depth 0, and re-indented when their
 * parent prints */
void
la_tiny_json_set_object (LaTinyJson * json, const gchar * key,
    LaTinyJson * child)
{
  gchar *text = la_tiny_json_to_string (child);

  /* drop the final newline */
  text[strlen (text) - 1] = '\0';
  set (json, key, text);
  la_tiny_json_free (child);
}

typedef struct
{
  GString *out;
  guint remaining;
} PrintData;

/* @text with every line after the first indented by 2 more */
static void
append_indented (GString * out, const gchar * text)
{
  const gchar *p;

  for (p = text; *p; p++) {
    g_string_append_c (out, *p);
    if (*p == '\n')
      g_string_append (out, "  ");
  }
}

static gboolean
print_member (gpointer key, gpointer value, gpointer user_data)
{
  PrintData *d = user_data;
  const gchar *text = value;

  g_string_append (d->out, "  ");
  append_string (d->out, key);
  g_string_append (d->out, ": ");
  if (text[0] == ARRAY_MARK) {
    if (text[1] == '\0') {
      g_string_append (d->out, "[]");
    } else {
      gchar **items = g_strsplit (text + 1, "\n", -1);
      guint i;

      g_string_append (d->out, "[\n");
      for (i = 0; items[i]; i++) {
        g_string_append (d->out, "    ");
        g_string_append (d->out, items[i]);
        g_string_append (d->out, items[i + 1] ? ",\n" : "\n");
      }
      g_string_append (d->out, "  ]");
      g_strfreev (items);
    }
  } else {
    append_indented (d->out, text);
  }
  g_string_append (d->out, --d->remaining ? ",\n" : "\n");
  return FALSE;
}

gchar *
la_tiny_json_to_string (LaTinyJson * json)
{
  PrintData d;

  d.out = g_string_new (NULL);
  d.remaining = g_tree_nnodes (json->members);
  if (d.remaining == 0) {
    g_string_append (d.out, "{}\n");
    return g_string_free (d.out, FALSE);
  }
  g_string_append (d.out, "{\n");
  g_tree_foreach (json->members, print_member, &d);
  g_string_append (d.out, "}\n");
  return g_string_free (d.out, FALSE);
}
