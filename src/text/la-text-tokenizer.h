/* liveavatar: the umT5 prompt tokenizer as Wan calls it
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's T5EncoderModel tokenizes with HuggingfaceTokenizer('google/umt5-xxl',
 * seq_len=512, clean='whitespace') and add_special_tokens=True:
 *   clean (la-text-clean.h) -> SentencePiece ids (la-spm.h)
 *   -> keep the first seq_len - 1 -> append </s> -> pad with <pad> to
 *   seq_len; attention mask 1 over the tokens and </s>, 0 over padding.
 * The encoder then uses only the first `length` rows.
 *
 * Prompts must be valid UTF-8 (Python could not have held anything else):
 * anything else is LA_ERROR_INVALID_ARGUMENT, as is a prompt longer than
 * LA_TEXT_MAX_PROMPT_BYTES. A prompt that cleans to nothing (empty, only
 * whitespace) is just </s>. A longer one is truncated, never refused, and
 * says so in `truncated`.
 */

#ifndef __LA_TEXT_TOKENIZER_H__
#define __LA_TEXT_TOKENIZER_H__

#include "la-spm.h"

G_BEGIN_DECLS

#define LA_TEXT_LEN 512         /* Wan's text_len */
#define LA_TEXT_MAX_PROMPT_BYTES (1024 * 1024)
#define LA_TEXT_SPM_FILE "spiece.model"
typedef struct _LaTextTokenizer LaTextTokenizer;

typedef struct
{
  gint32 *ids;                  /* seq_len: tokens, </s>, <pad>... */
  guint8 *mask;                 /* seq_len: 1 tokens and </s>, 0 padding */
  guint seq_len;
  guint length;                 /* tokens + </s>: the mask's sum */
  gboolean truncated;           /* tokens were dropped to fit */
} LaTextTokens;

/* @path: the tokenizer folder (the checkpoint's google/umt5-xxl/, which
 * holds spiece.model) or a .model file. The model must have </s> and <pad>
 * pieces. */
LaTextTokenizer *la_text_tokenizer_new (const gchar * path, GError ** error);
void la_text_tokenizer_free (LaTextTokenizer * tok);

const LaSpm *la_text_tokenizer_get_spm (const LaTextTokenizer * tok);
gint32 la_text_tokenizer_get_eos_id (const LaTextTokenizer * tok);
gint32 la_text_tokenizer_get_pad_id (const LaTextTokenizer * tok);

/* Fills @out (cleared first; free with la_text_tokens_clear). @seq_len >= 1
 * (LA_TEXT_LEN for Wan). Thread-safe: the tokenizer is not modified. */
gboolean la_text_tokenizer_encode (const LaTextTokenizer * tok,
    const gchar * prompt, guint seq_len, LaTextTokens * out, GError ** error);
void la_text_tokens_clear (LaTextTokens * tokens);

G_END_DECLS
#endif /* __LA_TEXT_TOKENIZER_H__ */
