/* liveavatar: prompt -> umT5 context, as Wan's T5EncoderModel
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's T5EncoderModel (wan/modules/t5.py) from a checkpoint folder laid
 * out as Wan2.2-S2V-14B's:
 *
 *   <dir>/models_t5_umt5-xxl-enc-bf16.pth    the encoder (T5Encoder names)
 *   <dir>/google/umt5-xxl/spiece.model       the tokenizer
 *
 * A prompt is cleaned and tokenized to LA_TEXT_LEN ids with the mask
 * (la-text-tokenizer.h), encoded, trimmed to its n tokens (u[:n]) and
 * padded with zero rows back to LA_TEXT_LEN: the [512, dim] context Wan's
 * DiT feeds its text_embedding (model_s2v.py pads with new_zeros). The
 * encoder runs once per prompt; the weights load once.
 *
 *   LaT5TextEncoder *te = la_t5_text_encoder_new (be, ckpt_dir, &err);
 *   gint64 ne[] = { LA_TEXT_LEN, la_t5_text_encoder_get_dim (te) };
 *   LaTensor *context = la_tensor_new (be, LA_DTYPE_F32, 2, ne, &err);
 *   la_t5_text_encoder_encode (te, "a man talking", context, &info, &err);
 */

#ifndef __LA_T5_TEXT_ENCODER_H__
#define __LA_T5_TEXT_ENCODER_H__

#include "la-t5.h"
#include "la-text-tokenizer.h"

G_BEGIN_DECLS

/* Wan's t5_checkpoint and t5_tokenizer, relative to the checkpoint folder */
#define LA_T5_CHECKPOINT_FILE "models_t5_umt5-xxl-enc-bf16.pth"
#define LA_T5_TOKENIZER_DIR "google/umt5-xxl"

typedef struct _LaT5TextEncoder LaT5TextEncoder;

typedef struct
{
  guint           n_tokens;     /* tokens + </s>: the context's nonzero rows */
  gboolean        truncated;    /* the prompt had more than 511 tokens */
} LaT5TextInfo;

/* Loads the tokenizer and the encoder from @model_dir (errors as
 * la_text_tokenizer_new () and la_t5_encoder_new (); a tokenizer with
 * more pieces than the encoder has embeddings is LA_ERROR_MODEL_INVALID). */
LaT5TextEncoder *la_t5_text_encoder_new (LaBackend * backend,
    const gchar * model_dir, GError ** error);
void            la_t5_text_encoder_free (LaT5TextEncoder * te);

LaT5Encoder    *la_t5_text_encoder_get_encoder (LaT5TextEncoder * te);
const LaTextTokenizer *la_t5_text_encoder_get_tokenizer (LaT5TextEncoder *
    te);
/* the context's width (4096 for umT5-XXL) */
gint            la_t5_text_encoder_get_dim (LaT5TextEncoder * te);

/* @context [LA_TEXT_LEN, dim] F32 on the encoder's backend. Prompt errors
 * as la_text_tokenizer_encode (); @info may be NULL. */
gboolean        la_t5_text_encoder_encode (LaT5TextEncoder * te,
    const gchar * prompt, LaTensor * context, LaT5TextInfo * info,
    GError ** error);

G_END_DECLS

#endif /* __LA_T5_TEXT_ENCODER_H__ */
