/* liveavatar: the assembled model's state (private to src/model/avatar)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __LA_AVATAR_PRIVATE_H__
#define __LA_AVATAR_PRIVATE_H__

#include "la-avatar.h"

G_BEGIN_DECLS

struct _LaAvatar
{
  LaBackend      *backend;
  gint            width, height;
  gint            h, w;         /* latent grid */
  gint            z;            /* latent channels */
  LaDit          *dit;
  LaVae          *vae;
  LaWav2Vec2     *wav2vec2;
  LaT5TextEncoder *text_encoder;
  LaSamplerSchedule schedule;
  gint            audio_dim;
  gint            text_dim;
  gint            text_len;     /* the DiT's, from config.json */
  gint            prompt_serial;        /* atomic: the last serial given */
  LaPrecision     precision;    /* resolved */
  LaDitCompute    compute;      /* resolved */
};

/* a shape as an expression: SHAPE (z, 3, h, w) */
#define SHAPE(...) ((const gint64[]) { __VA_ARGS__ })

/* a new fp32 tensor on the avatar's backend holding @data (may be NULL) */
LaTensor       *la_avatar_tensor (LaAvatar * avatar, gint n_dims,
    const gint64 * ne, const gfloat * data, GError ** error);

/* the cross-attention K/V of @prompt's context on @avatar's DiT (text
 * embedding, then each layer's K/V), a new copy */
LaDitCrossKv   *la_avatar_make_cross (LaAvatar * avatar,
    const LaAvatarPrompt * prompt, GError ** error);
/* @prompt's cross-attention K/V on @prompt->avatar, made on the first
 * call (thread-safe); owned by the prompt, valid while it is referenced */
const LaDitCrossKv *la_avatar_prompt_get_cross (LaAvatarPrompt * prompt,
    GError ** error);

G_END_DECLS

#endif /* __LA_AVATAR_PRIVATE_H__ */
