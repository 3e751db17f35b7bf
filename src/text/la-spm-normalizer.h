/* liveavatar: SentencePiece's normalizer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A port of sentencepiece's normalizer.cc (Normalizer::Normalize and
 * NormalizePrefix, v0.1.97), byte for byte: at each position the longest
 * user-defined symbol is kept verbatim, else the longest precompiled-map
 * rule is applied, else one UTF-8 character is copied (a malformed byte
 * becomes U+FFFD, consuming that one byte). Around that: leading, trailing
 * and repeated spaces dropped (remove_extra_whitespaces), a space added in
 * front (add_dummy_prefix; behind with treat_whitespace_as_suffix), and
 * spaces written as U+2581 "▁" (escape_whitespaces).
 */

#ifndef __LA_SPM_NORMALIZER_H__
#define __LA_SPM_NORMALIZER_H__

#include "la-spm-charsmap.h"
#include "la-spm-table.h"

G_BEGIN_DECLS

typedef struct
{
  LaSpmCharsmap charsmap;
  const LaSpmTable *user_defined;       /* borrowed; may be empty */
  gboolean add_dummy_prefix;
  gboolean remove_extra_whitespaces;
  gboolean escape_whitespaces;
  gboolean treat_whitespace_as_suffix;
} LaSpmNormalizer;

/* Appends the normalised form of @input to @out. Fails only on a charsmap
 * that points outside itself (LA_ERROR_MODEL_INVALID). */
gboolean la_spm_normalizer_normalize (const LaSpmNormalizer * n,
    const gchar * input, gsize len, GString * out, GError ** error);

/* Length of the UTF-8 character at @s as sentencepiece's DecodeUTF8 sees it
 * (@len > 0 bytes available); 0 when malformed. */
gsize la_spm_utf8_char_len (const gchar * s, gsize len);

G_END_DECLS
#endif /* __LA_SPM_NORMALIZER_H__ */
