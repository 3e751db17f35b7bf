/* liveavatar: merging LoRA adapters into base weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The math of peft's merge_and_unload () for a Linear layer:
 *
 *   W[out, in] += (alpha / r) * B[out, r] @ A[r, in]
 *
 * with A = lora_A (kohya: lora_down) and B = lora_B (lora_up). Live Avatar
 * trains rank 128, alpha 64 (scale 0.5) on every module whose name ends in
 * q, k, v, o, ffn.0 or ffn.2 (peft suffix match, so the audio injector's
 * attention too), and saves peft parameter names, with or without the
 * "base_model.model." prefix peft adds:
 *
 *   [base_model.model.]blocks.0.self_attn.q.lora_A.default.weight
 *
 * Which base tensor a pair merges into, and what the file's other tensors
 * mean, is the model's business; this file only pairs names and does the
 * arithmetic.
 */

#ifndef __LA_LORA_H__
#define __LA_LORA_H__

#include <glib.h>

#include "la-checkpoint.h"

G_BEGIN_DECLS

typedef struct
{
  gchar          *module;       /* "blocks.0.self_attn.q" (prefix stripped) */
  gchar          *target;       /* "blocks.0.self_attn.q.weight" */
  const LaCheckpointTensor *a;  /* lora_A / lora_down: [r, in] */
  const LaCheckpointTensor *b;  /* lora_B / lora_up: [out, r] */
  gint64          rank;
  gboolean        has_alpha;    /* a kohya "<module>.alpha" scalar */
  gdouble         alpha;
} LaLoraPair;

/* TRUE for names of LoRA matrices (lora_A/B with or without an adapter
 * name, lora_down/up); a kohya "<module>.alpha" is only recognised by
 * la_lora_find_pairs (), next to its pair. */
gboolean        la_lora_is_lora_name (const gchar * name);

/* Every LoRA pair of @ck, sorted by module. A half without its other half,
 * ranks that disagree, or tensors that are not 2-D float matrices are
 * LA_ERROR_MODEL_INVALID naming the tensor. Returns a GPtrArray of
 * LaLoraPair (freed with it), empty when @ck has no LoRA tensors. */
GPtrArray      *la_lora_find_pairs (LaCheckpoint * ck, GError ** error);

/* alpha / r: the factor peft applies (not rsLoRA) */
gdouble         la_lora_scale (gdouble alpha, gint64 rank);

/* w[n_out, n_in] += scale * b[n_out, rank] @ a[rank, n_in], in fp32 */
void            la_lora_merge_f32 (gfloat * w, gint64 n_out, gint64 n_in,
    const gfloat * a, const gfloat * b, gint64 rank, gfloat scale);

/* Checks @pair against @w's shape, converts A and B to fp32 and merges with
 * alpha / rank, where alpha is the pair's own when it has one, else
 * @default_alpha. */
gboolean        la_lora_merge_pair (gfloat * w, gint64 n_out, gint64 n_in,
    const LaLoraPair * pair, gdouble default_alpha, GError ** error);

G_END_DECLS

#endif /* __LA_LORA_H__ */
