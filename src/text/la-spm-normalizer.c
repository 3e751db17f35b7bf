/* liveavatar: SentencePiece's normalizer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-spm-normalizer.h"

#include <string.h>

#define SPACE_SYMBOL "\xe2\x96\x81"     /* U+2581 */
#define SPACE_SYMBOL_LEN 3
#define REPLACEMENT_CHAR "\xef\xbf\xbd" /* U+FFFD */

static inline gboolean
is_trail (guint8 c)
{
  return (c & 0xc0) == 0x80;
}

static inline gboolean
is_valid_codepoint (guint32 c)
{
  return c < 0xd800 || (c >= 0xe000 && c <= 0x10ffff);
}

/* sentencepiece util.cc DecodeUTF8 + IsValidDecodeUTF8: shortest forms
 * only, no surrogates, nothing above U+10FFFF. */
gsize
la_spm_utf8_char_len (const gchar * str, gsize len)
{
  const guint8 *s = (const guint8 *) str;
  guint32 cp;

  if (s[0] < 0x80)
    return 1;
  if (len >= 2 && (s[0] & 0xe0) == 0xc0) {
    cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    return is_trail (s[1]) && cp >= 0x80 && is_valid_codepoint (cp) ? 2 : 0;
  }
  if (len >= 3 && (s[0] & 0xf0) == 0xe0) {
    cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    return is_trail (s[1]) && is_trail (s[2]) && cp >= 0x800 &&
        is_valid_codepoint (cp) ? 3 : 0;
  }
  if (len >= 4 && (s[0] & 0xf8) == 0xf0) {
    cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) |
        ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    return is_trail (s[1]) && is_trail (s[2]) && is_trail (s[3]) &&
        cp >= 0x10000 && is_valid_codepoint (cp) ? 4 : 0;
  }
  return 0;
}

/* NormalizePrefix: what the text at @input turns into (*out, *out_len) and
 * how many bytes that consumes (the return value, > 0), or -1 on error. */
static gssize
normalize_prefix (const LaSpmNormalizer * n, const gchar * input, gsize len,
    const gchar ** out, gsize * out_len, GError ** error)
{
  gsize longest = 0, i, max, char_len;
  gssize matched;
  guint32 h = LA_SPM_HASH_INIT;

  /* user-defined symbols pass through untouched */
  max = MIN (len, la_spm_table_max_len (n->user_defined));
  for (i = 0; i < max; i++) {
    h = la_spm_hash_step (h, (guint8) input[i]);
    if (la_spm_table_lookup_hashed (n->user_defined, h, input, i + 1) >= 0)
      longest = i + 1;
  }
  if (longest > 0) {
    *out = input;
    *out_len = longest;
    return (gssize) longest;
  }

  matched = la_spm_charsmap_match (&n->charsmap, input, len, out, out_len,
      error);
  if (matched != 0)
    return matched;

  char_len = la_spm_utf8_char_len (input, len);
  if (char_len == 0) {
    *out = REPLACEMENT_CHAR;
    *out_len = 3;
    return 1;
  }
  *out = input;
  *out_len = char_len;
  return (gssize) char_len;
}

static void
add_ws (const LaSpmNormalizer * n, GString * out)
{
  if (n->escape_whitespaces)
    g_string_append_len (out, SPACE_SYMBOL, SPACE_SYMBOL_LEN);
  else
    g_string_append_c (out, ' ');
}

gboolean
la_spm_normalizer_normalize (const LaSpmNormalizer * n, const gchar * input,
    gsize len, GString * out, GError ** error)
{
  gsize start = out->len, i;
  const gchar *sp;
  gsize sp_len;
  gssize consumed;
  gboolean is_prev_space;

  if (len == 0)
    return TRUE;

  if (n->remove_extra_whitespaces) {
    while (len > 0) {
      consumed = normalize_prefix (n, input, len, &sp, &sp_len, error);
      if (consumed < 0)
        return FALSE;
      if (!(sp_len == 1 && sp[0] == ' '))
        break;
      input += consumed;
      len -= consumed;
    }
  }
  if (len == 0)
    return TRUE;

  if (!n->treat_whitespace_as_suffix && n->add_dummy_prefix)
    add_ws (n, out);

  is_prev_space = n->remove_extra_whitespaces;
  while (len > 0) {
    consumed = normalize_prefix (n, input, len, &sp, &sp_len, error);
    if (consumed < 0)
      goto failed;

    while (is_prev_space && sp_len > 0 && sp[0] == ' ') {
      sp++;
      sp_len--;
    }
    if (sp_len > 0) {
      for (i = 0; i < sp_len; i++) {
        if (n->escape_whitespaces && sp[i] == ' ')
          g_string_append_len (out, SPACE_SYMBOL, SPACE_SYMBOL_LEN);
        else
          g_string_append_c (out, sp[i]);
      }
      is_prev_space = sp[sp_len - 1] == ' ';
    }

    input += consumed;
    len -= consumed;
    if (!n->remove_extra_whitespaces)
      is_prev_space = FALSE;
  }

  if (n->remove_extra_whitespaces) {
    const gchar *space = n->escape_whitespaces ? SPACE_SYMBOL : " ";
    gsize space_len = n->escape_whitespaces ? SPACE_SYMBOL_LEN : 1;

    while (out->len - start >= space_len &&
        memcmp (out->str + out->len - space_len, space, space_len) == 0)
      g_string_truncate (out, out->len - space_len);
  }

  if (n->treat_whitespace_as_suffix && n->add_dummy_prefix)
    add_ws (n, out);

  return TRUE;

  /* ERRORS */
failed:
  {
    g_string_truncate (out, start);
    return FALSE;
  }
}
