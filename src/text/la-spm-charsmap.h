/* liveavatar: SentencePiece's precompiled character map
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * NormalizerSpec.precompiled_charsmap is
 *   <trie size: u32 LE> <Darts-clone double array: trie size bytes>
 *   <replacements: NUL-separated UTF-8 strings>
 * (sentencepiece normalizer.cc, EncodePrecompiledCharsMap). The trie maps
 * an input byte sequence to the offset of its replacement; normalisation
 * replaces the longest matching prefix. An empty replacement deletes the
 * input (how nmt_nfkc drops control characters).
 *
 * Every trie index and every offset is bounds-checked: a hostile map gives
 * an error, never a read outside the blob.
 */

#ifndef __LA_SPM_CHARSMAP_H__
#define __LA_SPM_CHARSMAP_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 *units;               /* host order */
  gsize n_units;
  const gchar *replacements;    /* borrowed from the blob */
  gsize replacements_size;
} LaSpmCharsmap;

/* @blob must outlive @cm (the replacement strings point into it). An empty
 * blob is valid and maps nothing. */
gboolean la_spm_charsmap_init (LaSpmCharsmap * cm, const guint8 * blob,
    gsize size, GError ** error);
void la_spm_charsmap_clear (LaSpmCharsmap * cm);

/* Longest rule matching a prefix of @input (@len bytes). Returns the number
 * of input bytes it covers, 0 when no rule matches; then *replacement and
 * *replacement_len describe what replaces them. Returns -1 with @error set
 * when the map points outside itself. */
gssize la_spm_charsmap_match (const LaSpmCharsmap * cm,
    const gchar * input, gsize len, const gchar ** replacement,
    gsize * replacement_len, GError ** error);

G_END_DECLS
#endif /* __LA_SPM_CHARSMAP_H__ */
