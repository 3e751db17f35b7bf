/* liveavatar: SentencePiece's precompiled character map
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The unit layout is darts-clone's DoubleArrayUnit (darts.h): bit 8 says a
 * leaf hangs below the unit, the low 8 bits (plus bit 31, set on leaves) are
 * the label, bits 10.. are the offset to the children, shifted left by 8
 * more when bit 9 is set; a leaf's low 31 bits are its value. Walking a key
 * XORs the position with the offset and then with each byte. */

#include "config.h"

#include "la-spm-charsmap.h"
#include "liveavatar.h"

#include <string.h>

static inline gboolean
unit_has_leaf (guint32 u)
{
  return (u >> 8) & 1;
}

static inline guint32
unit_value (guint32 u)
{
  return u & ((1u << 31) - 1);
}

static inline guint32
unit_label (guint32 u)
{
  return u & ((1u << 31) | 0xff);
}

static inline guint32
unit_offset (guint32 u)
{
  return (u >> 10) << ((u & (1u << 9)) >> 6);
}

gboolean
la_spm_charsmap_init (LaSpmCharsmap * cm, const guint8 * blob, gsize size,
    GError ** error)
{
  guint32 trie_size;
  gsize i;

  memset (cm, 0, sizeof (*cm));
  if (size == 0)
    return TRUE;

  if (size <= 4)
    goto broken;
  trie_size = (guint32) blob[0] | ((guint32) blob[1] << 8) |
      ((guint32) blob[2] << 16) | ((guint32) blob[3] << 24);
  if (trie_size > size - 4)
    goto too_big;
  /* darts-clone is given trie_size / 4 units; a stray tail is ignored */
  cm->n_units = trie_size / 4;
  if (cm->n_units == 0)
    goto empty;
  cm->units = g_new (guint32, cm->n_units);
  for (i = 0; i < cm->n_units; i++) {
    const guint8 *p = blob + 4 + 4 * i;

    cm->units[i] = (guint32) p[0] | ((guint32) p[1] << 8) |
        ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
  }
  cm->replacements = (const gchar *) blob + 4 + trie_size;
  cm->replacements_size = size - 4 - trie_size;
  return TRUE;

  /* ERRORS */
broken:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "precompiled_charsmap of %" G_GSIZE_FORMAT " bytes is too short", size);
    return FALSE;
  }
too_big:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "precompiled_charsmap: trie of %u bytes exceeds the %" G_GSIZE_FORMAT
        " bytes of the map", trie_size, size - 4);
    return FALSE;
  }
empty:
  {
    g_set_error_literal (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "precompiled_charsmap: empty trie");
    return FALSE;
  }
}

void
la_spm_charsmap_clear (LaSpmCharsmap * cm)
{
  g_free (cm->units);
  memset (cm, 0, sizeof (*cm));
}

gssize
la_spm_charsmap_match (const LaSpmCharsmap * cm, const gchar * input,
    gsize len, const gchar ** replacement, gsize * replacement_len,
    GError ** error)
{
  gsize longest = 0, i;
  guint32 value = 0, pos, unit;
  const gchar *r, *nul;

  if (cm->units == NULL || len == 0)
    return 0;

  /* darts-clone commonPrefixSearch, keeping the longest hit */
  pos = unit_offset (cm->units[0]);
  for (i = 0; i < len; i++) {
    guint8 c = (guint8) input[i];

    pos ^= c;
    if (pos >= cm->n_units)
      break;
    unit = cm->units[pos];
    if (unit_label (unit) != c)
      break;
    pos ^= unit_offset (unit);
    if (unit_has_leaf (unit)) {
      if (pos >= cm->n_units)
        goto out_of_range;
      longest = i + 1;
      value = unit_value (cm->units[pos]);
    }
  }
  if (longest == 0)
    return 0;

  if (value >= cm->replacements_size)
    goto bad_value;
  r = cm->replacements + value;
  nul = memchr (r, '\0', cm->replacements_size - value);
  *replacement = r;
  *replacement_len = nul ? (gsize) (nul - r) : cm->replacements_size - value;
  return (gssize) longest;

  /* ERRORS */
out_of_range:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "precompiled_charsmap: trie leaf %u outside its %" G_GSIZE_FORMAT
        " units", pos, cm->n_units);
    return -1;
  }
bad_value:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "precompiled_charsmap: replacement offset %u outside its %"
        G_GSIZE_FORMAT " bytes", value, cm->replacements_size);
    return -1;
  }
}
