/* liveavatar: the umT5 text encoder (Wan's T5Encoder)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's T5Encoder (wan/modules/t5.py, umt5_xxl (encoder_only=True)), as
 * models_t5_umt5-xxl-enc-bf16.pth holds it, written against the op layer
 * (la-backend.h). Per block, pre-norm:
 *
 *   x = x + o (attention (q (n), k (n), v (n), bias))     n = norm1 (x)
 *   x = x + fc2 (fc1 (n) * gelu_tanh (gate.0 (n)))         n = norm2 (x)
 *
 * then the final norm; T5's RMSNorm (no mean, no bias, eps 1e-6),
 * attention WITHOUT the 1 / sqrt (d) scaling, and a relative position bias
 * of its own in every block (umT5: shared_pos=False), bidirectional over
 * num_buckets buckets up to max_distance (la-t5-position.h). Keys whose
 * mask is 0 are left out of every softmax. Dropout is off (inference).
 *
 * Weights keep the checkpoint's names ("blocks.3.ffn.gate.0.weight") and,
 * where the backend has LA_OP_LINEAR_MIXED, its bf16 storage: the CPU
 * backend computes in fp32 over bf16 weights, so umT5-XXL takes 11.4 GB
 * instead of 22.7 GB (norms and the small position tables are fp32).
 *
 *   LaCheckpoint *ck = la_checkpoint_open (".../models_t5_umt5-xxl-enc-bf16.pth", &err);
 *   LaT5Config cfg;
 *   la_t5_config_from_checkpoint (&cfg, ck, &err);     sizes from the shapes
 *   LaT5Encoder *enc = la_t5_encoder_new (be, &cfg, ck, &err);
 *   la_checkpoint_free (ck);                            weights were copied
 *   la_t5_encoder_encode (enc, context, ids, mask, 512, &n, &err);
 *
 * An encoder serves one thread at a time (it runs on one backend).
 */

#ifndef __LA_T5_H__
#define __LA_T5_H__

#include <glib.h>

#include "la-backend.h"
#include "la-checkpoint.h"

G_BEGIN_DECLS

/* the longest sequence la_t5_encoder_forward () takes: the position bias
 * [heads, L, L] is built whole (64 MB for umT5-XXL at Wan's 512) */
#define LA_T5_MAX_TOKENS 2048

/* The architecture, as T5Encoder's constructor arguments (shared_pos is
 * FALSE and dropout 0 always). umT5-XXL (Wan's umt5_xxl): vocab 256384,
 * dim 4096, dim_attn 4096, dim_ffn 10240, 64 heads, 24 layers, 32 buckets;
 * max_distance (T5RelativeEmbedding's max_dist) 128 and eps 1e-6 are
 * fixed in Wan's code. */
typedef struct
{
  gint            vocab_size;
  gint            dim;
  gint            dim_attn;     /* num_heads * head dim */
  gint            dim_ffn;
  gint            num_heads;
  gint            num_layers;
  gint            num_buckets;
  gint            max_distance;
  gfloat          eps;
} LaT5Config;

/* umT5-XXL's configuration */
void            la_t5_config_init_umt5_xxl (LaT5Config * config);

/* The sizes from a checkpoint's tensor shapes (token_embedding.weight,
 * blocks.0.*, the number of blocks), max_distance and eps from Wan's
 * code; LA_ERROR_MODEL_INVALID when a tensor it needs is missing, or the
 * checkpoint has one position bias for all blocks (T5, not umT5). */
gboolean        la_t5_config_from_checkpoint (LaT5Config * config,
    LaCheckpoint * ck, GError ** error);

/* FALSE and LA_ERROR_MODEL_INVALID when the sizes do not make a T5 */
gboolean        la_t5_config_validate (const LaT5Config * config,
    GError ** error);

typedef struct _LaT5Encoder LaT5Encoder;

/* Reads every tensor of @ck, each checked against @config's shape, and
 * places them on @backend in one allocation; a missing, misshapen or
 * unexpected tensor (Wan loads the state dict strictly) is
 * LA_ERROR_MODEL_INVALID naming it. LA_ERROR_NOT_SUPPORTED when @backend
 * lacks an op the encoder needs in fp32. @ck may be freed afterwards. */
LaT5Encoder    *la_t5_encoder_new (LaBackend * backend,
    const LaT5Config * config, LaCheckpoint * ck, GError ** error);
void            la_t5_encoder_free (LaT5Encoder * enc);

const LaT5Config *la_t5_encoder_get_config (LaT5Encoder * enc);
LaBackend      *la_t5_encoder_get_backend (LaT5Encoder * enc);
/* the dtype the big matrices are kept in (BF16 from the official file on
 * the CPU backend) and the bytes all weights take on the backend */
LaDType         la_t5_encoder_get_weight_dtype (LaT5Encoder * enc);
gsize           la_t5_encoder_get_weight_bytes (LaT5Encoder * enc);

/* T5Encoder.forward (ids, mask): @out [len, dim] F32 on the encoder's
 * backend, every row computed (padding rows too, as Wan does before it
 * trims them). @ids [len] in [0, vocab); @mask [len] (nonzero: a key
 * every token attends to) or NULL for all ones, not all zero;
 * 1 <= len <= LA_T5_MAX_TOKENS. Bad input is LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_t5_encoder_forward (LaT5Encoder * enc, LaTensor * out,
    const gint32 * ids, const guint8 * mask, gint64 len, GError ** error);

/* What Wan's DiT gets for one prompt: T5EncoderModel's u[:n] with
 * n = sum (mask), zero-padded back to @len rows by the DiT's
 * text_embedding input. @context [len, dim] F32; @mask ones then zeros,
 * as the tokenizer makes it, at least one token. Only the n tokens run
 * through the encoder: with the padding keys masked out, the rows that
 * are kept do not depend on the padding. @n_tokens (may be NULL) gets n. */
gboolean        la_t5_encoder_encode (LaT5Encoder * enc, LaTensor * context,
    const gint32 * ids, const guint8 * mask, gint64 len, gint64 * n_tokens,
    GError ** error);

G_END_DECLS

#endif /* __LA_T5_H__ */
