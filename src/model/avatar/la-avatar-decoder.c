/* liveavatar: Live Avatar's streaming decode into pictures
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The VAE rank of WanS2V.generate (causal_s2v_pipeline_tpp.py): a
 * streaming decoder primed with the motion latents (la-vae-stream.h),
 * then save_video's conversion to bytes. */

#include "config.h"

#include "la-avatar-private.h"
#include "la-vae-stream.h"
#include "liveavatar.h"

struct _LaAvatarDecoder
{
  LaAvatar *avatar;
  LaVaeStream *stream;
};

LaAvatarDecoder *
la_avatar_decoder_new (LaAvatar * avatar, GError ** error)
{
  LaAvatarDecoder *dec;

  g_return_val_if_fail (avatar != NULL, NULL);
  if (!avatar->vae) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar decoder: this avatar did not load the VAE (load_vae)");
    return NULL;
  }
  dec = g_new0 (LaAvatarDecoder, 1);
  dec->avatar = avatar;
  dec->stream = la_vae_stream_new (avatar->vae);
  return dec;
}

void
la_avatar_decoder_free (LaAvatarDecoder * dec)
{
  if (!dec)
    return;
  la_vae_stream_free (dec->stream);
  g_free (dec);
}

gboolean
la_avatar_decoder_prime (LaAvatarDecoder * dec, const LaAvatarCond * cond,
    GError ** error)
{
  LaAvatar *a;
  LaTensor *m;
  gboolean ok;

  g_return_val_if_fail (dec != NULL, FALSE);
  a = dec->avatar;
  if (!cond) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar decoder: priming needs a conditioning");
    return FALSE;
  }
  /* only the first LA_VAE_STREAM_PRIME_LATENTS are decoded */
  m = la_avatar_tensor (a, 4, SHAPE (a->z, LA_AVATAR_MOTION_LATENTS, a->h,
          a->w), cond->motion_latents, error);
  if (!m)
    return FALSE;
  ok = la_vae_stream_prime (dec->stream, m, error);
  la_tensor_free (m);
  return ok;
}

void
la_avatar_decoder_reset (LaAvatarDecoder * dec)
{
  g_return_if_fail (dec != NULL);
  la_vae_stream_reset (dec->stream);
}

gint
la_avatar_decoder_n_pictures (LaAvatarDecoder * dec, gint n_latent)
{
  return (gint) la_vae_stream_n_pictures (dec->stream, n_latent);
}

/* save_video: make_grid (normalize, value_range (-1, 1)) clamps and maps to
 * [0, 1], then (x * 255).type (uint8) truncates */
static void
to_rgb (const gfloat * pix, gint n, gint height, gint width, guint8 * rgb)
{
  gsize plane = (gsize) height * width;
  gint p, ch;
  gsize i;

  for (p = 0; p < n; p++) {
    const gfloat *src = pix + (gsize) p * 3 * plane;
    guint8 *dst = rgb + (gsize) p * 3 * plane;

    for (ch = 0; ch < 3; ch++)
      for (i = 0; i < plane; i++) {
        gfloat x = CLAMP (src[ch * plane + i], -1.0f, 1.0f);

        dst[i * 3 + ch] = (guint8) ((x + 1.0f) / 2.0f * 255.0f);
      }
  }
}

gboolean
la_avatar_decoder_decode (LaAvatarDecoder * dec, const gfloat * latent,
    gint n_latent, guint8 * rgb, gfloat * pixels, GError ** error)
{
  LaAvatar *a;
  LaTensor *z = NULL, *out = NULL;
  gfloat *host = NULL;
  gint64 n;
  gboolean ok = FALSE;

  g_return_val_if_fail (dec != NULL, FALSE);
  a = dec->avatar;
  if (!latent || n_latent < 1 || !rgb) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar decoder: decode needs latents and a picture buffer");
    return FALSE;
  }
  n = la_vae_stream_n_pictures (dec->stream, n_latent);
  if (!(z =
          la_avatar_tensor (a, 4, SHAPE (a->z, n_latent, a->h, a->w), latent,
              error)))
    goto out;
  if (n > 0
      && !(out =
          la_avatar_tensor (a, 4, SHAPE (n, 3, a->height, a->width), NULL,
              error)))
    goto out;
  if (!la_vae_stream_decode (dec->stream, out, z, error))
    goto out;
  if (n > 0) {
    host = pixels ? pixels : g_new (gfloat, la_tensor_nelements (out));
    if (!la_tensor_get_f32 (out, host, la_tensor_nelements (out), error))
      goto out;
    to_rgb (host, (gint) n, a->height, a->width, rgb);
  }
  ok = TRUE;

out:
  if (host != pixels)
    g_free (host);
  la_tensor_free (z);
  la_tensor_free (out);
  return ok;
}
