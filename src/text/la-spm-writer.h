/* liveavatar: writing SentencePiece unigram models
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Builds a ModelProto (sentencepiece_model.proto) for a unigram model from
 * a list of pieces, ids in the order added:
 *
 *   pieces            piece, score, type (NORMAL, UNKNOWN, CONTROL, BYTE,
 *                     ...), as spm_train writes them
 *   trainer_spec      model_type UNIGRAM, vocab_size, byte_fallback (set
 *                     when byte pieces were added), and the special ids:
 *                     unk_id the UNKNOWN piece, bos/eos/pad_id the pieces
 *                     <s>, </s>, <pad> (-1 when absent)
 *   normalizer_spec   "identity" (no precompiled charsmap), with a dummy
 *                     prefix, extra whitespace removed, spaces as U+2581
 *
 * which la-spm.h and the sentencepiece library both load. The checks
 * sentencepiece makes on load are made here (a non-empty unique piece of
 * valid UTF-8, exactly one UNKNOWN, at least one NORMAL, byte pieces all
 * 256 when any), so a file written here always loads.
 *
 * Usage (umT5's special ids):
 *
 *   LaSpmWriter *w = la_spm_writer_new ();
 *   la_spm_writer_add (w, "<pad>", 0, LA_SPM_PIECE_CONTROL, NULL);
 *   la_spm_writer_add (w, "</s>", 0, LA_SPM_PIECE_CONTROL, NULL);
 *   la_spm_writer_add (w, "<unk>", 0, LA_SPM_PIECE_UNKNOWN, NULL);
 *   la_spm_writer_add_bytes (w, NULL);
 *   la_spm_writer_add (w, "\xe2\x96\x81the", -3.5f, LA_SPM_PIECE_NORMAL, &err);
 *   ok = la_spm_writer_save (w, "spiece.model", &err);
 *   la_spm_writer_free (w);
 */

#ifndef __LA_SPM_WRITER_H__
#define __LA_SPM_WRITER_H__

#include <glib.h>

#include "la-spm-model.h"

G_BEGIN_DECLS

typedef struct _LaSpmWriter LaSpmWriter;

LaSpmWriter *la_spm_writer_new (void);
void la_spm_writer_free (LaSpmWriter * w);

/* The next id. An empty, duplicate or invalid UTF-8 piece, a second
 * UNKNOWN or a BYTE piece (use la_spm_writer_add_bytes) is
 * LA_ERROR_INVALID_ARGUMENT. */
gboolean la_spm_writer_add (LaSpmWriter * w, const gchar * piece,
    gfloat score, LaSpmPieceType type, GError ** error);

/* the 256 byte pieces <0x00>..<0xFF> (score 0), as the next ids; once */
gboolean la_spm_writer_add_bytes (LaSpmWriter * w, GError ** error);

guint la_spm_writer_get_n_pieces (LaSpmWriter * w);

/* The serialised ModelProto; LA_ERROR_INVALID_ARGUMENT without an UNKNOWN
 * or a NORMAL piece. */
GBytes *la_spm_writer_to_bytes (LaSpmWriter * w, GError ** error);

/* errors writing are LA_ERROR_FAILED naming the path */
gboolean la_spm_writer_save (LaSpmWriter * w, const gchar * path,
    GError ** error);

G_END_DECLS

#endif /* __LA_SPM_WRITER_H__ */
