/* liveavatar: writing SentencePiece unigram models
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Field numbers from sentencepiece_model.proto (v0.1.97), written in field
 * order as protobuf serialises: ModelProto 1 pieces, 2 trainer_spec,
 * 3 normalizer_spec; SentencePiece 1 piece, 2 score, 3 type (left out
 * for NORMAL, its default, as spm_train leaves it); TrainerSpec
 * 3 model_type, 4 vocab_size, 35 byte_fallback, 40-43 unk/bos/eos/pad_id;
 * NormalizerSpec 1 name, 3 add_dummy_prefix, 4 remove_extra_whitespaces,
 * 5 escape_whitespaces. */

#include "config.h"

#include "la-spm-writer.h"
#include "la-io-write.h"
#include "liveavatar.h"

#include <string.h>

typedef struct
{
  gchar *piece;
  gfloat score;
  LaSpmPieceType type;
} Piece;

struct _LaSpmWriter
{
  GArray *pieces;               /* Piece, index = id */
  GHashTable *ids;              /* piece -> id + 1, borrowed keys */
  gboolean has_unknown;
  gboolean has_bytes;
};

static void
piece_clear (gpointer p)
{
  g_free (((Piece *) p)->piece);
}

LaSpmWriter *
la_spm_writer_new (void)
{
  LaSpmWriter *w = g_new0 (LaSpmWriter, 1);

  w->pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  g_array_set_clear_func (w->pieces, piece_clear);
  w->ids = g_hash_table_new (g_str_hash, g_str_equal);
  return w;
}

void
la_spm_writer_free (LaSpmWriter * w)
{
  if (!w)
    return;
  g_hash_table_unref (w->ids);
  g_array_unref (w->pieces);
  g_free (w);
}

static gboolean
append (LaSpmWriter * w, const gchar * piece, gfloat score,
    LaSpmPieceType type, GError ** error)
{
  Piece p;

  if (!piece || !*piece || !g_utf8_validate (piece, -1, NULL)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: piece %u is empty or not UTF-8", w->pieces->len);
    return FALSE;
  }
  if (g_hash_table_contains (w->ids, piece)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: piece \"%s\" added twice", piece);
    return FALSE;
  }
  p.piece = g_strdup (piece);
  p.score = score;
  p.type = type;
  g_array_append_val (w->pieces, p);
  g_hash_table_insert (w->ids, p.piece, GUINT_TO_POINTER (w->pieces->len));
  return TRUE;
}

gboolean
la_spm_writer_add (LaSpmWriter * w, const gchar * piece, gfloat score,
    LaSpmPieceType type, GError ** error)
{
  if (type < LA_SPM_PIECE_NORMAL || type > LA_SPM_PIECE_UNUSED) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: piece \"%s\": type %d not allowed here",
        piece ? piece : "(null)", type);
    return FALSE;
  }
  if (type == LA_SPM_PIECE_UNKNOWN && w->has_unknown) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: a second unknown piece \"%s\"", piece ? piece : "(null)");
    return FALSE;
  }
  if (!append (w, piece, score, type, error))
    return FALSE;
  if (type == LA_SPM_PIECE_UNKNOWN)
    w->has_unknown = TRUE;
  return TRUE;
}

gboolean
la_spm_writer_add_bytes (LaSpmWriter * w, GError ** error)
{
  guint b;

  if (w->has_bytes) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: byte pieces added twice");
    return FALSE;
  }
  for (b = 0; b < 256; b++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", b);
    if (!append (w, name, 0.0f, LA_SPM_PIECE_BYTE, error))
      return FALSE;
  }
  w->has_bytes = TRUE;
  return TRUE;
}

guint
la_spm_writer_get_n_pieces (LaSpmWriter * w)
{
  return w->pieces->len;
}

/* ---- wire format ---- */

static void
pb_varint (GByteArray * a, guint64 v)
{
  do {
    guint8 b = v & 0x7f;

    v >>= 7;
    if (v)
      b |= 0x80;
    g_byte_array_append (a, &b, 1);
  } while (v);
}

static void
pb_tag (GByteArray * a, guint number, guint wire)
{
  pb_varint (a, ((guint64) number << 3) | wire);
}

/* int32 fields: a negative value is sign-extended to 64 bits (10 bytes) */
static void
pb_int32 (GByteArray * a, guint number, gint32 v)
{
  pb_tag (a, number, 0);
  pb_varint (a, (guint64) (gint64) v);
}

static void
pb_bytes (GByteArray * a, guint number, const guint8 * data, gsize size)
{
  pb_tag (a, number, 2);
  pb_varint (a, size);
  g_byte_array_append (a, data, size);
}

static void
pb_float (GByteArray * a, guint number, gfloat v)
{
  guint32 bits;

  memcpy (&bits, &v, 4);
  pb_tag (a, number, 5);
  la_io_put_le32 (a, bits);
}

static void
pb_message (GByteArray * a, guint number, GByteArray * msg)
{
  pb_bytes (a, number, msg->data, msg->len);
  g_byte_array_set_size (msg, 0);
}

static gint32
find_id (LaSpmWriter * w, const gchar * piece)
{
  return (gint32) GPOINTER_TO_UINT (g_hash_table_lookup (w->ids, piece)) - 1;
}

GBytes *
la_spm_writer_to_bytes (LaSpmWriter * w, GError ** error)
{
  GByteArray *out, *msg;
  gint32 unk_id = -1;
  gboolean has_normal = FALSE;
  guint i;

  for (i = 0; i < w->pieces->len; i++) {
    LaSpmPieceType type = g_array_index (w->pieces, Piece, i).type;

    if (type == LA_SPM_PIECE_UNKNOWN)
      unk_id = (gint32) i;
    else if (type == LA_SPM_PIECE_NORMAL)
      has_normal = TRUE;
  }
  if (unk_id < 0 || !has_normal) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "spm writer: no %s piece", unk_id < 0 ? "unknown" : "normal");
    return NULL;
  }

  out = g_byte_array_new ();
  msg = g_byte_array_new ();
  for (i = 0; i < w->pieces->len; i++) {
    const Piece *p = &g_array_index (w->pieces, Piece, i);

    pb_bytes (msg, 1, (const guint8 *) p->piece, strlen (p->piece));
    pb_float (msg, 2, p->score);
    if (p->type != LA_SPM_PIECE_NORMAL)
      pb_int32 (msg, 3, p->type);
    pb_message (out, 1, msg);
  }

  pb_int32 (msg, 3, LA_SPM_MODEL_UNIGRAM);
  pb_int32 (msg, 4, (gint32) w->pieces->len);
  if (w->has_bytes)
    pb_int32 (msg, 35, 1);
  pb_int32 (msg, 40, unk_id);
  pb_int32 (msg, 41, find_id (w, "<s>"));
  pb_int32 (msg, 42, find_id (w, "</s>"));
  pb_int32 (msg, 43, find_id (w, "<pad>"));
  pb_message (out, 2, msg);

  pb_bytes (msg, 1, (const guint8 *) "identity", 8);
  pb_int32 (msg, 3, 1);
  pb_int32 (msg, 4, 1);
  pb_int32 (msg, 5, 1);
  pb_message (out, 3, msg);

  g_byte_array_unref (msg);
  return g_byte_array_free_to_bytes (out);
}

gboolean
la_spm_writer_save (LaSpmWriter * w, const gchar * path, GError ** error)
{
  return la_io_save_bytes (la_spm_writer_to_bytes (w, error), path, error);
}
