/* liveavatar: Live Avatar generation in one thread
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The whole of Live Avatar's streaming generation as one loop over
 * blocks, with la-avatar.h's pieces in the order the engine's stages run
 * them: what liveavatar-cli generate runs, and what the parity tests hold
 * against the PyTorch oracle and against the threaded engine. Every block
 * gives 12 frames: the very first block's 3 frames that the streaming
 * decoder drops are the reference picture (the engine does the same).
 *
 * Dumps (on_latent, on_pixels) carry the names docs/models.md lists:
 *   "block%04" G_GUINT64_FORMAT ".step%d"  [z, 3, h, w] after step i
 *   "block%04" G_GUINT64_FORMAT ".pixels"  [n, 3, H, W] decoded, in [-1, 1]
 */

#ifndef __LA_AVATAR_GENERATE_H__
#define __LA_AVATAR_GENERATE_H__

#include "la-avatar.h"

G_BEGIN_DECLS

typedef struct
{
  guint64         seed;
  guint           n_blocks;     /* 4 per clip */
  gboolean        online_decode;        /* FALSE: decode per clip */

  LaAvatarCond   *cond;         /* the reference picture */
  LaAvatarPrompt *prompt;

  /* [n_blocks * 12, 25, audio_dim] features; or NULL and @pcm */
  const gfloat   *features;
  /* 16 kHz mono, n_blocks * 7680 samples at least (padded with silence
   * when shorter), encoded with the streaming window as the engine does */
  const gfloat   *pcm;
  gsize           n_pcm;

  /* NULL: la_avatar_noise (); else clip c's noise [z, 12, h, w] at
   * noise + c * z * 12 * h * w, for every clip the blocks touch */
  const gfloat   *noise;
  /* NULL: each step's own seeded draws; else draws[block * S + step] */
  const gint     *draws;

  /* every 12 (or fewer at the end) frames, in order: packed RGB */
  gboolean        (*on_frames) (gpointer user_data, guint64 first_frame,
      const guint8 * rgb, guint n_frames, GError ** error);
  /* optional: each block's latent after each step */
  gboolean        (*on_latent) (gpointer user_data, guint64 block,
      gint step, const gfloat * latent, GError ** error);
  /* optional: each decode's pictures as floats [n, 3, H, W]; not
   * online, one per clip (up to 48 pictures) named by its first block */
  gboolean        (*on_pixels) (gpointer user_data, guint64 block,
      const gfloat * pixels, guint n_pictures, GError ** error);
  gpointer        user_data;
} LaAvatarGenerateParams;

void            la_avatar_generate_params_init (LaAvatarGenerateParams * p);

gboolean        la_avatar_generate (LaAvatar * avatar,
    const LaAvatarGenerateParams * params, GError ** error);

G_END_DECLS

#endif /* __LA_AVATAR_GENERATE_H__ */
