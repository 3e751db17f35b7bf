/* liveavatar: Wan's prompt cleaning
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* ftfy rules from ftfy 6.x: fixes.py (fix_c1_controls, uncurl_quotes,
 * fix_line_breaks, remove_terminal_escapes) and chardata.py (LIGATURES,
 * WIDTH_MAP, CONTROL_CHARS, SINGLE_QUOTE_RE, DOUBLE_QUOTE_RE). The text is
 * handled as code points (GArray of gunichar) between steps. */

#include "config.h"

#include "la-text-clean.h"
#include "la-html-entities.h"
#include "la-html-unescape.h"

#include <string.h>

typedef GArray Chars;           /* of gunichar */

static Chars *
chars_new (gsize reserve)
{
  return g_array_sized_new (FALSE, FALSE, sizeof (gunichar), reserve);
}

static Chars *
chars_from_utf8 (const gchar * s, gssize len)
{
  const gchar *end = s + (len < 0 ? (gssize) strlen (s) : len);
  Chars *c = chars_new (end - s);

  for (; s < end; s = g_utf8_next_char (s)) {
    gunichar u = g_utf8_get_char (s);

    g_array_append_val (c, u);
  }
  return c;
}

static gchar *
chars_to_utf8 (const Chars * c)
{
  GString *s = g_string_sized_new (c->len + 1);
  guint i;

  for (i = 0; i < c->len; i++)
    g_string_append_unichar (s, g_array_index (c, gunichar, i));
  return g_string_free (s, FALSE);
}

static gboolean
chars_equal (const Chars * a, const Chars * b)
{
  return a->len == b->len &&
      memcmp (a->data, b->data, a->len * sizeof (gunichar)) == 0;
}

#define CH(c, i) g_array_index ((c), gunichar, (i))

/* ---- ftfy steps: each takes ownership of @in and returns the result ---- */

typedef Chars *(*Step) (Chars * in);

static Chars *
step_unescape_html (Chars * in)
{
  Chars *out = chars_new (in->len);

  la_ftfy_unescape_html ((const gunichar *) in->data, in->len, out);
  g_array_free (in, TRUE);
  return out;
}

static Chars *
step_fix_c1_controls (Chars * in)
{
  guint i, j;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (c < 0x80 || c > 0x9f)
      continue;
    /* sloppy-windows-1252: html's table, which keeps the five holes */
    for (j = 0; j < la_html_invalid_charrefs_len; j++) {
      if (la_html_invalid_charrefs[j].codepoint == c) {
        CH (in, i) = g_utf8_get_char (la_html_invalid_charrefs[j].value);
        break;
      }
    }
  }
  return in;
}

static const struct
{
  gunichar c;
  const gchar *s;
} ligatures[] = {
  {0x0132, "IJ"}, {0x0133, "ij"}, {0x0149, "\xca\xbcn"},
  {0x01f1, "DZ"}, {0x01f2, "Dz"}, {0x01f3, "dz"},
  {0x01c4, "D\xc5\xbd"}, {0x01c5, "D\xc5\xbe"}, {0x01c6, "d\xc5\xbe"},
  {0x01c7, "LJ"}, {0x01c8, "Lj"}, {0x01c9, "lj"},
  {0x01ca, "NJ"}, {0x01cb, "Nj"}, {0x01cc, "nj"},
  {0xfb00, "ff"}, {0xfb01, "fi"}, {0xfb02, "fl"}, {0xfb03, "ffi"},
  {0xfb04, "ffl"}, {0xfb05, "\xc5\xbft"}, {0xfb06, "st"},
};

static void
append_utf8 (Chars * out, const gchar * s, gssize len)
{
  const gchar *end = s + (len < 0 ? (gssize) strlen (s) : len);

  for (; s < end; s = g_utf8_next_char (s)) {
    gunichar u = g_utf8_get_char (s);

    g_array_append_val (out, u);
  }
}

static Chars *
step_fix_latin_ligatures (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i, j;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    for (j = 0; j < G_N_ELEMENTS (ligatures); j++) {
      if (ligatures[j].c == c)
        break;
    }
    if (j < G_N_ELEMENTS (ligatures))
      append_utf8 (out, ligatures[j].s, -1);
    else
      g_array_append_val (out, c);
  }
  g_array_free (in, TRUE);
  return out;
}

static Chars *
step_fix_character_width (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (c == 0x3000) {
      c = ' ';
      g_array_append_val (out, c);
    } else if (c >= 0xff01 && c < 0xfff0) {
      gchar buf[8];
      gint n = g_unichar_to_utf8 (c, buf);
      gchar *nfkc = g_utf8_normalize (buf, n, G_NORMALIZE_NFKC);

      append_utf8 (out, nfkc ? nfkc : buf, nfkc ? -1 : n);
      g_free (nfkc);
    } else {
      g_array_append_val (out, c);
    }
  }
  g_array_free (in, TRUE);
  return out;
}

static Chars *
step_uncurl_quotes (Chars * in)
{
  guint i;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (c == 0x02bc || (c >= 0x2018 && c <= 0x201b))
      CH (in, i) = '\'';
    else if (c >= 0x201c && c <= 0x201f)
      CH (in, i) = '"';
  }
  return in;
}

static Chars *
step_fix_line_breaks (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (c == '\r' && i + 1 < in->len && CH (in, i + 1) == '\n')
      continue;                 /* "\r\n" -> "\n" */
    if (c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85)
      c = '\n';
    g_array_append_val (out, c);
  }
  g_array_free (in, TRUE);
  return out;
}

/* ANSI_RE = "\033\[((?:\d|;)*)([a-zA-Z])"; \d is any Unicode digit */
static Chars *
step_remove_terminal_escapes (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i, k;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (c == 0x1b && i + 1 < in->len && CH (in, i + 1) == '[') {
      for (k = i + 2; k < in->len; k++) {
        gunichar d = CH (in, k);

        if (d != ';' && g_unichar_type (d) != G_UNICODE_DECIMAL_NUMBER)
          break;
      }
      if (k < in->len && CH (in, k) < 0x80 && g_ascii_isalpha (CH (in, k))) {
        i = k;
        continue;
      }
    }
    g_array_append_val (out, c);
  }
  g_array_free (in, TRUE);
  return out;
}

static gboolean
is_ftfy_control (gunichar c)
{
  return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1f) || c == 0x7f ||
      (c >= 0x206a && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9
      && c <= 0xfffc);
}

static Chars *
step_remove_control_chars (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i;

  for (i = 0; i < in->len; i++) {
    if (!is_ftfy_control (CH (in, i)))
      g_array_append_val (out, CH (in, i));
  }
  g_array_free (in, TRUE);
  return out;
}

static Chars *
step_nfc (Chars * in)
{
  gchar *s = chars_to_utf8 (in), *nfc;
  Chars *out;

  nfc = g_utf8_normalize (s, -1, G_NORMALIZE_NFC);
  if (nfc == NULL) {
    g_free (s);
    return in;
  }
  out = chars_from_utf8 (nfc, -1);
  g_free (nfc);
  g_free (s);
  g_array_free (in, TRUE);
  return out;
}

static const Step fix_steps[] = {
  step_fix_c1_controls,
  step_fix_latin_ligatures,
  step_fix_character_width,
  step_uncurl_quotes,
  step_fix_line_breaks,
  step_remove_terminal_escapes,
  step_remove_control_chars,
  step_nfc,
};

/* ftfy's fix_and_explain: the steps until a pass changes nothing */
static Chars *
fix_segment (Chars * text, gboolean unescape_html)
{
  for (;;) {
    Chars *orig = g_array_copy (text);
    guint i;

    if (unescape_html)
      text = step_unescape_html (text);
    for (i = 0; i < G_N_ELEMENTS (fix_steps); i++)
      text = fix_steps[i] (text);
    if (chars_equal (text, orig)) {
      g_array_free (orig, TRUE);
      return text;
    }
    g_array_free (orig, TRUE);
  }
}

/* ftfy's fix_text: line by line; once a line holds '<' (so may be HTML),
 * entities are left alone from there on */
static Chars *
ftfy_fix (const Chars * text)
{
  Chars *out = chars_new (text->len);
  gboolean unescape_html = TRUE;
  guint pos = 0, end, i;

  while (pos < text->len) {
    Chars *seg;

    end = pos;
    while (end < text->len && CH (text, end) != '\n')
      end++;
    if (end < text->len)
      end++;                    /* the '\n' stays with its line */
    seg = chars_new (end - pos);
    g_array_append_vals (seg, &CH (text, pos), end - pos);
    for (i = 0; unescape_html && i < seg->len; i++) {
      if (CH (seg, i) == '<')
        unescape_html = FALSE;
    }
    seg = fix_segment (seg, unescape_html);
    g_array_append_vals (out, seg->data, seg->len);
    g_array_free (seg, TRUE);
    pos = end;
  }
  return out;
}

/* ---- Python's whitespace ---- */

/* str.isspace */
static gboolean
py_isspace (gunichar c)
{
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85
      || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a)
      || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
      || c == 0x3000;
}

/* the regex module's \s: Unicode White_Space */
static gboolean
regex_isspace (gunichar c)
{
  return py_isspace (c) && !(c >= 0x1c && c <= 0x1f);
}

static Chars *
py_strip (Chars * in)
{
  guint a = 0, b = in->len;

  while (a < b && py_isspace (CH (in, a)))
    a++;
  while (b > a && py_isspace (CH (in, b - 1)))
    b--;
  g_array_remove_range (in, b, in->len - b);
  g_array_remove_range (in, 0, a);
  return in;
}

static Chars *
collapse_whitespace (Chars * in)
{
  Chars *out = chars_new (in->len);
  guint i;

  for (i = 0; i < in->len; i++) {
    gunichar c = CH (in, i);

    if (regex_isspace (c)) {
      c = ' ';
      while (i + 1 < in->len && regex_isspace (CH (in, i + 1)))
        i++;
    }
    g_array_append_val (out, c);
  }
  g_array_free (in, TRUE);
  return out;
}

static Chars *
html_unescape (Chars * in)
{
  Chars *out = chars_new (in->len);

  la_html_unescape ((const gunichar *) in->data, in->len, out);
  g_array_free (in, TRUE);
  return out;
}

gchar *
la_text_clean_whitespace (const gchar * text)
{
  Chars *in, *c;
  gchar *out;

  g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);

  in = chars_from_utf8 (text, -1);
  /* basic_clean */
  c = ftfy_fix (in);
  g_array_free (in, TRUE);
  c = html_unescape (html_unescape (c));
  c = py_strip (c);
  /* whitespace_clean */
  c = py_strip (collapse_whitespace (c));

  out = chars_to_utf8 (c);
  g_array_free (c, TRUE);
  return out;
}

gchar *
la_text_ftfy_fix (const gchar * text)
{
  Chars *in, *c;
  gchar *out;

  g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);

  in = chars_from_utf8 (text, -1);
  c = ftfy_fix (in);
  out = chars_to_utf8 (c);
  g_array_free (in, TRUE);
  g_array_free (c, TRUE);
  return out;
}

gchar *
la_text_html_unescape (const gchar * text)
{
  Chars *c;
  gchar *out;

  g_return_val_if_fail (g_utf8_validate (text, -1, NULL), NULL);

  c = html_unescape (chars_from_utf8 (text, -1));
  out = chars_to_utf8 (c);
  g_array_free (c, TRUE);
  return out;
}
