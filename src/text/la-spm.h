/* liveavatar: a SentencePiece unigram tokenizer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Loads a SentencePiece .model file (unigram models only) and turns text
 * into the ids sentencepiece's EncodeAsIds gives (v0.1.97, no extra
 * options: no BOS/EOS, no sampling): normalise, segment, then merge each
 * run of unknown pieces into one <unk>, or, with byte_fallback, spell each
 * unknown character as its UTF-8 byte pieces <0xXX>.
 *
 * Input need not be valid UTF-8: as in sentencepiece, each malformed byte
 * reads as U+FFFD (which is usually <unk>). The load refuses what
 * sentencepiece refuses (empty or duplicate pieces, no or two <unk>, byte
 * pieces without byte_fallback or an incomplete set with it) and any
 * malformed protobuf, with LA_ERROR_MODEL_INVALID naming the file;
 * non-unigram models give LA_ERROR_NOT_SUPPORTED. Self-test samples in the
 * file are not run. A loaded LaSpm is immutable: any thread may encode.
 */

#ifndef __LA_SPM_H__
#define __LA_SPM_H__

#include "la-spm-model.h"

G_BEGIN_DECLS

typedef struct _LaSpm LaSpm;

/* Copies @data. @display_name prefixes error messages. */
LaSpm *la_spm_new (const guint8 * data, gsize size,
    const gchar * display_name, GError ** error);
/* LA_ERROR_MODEL_NOT_FOUND when @path cannot be read. */
LaSpm *la_spm_new_from_file (const gchar * path, GError ** error);
void la_spm_free (LaSpm * spm);

guint la_spm_get_n_pieces (const LaSpm * spm);
gint32 la_spm_get_unk_id (const LaSpm * spm);
gboolean la_spm_get_byte_fallback (const LaSpm * spm);
/* NUL-terminated; NULL when @id is out of range */
const gchar *la_spm_id_to_piece (const LaSpm * spm, gint32 id);
LaSpmPieceType la_spm_get_piece_type (const LaSpm * spm, gint32 id);
/* sentencepiece's PieceToId: the unknown id when absent */
gint32 la_spm_piece_to_id (const LaSpm * spm, const gchar * piece, gssize len);
/* -1 when absent */
gint32 la_spm_find_piece (const LaSpm * spm, const gchar * piece, gssize len);

/* The normalised string (what the pieces are matched against). @len -1:
 * NUL-terminated. */
gchar *la_spm_normalize (const LaSpm * spm, const gchar * text,
    gssize len, gsize * out_len, GError ** error);

/* Appends the ids of @text to @ids (a GArray of gint32). */
gboolean la_spm_encode (const LaSpm * spm, const gchar * text,
    gssize len, GArray * ids, GError ** error);

G_END_DECLS
#endif /* __LA_SPM_H__ */
