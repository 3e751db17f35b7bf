/* liveavatar: Live Avatar assembled: the prompt
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* context = umT5 (prompt), encoded once per prompt (WanS2V.encode_prompt),
 * or given already encoded; and the DiT's cross-attention K/V of it, once
 * per prompt for all the steps (Live Avatar's crossattn_cache holds them
 * once per rank; with every step on one device, one copy serves all). */

#include "config.h"

#include "la-avatar-private.h"
#include "liveavatar.h"

#include <string.h>

static LaAvatarPrompt *
prompt_alloc (LaAvatar * a, gint n_rows)
{
  LaAvatarPrompt *p = g_new0 (LaAvatarPrompt, 1);

  p->ref_count = 1;
  p->avatar = a;
  g_mutex_init (&p->lock);
  p->serial = (guint) g_atomic_int_add (&a->prompt_serial, 1) + 1;
  p->n_rows = n_rows;
  p->context = g_new (gfloat, (gsize) n_rows * a->text_dim);
  return p;
}

LaAvatarPrompt *
la_avatar_prompt_new (LaAvatar * avatar, const gchar * text, GError ** error)
{
  LaT5TextEncoder *te;
  LaT5TextInfo info = { 0 };
  LaTensor *ctx = NULL;
  LaAvatarPrompt *p = NULL;
  gfloat *all = NULL;
  gint64 ne[2];

  g_return_val_if_fail (avatar != NULL, NULL);
  te = avatar->text_encoder;
  if (!te) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: the text encoder was not loaded (load_text_encoder)");
    return NULL;
  }
  ne[0] = LA_TEXT_LEN;
  ne[1] = avatar->text_dim;
  /* on the encoder's backend, which may not be the avatar's (offload) */
  if (!(ctx = la_tensor_new (la_t5_encoder_get_backend
              (la_t5_text_encoder_get_encoder (te)), LA_DTYPE_F32, 2, ne,
              error))
      || !la_t5_text_encoder_encode (te, text ? text : "", ctx, &info, error))
    goto out;
  all = g_new (gfloat, ne[0] * ne[1]);
  if (!la_tensor_get_f32 (ctx, all, ne[0] * ne[1], error))
    goto out;
  /* the rows past the tokens are zeros, as the DiT's own padding */
  p = prompt_alloc (avatar, (gint) CLAMP (info.n_tokens, 1, LA_TEXT_LEN));
  memcpy (p->context, all, (gsize) p->n_rows * ne[1] * sizeof (gfloat));
  p->truncated = info.truncated;

out:
  g_free (all);
  la_tensor_free (ctx);
  return p;
}

LaAvatarPrompt *
la_avatar_prompt_new_from_context (LaAvatar * avatar, const gfloat * context,
    gint n_rows, GError ** error)
{
  LaAvatarPrompt *p;

  g_return_val_if_fail (avatar != NULL, NULL);
  /* the text length comes from config.json, so an avatar loaded without
   * its DiT (the VAE device's) can hold prompts for the DiT devices */
  if (!context || n_rows < 1 || n_rows > avatar->text_len) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: a context needs 1 to %d rows, not %d", avatar->text_len,
        n_rows);
    return NULL;
  }
  p = prompt_alloc (avatar, n_rows);
  memcpy (p->context, context, (gsize) n_rows * avatar->text_dim
      * sizeof (gfloat));
  return p;
}

LaAvatarPrompt *
la_avatar_prompt_ref (LaAvatarPrompt * prompt)
{
  g_return_val_if_fail (prompt != NULL, NULL);
  g_atomic_int_inc (&prompt->ref_count);
  return prompt;
}

void
la_avatar_prompt_unref (LaAvatarPrompt * prompt)
{
  if (!prompt || !g_atomic_int_dec_and_test (&prompt->ref_count))
    return;
  la_dit_cross_kv_free (prompt->cross);
  g_mutex_clear (&prompt->lock);
  g_free (prompt->context);
  g_free (prompt);
}

LaDitCrossKv *
la_avatar_make_cross (LaAvatar * avatar, const LaAvatarPrompt * prompt,
    GError ** error)
{
  const LaDitConfig *dc = la_dit_get_config (avatar->dit);
  LaTensor *ctx = NULL, *emb = NULL;
  LaDitCrossKv *cross = NULL;

  if ((ctx = la_avatar_tensor (avatar, 2, SHAPE (prompt->n_rows,
                  dc->text_dim), prompt->context, error))
      && (emb = la_avatar_tensor (avatar, 2, SHAPE (dc->text_len, dc->dim),
              NULL, error))
      && la_dit_text_embedding (avatar->dit, emb, ctx, error))
    cross = la_dit_cross_kv_new (avatar->dit, emb, error);
  la_tensor_free (ctx);
  la_tensor_free (emb);
  return cross;
}

const LaDitCrossKv *
la_avatar_prompt_get_cross (LaAvatarPrompt * prompt, GError ** error)
{
  const LaDitCrossKv *cross;

  /* the steps of one avatar may run in several threads: the first makes
   * the K/V, the others wait for them */
  g_mutex_lock (&prompt->lock);
  if (!prompt->cross)
    prompt->cross = la_avatar_make_cross (prompt->avatar, prompt, error);
  cross = prompt->cross;
  g_mutex_unlock (&prompt->lock);
  return cross;
}
