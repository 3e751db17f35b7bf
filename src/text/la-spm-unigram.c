/* liveavatar: SentencePiece's unigram segmentation
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-spm-unigram.h"

#define UNK_PENALTY 10.0f

typedef struct
{
  gint32 id;
  gfloat score;                 /* best path score ending here */
  gssize starts_at;             /* -1: no path ends here yet */
} BestPath;

/* sentencepiece's OneCharLen: the length the lead byte announces */
static gsize
one_char_len (guint8 c)
{
  static const guint8 table[16] =
      { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };

  return table[c >> 4];
}

void
la_spm_unigram_encode (const LaSpmUnigram * u, const gchar * normalized,
    gsize size, GArray * tokens)
{
  const gfloat unk_score = u->min_score - UNK_PENALTY;
  gsize max_len = la_spm_table_max_len (u->pieces);
  BestPath *best;
  gsize starts_at, ends_at, i, n_tokens, first;

  if (size == 0)
    return;

  best = g_new (BestPath, size + 1);
  for (i = 0; i <= size; i++) {
    best[i].id = -1;
    best[i].score = 0.0f;
    best[i].starts_at = -1;
  }

  starts_at = 0;
  while (starts_at < size) {
    const gfloat till_here = best[starts_at].score;
    const gchar *key = normalized + starts_at;
    gsize mblen = MIN (one_char_len ((guint8) * key), size - starts_at);
    gsize limit = MIN (max_len, size - starts_at);
    gboolean has_single_node = FALSE;
    guint32 h = LA_SPM_HASH_INIT;
    gsize length;

    for (length = 1; length <= limit; length++) {
      BestPath *target;
      gint32 id;
      gdouble score, candidate;

      h = la_spm_hash_step (h, (guint8) key[length - 1]);
      id = la_spm_table_lookup_hashed (u->pieces, h, key, length);
      if (id < 0 || u->vocab[id].type == LA_SPM_PIECE_UNUSED)
        continue;

      if (u->vocab[id].type == LA_SPM_PIECE_USER_DEFINED)
        score = (gfloat) length *u->max_score - 0.1;
      else
        score = u->vocab[id].score;
      candidate = score + till_here;
      target = &best[starts_at + length];
      if (target->starts_at == -1 || candidate > target->score) {
        target->score = (gfloat) candidate;
        target->starts_at = (gssize) starts_at;
        target->id = id;
      }
      if (length == mblen)
        has_single_node = TRUE;
    }

    if (!has_single_node) {
      BestPath *target = &best[starts_at + mblen];
      gfloat candidate = unk_score + till_here;

      if (target->starts_at == -1 || candidate > target->score) {
        target->score = candidate;
        target->starts_at = (gssize) starts_at;
        target->id = u->unk_id;
      }
    }
    starts_at += mblen;
  }

  /* backtrack, then reverse the tokens just appended */
  first = tokens->len;
  ends_at = size;
  while (ends_at > 0 && best[ends_at].starts_at >= 0) {
    LaSpmToken t;

    t.begin = (gsize) best[ends_at].starts_at;
    t.end = ends_at;
    t.id = best[ends_at].id;
    g_array_append_val (tokens, t);
    ends_at = t.begin;
  }
  n_tokens = tokens->len - first;
  for (i = 0; i < n_tokens / 2; i++) {
    LaSpmToken *a = &g_array_index (tokens, LaSpmToken, first + i);
    LaSpmToken *b = &g_array_index (tokens, LaSpmToken, tokens->len - 1 - i);
    LaSpmToken tmp = *a;

    *a = *b;
    *b = tmp;
  }

  g_free (best);
}
