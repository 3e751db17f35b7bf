/* liveavatar: SentencePiece's ModelProto (the .model file)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Field numbers from sentencepiece_model.proto (v0.1.97):
 *   ModelProto: 1 pieces, 2 trainer_spec, 3 normalizer_spec
 *   SentencePiece: 1 piece, 2 score (float), 3 type
 *   TrainerSpec: 3 model_type, 24 treat_whitespace_as_suffix,
 *     35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id
 *   NormalizerSpec: 1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
 *     4 remove_extra_whitespaces, 5 escape_whitespaces */

#include "config.h"

#include "la-spm-model.h"
#include "la-protobuf.h"
#include "liveavatar.h"

static gboolean
parse_piece (const guint8 * data, gsize size, LaSpmPiece * piece,
    GError ** error)
{
  LaPbReader r;
  LaPbField f;
  GError *err = NULL;

  la_pb_reader_init (&r, data, size);
  while (la_pb_reader_next (&r, &f, &err)) {
    switch (f.number) {
      case 1:
        if (!la_pb_field_expect (&f, LA_PB_BYTES, "piece", &err))
          goto failed;
        piece->piece = (const gchar *) f.data;
        piece->len = f.size;
        break;
      case 2:
        if (!la_pb_field_expect (&f, LA_PB_FIXED32, "score", &err))
          goto failed;
        piece->score = la_pb_field_float (&f);
        break;
      case 3:
        if (!la_pb_field_expect (&f, LA_PB_VARINT, "type", &err))
          goto failed;
        if (f.value < LA_SPM_PIECE_NORMAL || f.value > LA_SPM_PIECE_BYTE)
          goto bad_type;
        piece->type = (LaSpmPieceType) f.value;
        break;
      default:
        break;
    }
  }
  if (err != NULL)
    goto failed;
  return TRUE;

  /* ERRORS */
failed:
  {
    g_propagate_error (error, err);
    return FALSE;
  }
bad_type:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "unknown piece type %" G_GUINT64_FORMAT, f.value);
    return FALSE;
  }
}

static gboolean
parse_trainer_spec (const guint8 * data, gsize size, LaSpmModel * m,
    GError ** error)
{
  LaPbReader r;
  LaPbField f;
  GError *err = NULL;

  la_pb_reader_init (&r, data, size);
  while (la_pb_reader_next (&r, &f, &err)) {
    gint32 *id = NULL;

    switch (f.number) {
      case 3:
        if (!la_pb_field_expect (&f, LA_PB_VARINT, "model_type", &err))
          goto failed;
        m->model_type = (LaSpmModelType) MIN (f.value, G_MAXINT);
        break;
      case 24:
        if (!la_pb_field_expect (&f, LA_PB_VARINT,
                "treat_whitespace_as_suffix", &err))
          goto failed;
        m->treat_whitespace_as_suffix = f.value != 0;
        break;
      case 35:
        if (!la_pb_field_expect (&f, LA_PB_VARINT, "byte_fallback", &err))
          goto failed;
        m->byte_fallback = f.value != 0;
        break;
      case 40:
        id = &m->unk_id;
        break;
      case 41:
        id = &m->bos_id;
        break;
      case 42:
        id = &m->eos_id;
        break;
      case 43:
        id = &m->pad_id;
        break;
      default:
        break;
    }
    if (id != NULL) {
      if (!la_pb_field_expect (&f, LA_PB_VARINT, "special id", &err))
        goto failed;
      /* int32 travels sign-extended to 64 bits */
      *id = (gint32) (guint32) f.value;
    }
  }
  if (err != NULL)
    goto failed;
  return TRUE;

  /* ERRORS */
failed:
  {
    g_prefix_error (&err, "trainer_spec: ");
    g_propagate_error (error, err);
    return FALSE;
  }
}

static gboolean
parse_normalizer_spec (const guint8 * data, gsize size, LaSpmModel * m,
    GError ** error)
{
  LaPbReader r;
  LaPbField f;
  GError *err = NULL;

  la_pb_reader_init (&r, data, size);
  while (la_pb_reader_next (&r, &f, &err)) {
    gboolean *flag = NULL;

    switch (f.number) {
      case 1:
        if (!la_pb_field_expect (&f, LA_PB_BYTES, "name", &err))
          goto failed;
        m->normalizer_name = (const gchar *) f.data;
        m->normalizer_name_len = f.size;
        break;
      case 2:
        if (!la_pb_field_expect (&f, LA_PB_BYTES, "precompiled_charsmap", &err))
          goto failed;
        m->precompiled_charsmap = f.data;
        m->precompiled_charsmap_size = f.size;
        break;
      case 3:
        flag = &m->add_dummy_prefix;
        break;
      case 4:
        flag = &m->remove_extra_whitespaces;
        break;
      case 5:
        flag = &m->escape_whitespaces;
        break;
      default:
        break;
    }
    if (flag != NULL) {
      if (!la_pb_field_expect (&f, LA_PB_VARINT, "flag", &err))
        goto failed;
      *flag = f.value != 0;
    }
  }
  if (err != NULL)
    goto failed;
  return TRUE;

  /* ERRORS */
failed:
  {
    g_prefix_error (&err, "normalizer_spec: ");
    g_propagate_error (error, err);
    return FALSE;
  }
}

LaSpmModel *
la_spm_model_parse (const guint8 * data, gsize size, GError ** error)
{
  LaSpmModel *m = g_new0 (LaSpmModel, 1);
  GArray *pieces = g_array_new (FALSE, TRUE, sizeof (LaSpmPiece));
  LaPbReader r;
  LaPbField f;
  GError *err = NULL;

  /* proto2 defaults */
  m->model_type = LA_SPM_MODEL_UNIGRAM;
  m->unk_id = 0;
  m->bos_id = 1;
  m->eos_id = 2;
  m->pad_id = -1;
  m->add_dummy_prefix = TRUE;
  m->remove_extra_whitespaces = TRUE;
  m->escape_whitespaces = TRUE;

  la_pb_reader_init (&r, data, size);
  while (la_pb_reader_next (&r, &f, &err)) {
    switch (f.number) {
      case 1:{
        LaSpmPiece p = { NULL, 0, 0.0f, LA_SPM_PIECE_NORMAL };

        if (!la_pb_field_expect (&f, LA_PB_BYTES, "pieces", &err))
          goto failed;
        if (pieces->len >= G_MAXINT32)
          goto too_many;
        if (!parse_piece (f.data, f.size, &p, &err)) {
          g_prefix_error (&err, "piece %u: ", pieces->len);
          goto failed;
        }
        g_array_append_val (pieces, p);
        break;
      }
      case 2:
        if (!la_pb_field_expect (&f, LA_PB_BYTES, "trainer_spec", &err) ||
            !parse_trainer_spec (f.data, f.size, m, &err))
          goto failed;
        break;
      case 3:
        if (!la_pb_field_expect (&f, LA_PB_BYTES, "normalizer_spec", &err)
            || !parse_normalizer_spec (f.data, f.size, m, &err))
          goto failed;
        break;
      default:
        break;
    }
  }
  if (err != NULL)
    goto failed;

  m->n_pieces = pieces->len;
  m->pieces = (LaSpmPiece *) g_array_free (pieces, FALSE);
  return m;

  /* ERRORS */
failed:
  {
    g_propagate_error (error, err);
    g_array_free (pieces, TRUE);
    g_free (m);
    return NULL;
  }
too_many:
  {
    g_set_error_literal (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "too many pieces");
    g_array_free (pieces, TRUE);
    g_free (m);
    return NULL;
  }
}

void
la_spm_model_free (LaSpmModel * model)
{
  if (model == NULL)
    return;
  g_free (model->pieces);
  g_free (model);
}
