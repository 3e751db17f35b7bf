/* liveavatar: SentencePiece's unigram segmentation
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Viterbi over the pieces of a normalised string, a port of
 * sentencepiece's unigram::Model::EncodeOptimized (v0.1.97), the encoder
 * its EncodeAsIds uses. The best path is kept per byte position; pieces
 * starting at each character are tried shortest first, and a later one
 * replaces the best only when strictly better, so ties resolve as there.
 * The arithmetic types follow the C++ too: a piece's path score is summed
 * in double and stored as float, an unknown character's in float. Unused
 * pieces are never chosen; a user-defined symbol scores
 * length * max_score - 0.1 (max_score starts from FLT_MIN, as there); a
 * character no piece covers costs min_score - 10 as <unk>.
 */

#ifndef __LA_SPM_UNIGRAM_H__
#define __LA_SPM_UNIGRAM_H__

#include "la-spm-model.h"
#include "la-spm-table.h"

G_BEGIN_DECLS

typedef struct
{
  const LaSpmTable *pieces;     /* NORMAL, USER_DEFINED, UNUSED */
  const LaSpmPiece *vocab;      /* indexed by id */
  gfloat min_score;
  gfloat max_score;
  gint32 unk_id;
} LaSpmUnigram;

typedef struct
{
  gsize begin;                  /* byte range in the normalised string */
  gsize end;
  gint32 id;
} LaSpmToken;

/* Appends the best segmentation of @normalized to @tokens (LaSpmToken). */
void la_spm_unigram_encode (const LaSpmUnigram * u,
    const gchar * normalized, gsize size, GArray * tokens);

G_END_DECLS
#endif /* __LA_SPM_UNIGRAM_H__ */
