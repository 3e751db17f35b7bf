/* liveavatar: HTML character references, as Python and ftfy resolve them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Python: Lib/html/__init__.py, the _charref pattern
 *   &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
 * and _replace_charref. ftfy: fixes.py, HTML_ENTITY_RE
 *   &#?[0-9A-Za-z]{1,24};
 * and _unescape_fixup. */

#include "config.h"

#include "la-html-unescape.h"
#include "la-html-entities.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NAME 32             /* Python's {1,32} */
#define MAX_FTFY_NAME 24

static int
compare_entity (const void *key, const void *elem)
{
  return strcmp (key, ((const LaHtmlEntity *) elem)->name);
}

static const gchar *
lookup (const LaHtmlEntity * table, guint len, const gunichar * name, gsize n)
{
  gchar key[MAX_NAME + 2];
  const LaHtmlEntity *e;
  gsize i;

  if (n > MAX_NAME + 1)
    return NULL;
  for (i = 0; i < n; i++) {
    if (name[i] == 0 || name[i] >= 0x80)
      return NULL;              /* every name is ASCII */
    key[i] = (gchar) name[i];
  }
  key[n] = '\0';
  e = bsearch (key, table, len, sizeof (LaHtmlEntity), compare_entity);
  return e ? e->value : NULL;
}

static void
append_utf8 (GArray * out, const gchar * s)
{
  for (; *s; s = g_utf8_next_char (s)) {
    gunichar c = g_utf8_get_char (s);

    g_array_append_val (out, c);
  }
}

static void
append_chars (GArray * out, const gunichar * s, gsize n)
{
  g_array_append_vals (out, s, n);
}

static gboolean
is_digit (gunichar c)
{
  return c >= '0' && c <= '9';
}

static gboolean
is_hex (gunichar c)
{
  return is_digit (c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static gboolean
is_alnum (gunichar c)
{
  return is_digit (c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static guint
hex_value (gunichar c)
{
  if (is_digit (c))
    return c - '0';
  return (c | 0x20) - 'a' + 10;
}

/* Python's handling of a numeric reference whose value is @num (@big: it
 * overflowed past U+10FFFF while parsing). */
static void
append_charref (GArray * out, guint32 num, gboolean big)
{
  guint i;

  if (!big) {
    for (i = 0; i < la_html_invalid_charrefs_len; i++) {
      if (la_html_invalid_charrefs[i].codepoint == num) {
        append_utf8 (out, la_html_invalid_charrefs[i].value);
        return;
      }
    }
  }
  if (big || (num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) {
    gunichar r = 0xfffd;

    g_array_append_val (out, r);
    return;
  }
  for (i = 0; i < la_html_invalid_codepoints_len; i++) {
    if (la_html_invalid_codepoints[i] == num)
      return;
  }
  g_array_append_val (out, num);
}

/* Matches the _charref pattern at s[0] == '&'. Returns the length of the
 * match (0: none) and appends its replacement. */
static gsize
python_charref (const gunichar * s, gsize n, GArray * out)
{
  gsize k, len, x;
  guint32 num = 0;
  gboolean big = FALSE, hex;
  const gchar *value;

  if (n >= 2 && s[1] == '#') {
    if (n >= 3 && is_digit (s[2])) {
      hex = FALSE;
      k = 2;
    } else if (n >= 4 && (s[2] == 'x' || s[2] == 'X') && is_hex (s[3])) {
      hex = TRUE;
      k = 3;
    } else {
      return 0;
    }
    for (; k < n && (hex ? is_hex (s[k]) : is_digit (s[k])); k++) {
      if (!big) {
        num = num * (hex ? 16 : 10) + (hex ? hex_value (s[k]) : s[k] - '0');
        big = num > 0x10ffff;
      }
    }
    if (k < n && s[k] == ';')
      k++;
    append_charref (out, num, big);
    return k;
  }

  for (k = 1; k < n && k <= MAX_NAME; k++) {
    gunichar c = s[k];

    if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' ||
        c == '&' || c == '#' || c == ';')
      break;
  }
  if (k == 1)
    return 0;
  if (k < n && s[k] == ';')
    k++;
  len = k - 1;                  /* the name, ';' included */

  value = lookup (la_html5_entities, la_html5_entities_len, s + 1, len);
  if (value) {
    append_utf8 (out, value);
    return k;
  }
  for (x = len - 1; x >= 2; x--) {
    value = lookup (la_html5_entities, la_html5_entities_len, s + 1, x);
    if (value) {
      append_utf8 (out, value);
      append_chars (out, s + 1 + x, len - x);
      return k;
    }
  }
  append_chars (out, s, k);
  return k;
}

void
la_html_unescape (const gunichar * s, gsize n, GArray * out)
{
  gsize i = 0, m;

  while (i < n) {
    if (s[i] == '&' && (m = python_charref (s + i, n - i, out)) > 0) {
      i += m;
    } else {
      g_array_append_val (out, s[i]);
      i++;
    }
  }
}

/* Matches HTML_ENTITY_RE at s[0] == '&'; returns its length or 0. */
static gsize
ftfy_entity_len (const gunichar * s, gsize n)
{
  gsize k = 1, start;

  if (k < n && s[k] == '#')
    k++;
  start = k;
  while (k < n && is_alnum (s[k]))
    k++;
  if (k == start || k - start > MAX_FTFY_NAME || k >= n || s[k] != ';')
    return 0;
  return k + 1;
}

void
la_ftfy_unescape_html (const gunichar * s, gsize n, GArray * out)
{
  gsize i = 0, m, mark;
  const gchar *value;

  while (i < n) {
    if (s[i] != '&' || (m = ftfy_entity_len (s + i, n - i)) == 0) {
      g_array_append_val (out, s[i]);
      i++;
      continue;
    }

    /* html5 names ending in ';' (all of them here), or an upper-case one */
    value = lookup (la_html5_entities, la_html5_entities_len, s + i + 1, m - 1);
    if (value == NULL)
      value = lookup (la_ftfy_upper_entities, la_ftfy_upper_entities_len,
          s + i + 1, m - 1);
    if (value) {
      append_utf8 (out, value);
    } else if (s[i + 1] == '#') {
      /* keep Python's answer only when it consumed the ';' too */
      gboolean has_semicolon = FALSE;
      guint j;

      mark = out->len;
      la_html_unescape (s + i, m, out);
      for (j = mark; j < out->len; j++)
        has_semicolon |= g_array_index (out, gunichar, j) == ';';
      if (has_semicolon) {
        g_array_set_size (out, mark);
        append_chars (out, s + i, m);
      }
    } else {
      append_chars (out, s + i, m);
    }
    i += m;
  }
}
