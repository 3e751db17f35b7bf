/* liveavatar: a SentencePiece unigram tokenizer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The checks are those of sentencepiece's ModelInterface::InitializePieces
 * and unigram::Model::BuildTrie; the id post-processing is that of
 * SentencePieceProcessor::PopulateSentencePieceText (v0.1.97). */

#include "config.h"

#include "la-spm.h"
#include "la-spm-normalizer.h"
#include "la-spm-unigram.h"
#include "liveavatar.h"

#include <float.h>
#include <string.h>

struct _LaSpm
{
  gchar *name;                  /* for messages */
  guint8 *data;                 /* the file; the model points into it */
  LaSpmModel *model;
  gchar **piece_strs;           /* NUL-terminated copies, by id */
  GStringChunk *strings;
  LaSpmTable *pieces;           /* NORMAL, USER_DEFINED, UNUSED -> id */
  LaSpmTable *reserved;         /* UNKNOWN, CONTROL, BYTE -> id */
  LaSpmTable *user_defined;
  LaSpmNormalizer normalizer;
  LaSpmUnigram unigram;
  gint32 byte_ids[256];
};

static gboolean
is_byte_piece (const LaSpmPiece * p, guint * byte)
{
  static const gchar hex[] = "0123456789ABCDEF";
  const gchar *s = p->piece;
  const gchar *hi, *lo;

  /* exactly ByteToPiece's "<0x%02X>" */
  if (p->len != 6 || memcmp (s, "<0x", 3) != 0 || s[5] != '>')
    return FALSE;
  hi = s[3] ? strchr (hex, s[3]) : NULL;
  lo = s[4] ? strchr (hex, s[4]) : NULL;
  if (hi == NULL || lo == NULL)
    return FALSE;
  *byte = (guint) ((hi - hex) << 4 | (lo - hex));
  return TRUE;
}

static gboolean
init_pieces (LaSpm * spm, GError ** error)
{
  const LaSpmModel *m = spm->model;
  gboolean byte_found[256] = { FALSE, };
  gint32 unk_id = -1;
  gfloat min_score = FLT_MAX, max_score = FLT_MIN;
  guint i, byte;

  spm->pieces = la_spm_table_new (m->n_pieces);
  spm->reserved = la_spm_table_new (16);
  spm->user_defined = la_spm_table_new (16);
  spm->strings = g_string_chunk_new (4096);
  spm->piece_strs = g_new0 (gchar *, m->n_pieces + 1);

  for (i = 0; i < m->n_pieces; i++) {
    const LaSpmPiece *p = &m->pieces[i];
    gboolean normal = p->type == LA_SPM_PIECE_NORMAL ||
        p->type == LA_SPM_PIECE_USER_DEFINED || p->type == LA_SPM_PIECE_UNUSED;

    spm->piece_strs[i] = g_string_chunk_insert_len (spm->strings,
        p->piece ? p->piece : "", p->len);
    if (p->len == 0)
      goto empty_piece;
    if (!la_spm_table_insert (normal ? spm->pieces : spm->reserved,
            p->piece, p->len, (gint32) i))
      goto duplicate;
    if (p->type == LA_SPM_PIECE_USER_DEFINED)
      la_spm_table_insert (spm->user_defined, p->piece, p->len, (gint32) i);
    if (p->type == LA_SPM_PIECE_UNKNOWN) {
      if (unk_id >= 0)
        goto two_unk;
      unk_id = (gint32) i;
    }
    if (p->type == LA_SPM_PIECE_BYTE) {
      if (!m->byte_fallback)
        goto byte_without_fallback;
      if (!is_byte_piece (p, &byte))
        goto bad_byte;
      byte_found[byte] = TRUE;
    }
    if (p->type == LA_SPM_PIECE_NORMAL) {
      min_score = MIN (min_score, p->score);
      max_score = MAX (max_score, p->score);
    }
  }
  if (unk_id < 0)
    goto no_unk;
  if (m->byte_fallback) {
    for (byte = 0; byte < 256; byte++) {
      if (!byte_found[byte])
        goto missing_byte;
    }
  }
  if (la_spm_table_size (spm->pieces) == 0)
    goto no_pieces;

  for (byte = 0; byte < 256; byte++) {
    gchar name[8];

    g_snprintf (name, sizeof (name), "<0x%02X>", byte);
    spm->byte_ids[byte] = la_spm_piece_to_id (spm, name, 6);
  }

  spm->unigram.pieces = spm->pieces;
  spm->unigram.vocab = m->pieces;
  spm->unigram.min_score = min_score;
  spm->unigram.max_score = max_score;
  spm->unigram.unk_id = unk_id;
  return TRUE;

  /* ERRORS */
empty_piece:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: piece %u is empty", spm->name, i);
    return FALSE;
  }
duplicate:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: piece %u \"%s\" is already defined", spm->name, i,
        spm->piece_strs[i]);
    return FALSE;
  }
two_unk:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: pieces %d and %u are both <unk>", spm->name, unk_id, i);
    return FALSE;
  }
byte_without_fallback:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: byte piece \"%s\" but byte_fallback is false", spm->name,
        spm->piece_strs[i]);
    return FALSE;
  }
bad_byte:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: byte piece %u \"%s\" is not <0xXX>", spm->name, i,
        spm->piece_strs[i]);
    return FALSE;
  }
no_unk:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: no <unk> piece", spm->name);
    return FALSE;
  }
missing_byte:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: byte_fallback is set but byte piece <0x%02X> is missing",
        spm->name, byte);
    return FALSE;
  }
no_pieces:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: no normal pieces", spm->name);
    return FALSE;
  }
}

LaSpm *
la_spm_new (const guint8 * data, gsize size, const gchar * display_name,
    GError ** error)
{
  LaSpm *spm = g_new0 (LaSpm, 1);
  LaSpmModel *m;
  GError *err = NULL;

  spm->name = g_strdup (display_name ? display_name : "sentencepiece model");
  spm->data = g_memdup2 (data, size);

  m = spm->model = la_spm_model_parse (spm->data, size, &err);
  if (m == NULL)
    goto parse_failed;
  if (m->model_type != LA_SPM_MODEL_UNIGRAM)
    goto not_unigram;
  if (!init_pieces (spm, error))
    goto failed;

  spm->normalizer.user_defined = spm->user_defined;
  spm->normalizer.add_dummy_prefix = m->add_dummy_prefix;
  spm->normalizer.remove_extra_whitespaces = m->remove_extra_whitespaces;
  spm->normalizer.escape_whitespaces = m->escape_whitespaces;
  spm->normalizer.treat_whitespace_as_suffix = m->treat_whitespace_as_suffix;
  if (!la_spm_charsmap_init (&spm->normalizer.charsmap,
          m->precompiled_charsmap, m->precompiled_charsmap_size, &err))
    goto parse_failed;

  g_debug ("%s: %u pieces, normalizer \"%.*s\", byte_fallback %d",
      spm->name, m->n_pieces, (int) MIN (m->normalizer_name_len, 64),
      m->normalizer_name ? m->normalizer_name : "", m->byte_fallback);
  return spm;

  /* ERRORS */
parse_failed:
  {
    g_prefix_error (&err, "%s: ", spm->name);
    g_propagate_error (error, err);
    goto failed;
  }
not_unigram:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: model type %d is not unigram (only unigram is supported)",
        spm->name, (int) m->model_type);
    goto failed;
  }
failed:
  {
    la_spm_free (spm);
    return NULL;
  }
}

LaSpm *
la_spm_new_from_file (const gchar * path, GError ** error)
{
  gchar *contents = NULL, *base;
  gsize size = 0;
  GError *err = NULL;
  LaSpm *spm;

  if (!g_file_get_contents (path, &contents, &size, &err)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "cannot read tokenizer model: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  base = g_path_get_basename (path);
  spm = la_spm_new ((const guint8 *) contents, size, base, error);
  g_free (base);
  g_free (contents);
  return spm;
}

void
la_spm_free (LaSpm * spm)
{
  if (spm == NULL)
    return;
  la_spm_charsmap_clear (&spm->normalizer.charsmap);
  la_spm_table_free (spm->pieces);
  la_spm_table_free (spm->reserved);
  la_spm_table_free (spm->user_defined);
  g_free (spm->piece_strs);
  if (spm->strings)
    g_string_chunk_free (spm->strings);
  la_spm_model_free (spm->model);
  g_free (spm->data);
  g_free (spm->name);
  g_free (spm);
}

guint
la_spm_get_n_pieces (const LaSpm * spm)
{
  return spm->model->n_pieces;
}

gint32
la_spm_get_unk_id (const LaSpm * spm)
{
  return spm->unigram.unk_id;
}

gboolean
la_spm_get_byte_fallback (const LaSpm * spm)
{
  return spm->model->byte_fallback;
}

const gchar *
la_spm_id_to_piece (const LaSpm * spm, gint32 id)
{
  if (id < 0 || (guint) id >= spm->model->n_pieces)
    return NULL;
  return spm->piece_strs[id];
}

LaSpmPieceType
la_spm_get_piece_type (const LaSpm * spm, gint32 id)
{
  g_return_val_if_fail (id >= 0 && (guint) id < spm->model->n_pieces,
      LA_SPM_PIECE_UNUSED);
  return spm->model->pieces[id].type;
}

gint32
la_spm_find_piece (const LaSpm * spm, const gchar * piece, gssize len)
{
  gsize n = len < 0 ? strlen (piece) : (gsize) len;
  gint32 id = la_spm_table_lookup (spm->reserved, piece, n);

  return id >= 0 ? id : la_spm_table_lookup (spm->pieces, piece, n);
}

gint32
la_spm_piece_to_id (const LaSpm * spm, const gchar * piece, gssize len)
{
  gint32 id = la_spm_find_piece (spm, piece, len);

  return id >= 0 ? id : spm->unigram.unk_id;
}

gchar *
la_spm_normalize (const LaSpm * spm, const gchar * text, gssize len,
    gsize * out_len, GError ** error)
{
  GString *out = g_string_new (NULL);
  gsize n = len < 0 ? strlen (text) : (gsize) len;

  if (!la_spm_normalizer_normalize (&spm->normalizer, text, n, out, error)) {
    g_prefix_error (error, "%s: ", spm->name);
    g_string_free (out, TRUE);
    return NULL;
  }
  if (out_len)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

gboolean
la_spm_encode (const LaSpm * spm, const gchar * text, gssize len,
    GArray * ids, GError ** error)
{
  GArray *tokens;
  gchar *normalized;
  gsize size, i, b;
  gboolean prev_unk = FALSE;

  normalized = la_spm_normalize (spm, text, len, &size, error);
  if (normalized == NULL)
    return FALSE;

  tokens = g_array_new (FALSE, FALSE, sizeof (LaSpmToken));
  la_spm_unigram_encode (&spm->unigram, normalized, size, tokens);

  for (i = 0; i < tokens->len; i++) {
    const LaSpmToken *t = &g_array_index (tokens, LaSpmToken, i);
    gboolean unk = spm->model->pieces[t->id].type == LA_SPM_PIECE_UNKNOWN;

    if (unk && spm->model->byte_fallback) {
      for (b = t->begin; b < t->end; b++)
        g_array_append_val (ids, spm->byte_ids[(guint8) normalized[b]]);
    } else if (!(unk && prev_unk)) {
      /* a run of unknown pieces is one <unk> */
      g_array_append_val (ids, t->id);
    }
    prev_unk = unk;
  }

  g_array_free (tokens, TRUE);
  g_free (normalized);
  return TRUE;
}
