/* liveavatar: SentencePiece's ModelProto (the .model file)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The fields of sentencepiece_model.proto that encoding needs, with the
 * proto2 defaults for absent ones; everything else (the rest of the trainer
 * spec, self-test data, the denormalizer) is skipped. Repeated occurrences
 * of an embedded message merge and a repeated scalar keeps the last value,
 * as protobuf's own parser does. Strings point into the caller's buffer.
 */

#ifndef __LA_SPM_MODEL_H__
#define __LA_SPM_MODEL_H__

#include <glib.h>

G_BEGIN_DECLS

/* ModelProto.SentencePiece.Type */
    typedef enum
{
  LA_SPM_PIECE_NORMAL = 1,
  LA_SPM_PIECE_UNKNOWN = 2,
  LA_SPM_PIECE_CONTROL = 3,
  LA_SPM_PIECE_USER_DEFINED = 4,
  LA_SPM_PIECE_UNUSED = 5,
  LA_SPM_PIECE_BYTE = 6
} LaSpmPieceType;

/* TrainerSpec.ModelType */
typedef enum
{
  LA_SPM_MODEL_UNIGRAM = 1,
  LA_SPM_MODEL_BPE = 2,
  LA_SPM_MODEL_WORD = 3,
  LA_SPM_MODEL_CHAR = 4
} LaSpmModelType;

typedef struct
{
  const gchar *piece;           /* not NUL-terminated */
  gsize len;
  gfloat score;
  LaSpmPieceType type;
} LaSpmPiece;

typedef struct
{
  LaSpmPiece *pieces;           /* index = id */
  guint n_pieces;

  /* trainer_spec */
  LaSpmModelType model_type;
  gint32 unk_id, bos_id, eos_id, pad_id;
  gboolean byte_fallback;
  gboolean treat_whitespace_as_suffix;

  /* normalizer_spec */
  const gchar *normalizer_name; /* not NUL-terminated */
  gsize normalizer_name_len;
  const guint8 *precompiled_charsmap;
  gsize precompiled_charsmap_size;
  gboolean add_dummy_prefix;
  gboolean remove_extra_whitespaces;
  gboolean escape_whitespaces;
} LaSpmModel;

/* Parses the wire format only; la_spm_new() checks the vocabulary. Errors
 * are LA_ERROR_MODEL_INVALID without a file name. */
LaSpmModel *la_spm_model_parse (const guint8 * data, gsize size,
    GError ** error);
void la_spm_model_free (LaSpmModel * model);

G_END_DECLS
#endif /* __LA_SPM_MODEL_H__ */
