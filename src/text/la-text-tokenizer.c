/* liveavatar: the umT5 prompt tokenizer as Wan calls it
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Hugging Face's truncation makes room for the special tokens the
 * post-processor adds ("$A </s>"), so a long prompt keeps seq_len - 1 of
 * its own tokens. T5's tokenizer names its specials "</s>" and "<pad>";
 * they are looked up by name, as Hugging Face does, not by the trainer
 * spec's ids. */

#include "config.h"

#include "la-text-tokenizer.h"
#include "la-text-clean.h"
#include "liveavatar.h"

#include <string.h>

struct _LaTextTokenizer
{
  LaSpm *spm;
  gint32 eos_id;
  gint32 pad_id;
};

LaTextTokenizer *
la_text_tokenizer_new (const gchar * path, GError ** error)
{
  LaTextTokenizer *tok;
  gchar *file;
  LaSpm *spm;
  const gchar *missing = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    file = g_build_filename (path, LA_TEXT_SPM_FILE, NULL);
  else
    file = g_strdup (path);
  spm = la_spm_new_from_file (file, error);
  if (spm == NULL)
    goto failed;

  tok = g_new0 (LaTextTokenizer, 1);
  tok->spm = spm;
  tok->eos_id = la_spm_find_piece (spm, "</s>", -1);
  tok->pad_id = la_spm_find_piece (spm, "<pad>", -1);
  if (tok->eos_id < 0)
    missing = "</s>";
  else if (tok->pad_id < 0)
    missing = "<pad>";
  if (missing)
    goto no_special;

  g_free (file);
  return tok;

  /* ERRORS */
no_special:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: no %s piece (a T5 tokenizer needs </s> and <pad>)", file, missing);
    la_text_tokenizer_free (tok);
    goto failed;
  }
failed:
  {
    g_free (file);
    return NULL;
  }
}

void
la_text_tokenizer_free (LaTextTokenizer * tok)
{
  if (tok == NULL)
    return;
  la_spm_free (tok->spm);
  g_free (tok);
}

const LaSpm *
la_text_tokenizer_get_spm (const LaTextTokenizer * tok)
{
  return tok->spm;
}

gint32
la_text_tokenizer_get_eos_id (const LaTextTokenizer * tok)
{
  return tok->eos_id;
}

gint32
la_text_tokenizer_get_pad_id (const LaTextTokenizer * tok)
{
  return tok->pad_id;
}

gboolean
la_text_tokenizer_encode (const LaTextTokenizer * tok, const gchar * prompt,
    guint seq_len, LaTextTokens * out, GError ** error)
{
  const gchar *bad;
  gsize n_bytes;
  gchar *clean;
  GArray *ids;
  guint n, i;

  memset (out, 0, sizeof (*out));
  if (prompt == NULL)
    prompt = "";
  if (seq_len == 0)
    goto no_room;
  n_bytes = strlen (prompt);
  if (n_bytes > LA_TEXT_MAX_PROMPT_BYTES)
    goto too_long;
  if (!g_utf8_validate (prompt, n_bytes, &bad))
    goto not_utf8;

  clean = la_text_clean_whitespace (prompt);
  ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (!la_spm_encode (tok->spm, clean, -1, ids, error)) {
    g_array_free (ids, TRUE);
    g_free (clean);
    return FALSE;
  }
  g_free (clean);

  n = MIN (ids->len, seq_len - 1);
  out->seq_len = seq_len;
  out->length = n + 1;
  out->truncated = ids->len > n;
  out->ids = g_new (gint32, seq_len);
  out->mask = g_new0 (guint8, seq_len);
  if (n > 0)                    /* an empty GArray's data is NULL */
    memcpy (out->ids, ids->data, n * sizeof (gint32));
  out->ids[n] = tok->eos_id;
  for (i = n + 1; i < seq_len; i++)
    out->ids[i] = tok->pad_id;
  memset (out->mask, 1, n + 1);
  if (out->truncated)
    g_debug ("prompt truncated from %u to %u tokens", ids->len, n);
  g_array_free (ids, TRUE);
  return TRUE;

  /* ERRORS */
no_room:
  {
    g_set_error_literal (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "text length 0 leaves no room for </s>");
    return FALSE;
  }
too_long:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "prompt of %" G_GSIZE_FORMAT " bytes is longer than the %d allowed",
        n_bytes, LA_TEXT_MAX_PROMPT_BYTES);
    return FALSE;
  }
not_utf8:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "prompt is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
        (gsize) (bad - prompt));
    return FALSE;
  }
}

void
la_text_tokens_clear (LaTextTokens * tokens)
{
  g_free (tokens->ids);
  g_free (tokens->mask);
  memset (tokens, 0, sizeof (*tokens));
}
