/* liveavatar: the Wan2.2-S2V / Live Avatar DiT core
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * WanModel_S2V (Wan-Video/Wan2.2 wan/modules/s2v/model_s2v.py) as Live
 * Avatar's CausalWanModel_S2V runs it (liveavatar/models/wan/
 * causal_model_s2v.py), written against the op layer (la-backend.h), in
 * pieces a block scheduler composes: timestep embedding, patch and text
 * embeddings, one transformer block with an explicit KV cache, the head
 * and unpatchify. Audio injection, FramePack motion tokens, the sink and
 * the ring policy are built on top of these.
 *
 * Layouts: latents channel-first [C, F, H, W] as the VAE gives them;
 * tokens [L, dim], frame-major raster order (f, y, x) over the patch grid
 * F x h x w (h = H / 2, w = W / 2); keys and values [L, heads, head_dim].
 *
 *   LaDit *dit = la_dit_new (be, &cfg, ck, &err);
 *   la_dit_time_embedding (dit, e, e0, t, n_frames, &err);
 *   la_dit_time_embedding (dit, NULL, e0_zero, zero, 1, &err);
 *   la_dit_embed_noisy (dit, x, latent, &err);
 *   la_dit_text_embedding (dit, ctx, context, &err);
 *   LaDitCrossKv *cross = la_dit_cross_kv_new (dit, ctx, &err);  per prompt
 *   for (i = 0; i < cfg.num_layers; i++)
 *     la_dit_block_forward (dit, i, x, &tokens, cross, &kv[i], &err);
 *   la_dit_head (dit, out, x, e, &err);
 *   la_dit_unpatchify (dit, velocity, out, n_frames, h, w, &err);
 *
 * Everything runs in the backend's order; a failed call leaves its output
 * undefined and sets @error.
 */

#ifndef __LA_DIT_H__
#define __LA_DIT_H__

#include <glib.h>

#include "la-backend.h"
#include "la-checkpoint.h"
#include "la-dit-config.h"

G_BEGIN_DECLS

typedef struct _LaDit LaDit;

/* Reads the core's weights by their official names from @ck (any float
 * dtype, kept as fp32 on @backend); a missing or misshapen tensor is
 * LA_ERROR_MODEL_INVALID naming it. @ck may be freed afterwards. */
LaDit          *la_dit_new (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, GError ** error);
void            la_dit_free (LaDit * dit);
const LaDitConfig *la_dit_get_config (LaDit * dit);

/* ---- embeddings ---- */

/* e = time_embedding (sinusoid (t)), e0 = time_projection (e), per entry
 * of @t (raw scheduler timesteps, 0..1000): e [n, dim] (or NULL),
 * e0 [n, 6, dim] (or NULL). The sinusoid (cos half first) is computed in
 * double and rounded to float, as Wan does. */
gboolean        la_dit_time_embedding (LaDit * dit, LaTensor * e,
    LaTensor * e0, const gfloat * t, gint n, GError ** error);

/* patch_embedding (Conv3d, kernel = stride = patch_size) of @latent
 * [in_dim, F, H, W] into y [F * h * w, dim], with H, W, F multiples of the
 * patch size. */
gboolean        la_dit_patch_embed (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);
/* The noisy tokens as Live Avatar embeds them: patch embedding, plus
 * cond_encoder of its all-zero pose latents (= its bias; absent when
 * cond_dim is 0), plus trainable_cond_mask row 0. */
gboolean        la_dit_embed_noisy (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);
/* Reference image tokens: patch embedding plus trainable_cond_mask row 1.
 * (Motion tokens, row 2, come with FramePack.) */
gboolean        la_dit_embed_ref (LaDit * dit, LaTensor * y,
    const LaTensor * latent, GError ** error);

/* text_embedding of @context [L, text_dim] (L <= text_len) zero-padded to
 * text_len rows: y [text_len, dim]. The pad rows are attended too. */
gboolean        la_dit_text_embedding (LaDit * dit, LaTensor * y,
    const LaTensor * context, GError ** error);

/* ---- cross-attention K/V, once per prompt ---- */

typedef struct
{
  guint           n_layers;
  LaTensor      **k;            /* per layer [text_len, heads, head_dim],
                                 * norm_k applied */
  LaTensor      **v;            /* per layer [text_len, heads, head_dim] */
} LaDitCrossKv;

/* from la_dit_text_embedding ()'s output [text_len, dim] */
LaDitCrossKv   *la_dit_cross_kv_new (LaDit * dit, const LaTensor * context,
    GError ** error);
void            la_dit_cross_kv_free (LaDitCrossKv * kv);

/* ---- one transformer block ---- */

/* What the tokens of x are: n_noisy tokens making n_frames frames of
 * equal length (frame f modulated by e0[f]), then conditioning tokens (ref,
 * motion) modulated by the t = 0 embedding e0_zero (zero_timestep, which
 * Live Avatar's causal model requires; Live Avatar's own forward feeds
 * noisy tokens only, its sink prefill cond tokens only). */
typedef struct
{
  gint64          n_noisy;
  gint            n_frames;     /* >= 1 when n_noisy > 0 */
  const LaTensor *e0;           /* [n_frames, 6, dim]; NULL if no noisy */
  const LaTensor *e0_zero;      /* [1, 6, dim]; NULL if no cond tokens */
  const LaTensor *pos;          /* [L, 3] I32: RoPE (t, h, w) per token */
} LaDitTokens;

/* A block's self-attention keys and values: k, v [capacity, heads,
 * head_dim]. Rows [0, n_prefix) are earlier keys (already RoPE'd) and
 * values; the block writes its own RoPE'd keys and values at rows
 * [n_prefix, n_prefix + L) and attends to rows [0, n_prefix + L).
 * Attention has no mask, so where in the cache a row lives does not
 * matter: the ring and the sink are the caller's policy. */
typedef struct
{
  LaTensor       *k;
  LaTensor       *v;
  gint64          n_prefix;
} LaDitKv;

/* x [L, dim] in place: adaLN-modulated self-attention (q/k RMSNorm over
 * dim, 3-axis RoPE at tok->pos), gated residual; cross-attention to the
 * prompt (norm3 with affine, no gate); adaLN-modulated gelu_tanh FFN,
 * gated residual. @kv NULL attends to the L tokens alone. */
gboolean        la_dit_block_forward (LaDit * dit, guint layer, LaTensor * x,
    const LaDitTokens * tok, const LaDitCrossKv * cross, LaDitKv * kv,
    GError ** error);

/* ---- output ---- */

/* Head_S2V as Live Avatar runs it: y = head (LN (x) * (1 + scale_f) +
 * shift_f) with (shift_f, scale_f) = head.modulation + e[f] per frame.
 * x [>= n, dim] (its first n = y's rows are the noisy tokens),
 * e [n_frames, dim] (la_dit_time_embedding's e), y [n, prod (patch) *
 * out_dim], n a multiple of n_frames. */
gboolean        la_dit_head (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaTensor * e, GError ** error);

/* The head's rows back into a latent video: @y [F * h * w, pt * ph * pw *
 * out_dim] (channel fastest) into video [out_dim, F * pt, h * ph, w * pw]
 * (einsum 'fhwpqrc->cfphqwr'). */
gboolean        la_dit_unpatchify (LaDit * dit, LaTensor * video,
    const LaTensor * y, gint n_frames, gint h, gint w, GError ** error);

/* ---- positions (host) ---- */

/* (t, y, x) of each token of an n_frames x h x w grid whose first frame
 * sits at time index @t0: pos [n_frames * h * w * 3]. Live Avatar gives
 * noisy frames their absolute latent frame index and the reference image
 * t0 = 30 (plus its rollout offset). */
void            la_dit_grid_positions (gint32 * pos, gint t0, gint n_frames,
    gint h, gint w);

G_END_DECLS

#endif /* __LA_DIT_H__ */
