/* liveavatar: prompt -> umT5 context, as Wan's T5EncoderModel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-t5-text-encoder.h"
#include "liveavatar.h"

struct _LaT5TextEncoder
{
  LaTextTokenizer *tokenizer;
  LaT5Encoder *encoder;
};

LaT5TextEncoder *
la_t5_text_encoder_new (LaBackend * backend, const gchar * model_dir,
    GError ** error)
{
  LaT5TextEncoder *te = g_new0 (LaT5TextEncoder, 1);
  gchar *ck_path = g_build_filename (model_dir, LA_T5_CHECKPOINT_FILE, NULL);
  gchar *tok_path = g_build_filename (model_dir, LA_T5_TOKENIZER_DIR, NULL);
  LaCheckpoint *ck = NULL;
  LaT5Config config;
  guint pieces;

  te->tokenizer = la_text_tokenizer_new (tok_path, error);
  if (!te->tokenizer)
    goto failed;
  ck = la_checkpoint_open (ck_path, error);
  if (!ck || !la_t5_config_from_checkpoint (&config, ck, error))
    goto failed;
  pieces = la_spm_get_n_pieces (la_text_tokenizer_get_spm (te->tokenizer));
  if (pieces > (guint) config.vocab_size)
    goto vocab_mismatch;
  te->encoder = la_t5_encoder_new (backend, &config, ck, error);
  if (!te->encoder)
    goto failed;
  la_checkpoint_free (ck);
  g_free (ck_path);
  g_free (tok_path);
  return te;

  /* ERRORS */
vocab_mismatch:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: the tokenizer has %u pieces but the encoder only %d embeddings",
        model_dir, pieces, config.vocab_size);
    goto failed;
  }
failed:
  {
    if (ck)
      la_checkpoint_free (ck);
    g_free (ck_path);
    g_free (tok_path);
    la_t5_text_encoder_free (te);
    return NULL;
  }
}

void
la_t5_text_encoder_free (LaT5TextEncoder * te)
{
  if (!te)
    return;
  la_t5_encoder_free (te->encoder);
  if (te->tokenizer)
    la_text_tokenizer_free (te->tokenizer);
  g_free (te);
}

LaT5Encoder *
la_t5_text_encoder_get_encoder (LaT5TextEncoder * te)
{
  return te->encoder;
}

const LaTextTokenizer *
la_t5_text_encoder_get_tokenizer (LaT5TextEncoder * te)
{
  return te->tokenizer;
}

gint
la_t5_text_encoder_get_dim (LaT5TextEncoder * te)
{
  return la_t5_encoder_get_config (te->encoder)->dim;
}

gboolean
la_t5_text_encoder_encode (LaT5TextEncoder * te, const gchar * prompt,
    LaTensor * context, LaT5TextInfo * info, GError ** error)
{
  LaTextTokens tokens = { NULL };
  gint64 n = 0;
  gboolean ok;

  g_return_val_if_fail (te && prompt, FALSE);

  if (!la_text_tokenizer_encode (te->tokenizer, prompt, LA_TEXT_LEN, &tokens,
          error))
    return FALSE;
  ok = la_t5_encoder_encode (te->encoder, context, tokens.ids, tokens.mask,
      tokens.seq_len, &n, error);
  if (ok && info) {
    info->n_tokens = (guint) n;
    info->truncated = tokens.truncated;
  }
  la_text_tokens_clear (&tokens);
  return ok;
}
