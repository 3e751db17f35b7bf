/* liveavatar: Live Avatar assembled: the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* ref_latents = vae.encode (picture) and motion_latents = vae.encode
 * (picture repeated 73 times), as WanS2V.generate prepares them. */

#include "config.h"

#include "la-avatar-private.h"
#include "liveavatar.h"

#include <string.h>

static LaAvatarCond *
cond_alloc (LaAvatar * a)
{
  LaAvatarCond *c = g_new0 (LaAvatarCond, 1);
  gsize plane = (gsize) a->z * a->h * a->w;

  c->ref_count = 1;
  c->ref_latent = g_new (gfloat, plane);
  c->motion_latents = g_new (gfloat, plane * LA_AVATAR_MOTION_LATENTS);
  c->picture = g_new (guint8, (gsize) a->width * a->height * 3);
  return c;
}

/* VAE-encodes @n_frames copies of @pix [3, H, W] into @z */
static gboolean
encode_copies (LaAvatar * a, const gfloat * pix, gint n_frames, gfloat * z,
    GError ** error)
{
  gsize frame = (gsize) 3 * a->width * a->height;
  gint64 vne[4] = { n_frames, 3, a->height, a->width };
  gint64 zne[4] = { a->z, la_vae_n_latents (n_frames), a->h, a->w };
  LaTensor *video = NULL, *lat = NULL;
  gfloat *host;
  gboolean ok = FALSE;
  gint i;

  host = g_new (gfloat, frame * n_frames);
  for (i = 0; i < n_frames; i++)
    memcpy (host + i * frame, pix, frame * sizeof (gfloat));
  if (!(video = la_avatar_tensor (a, 4, vne, host, error))
      || !(lat = la_avatar_tensor (a, 4, zne, NULL, error))
      || !la_vae_encode (a->vae, lat, video, error)
      || !la_tensor_get_f32 (lat, z, la_tensor_nelements (lat), error))
    goto out;
  ok = TRUE;

out:
  la_tensor_free (video);
  la_tensor_free (lat);
  g_free (host);
  return ok;
}

LaAvatarCond *
la_avatar_cond_new (LaAvatar * avatar, const guint8 * rgb, gint stride,
    GError ** error)
{
  LaAvatar *a = avatar;
  gsize plane = (gsize) a->width * a->height;
  LaAvatarCond *c;
  gfloat *pix;
  gint x, y, ch;

  g_return_val_if_fail (avatar != NULL, NULL);
  if (!a->vae) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: encoding a picture needs the VAE, which this avatar "
        "did not load (load_vae)");
    return NULL;
  }
  if (!rgb || stride < 3 * a->width) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: the reference picture must be %dx%d packed RGB "
        "(stride >= %d)", a->width, a->height, 3 * a->width);
    return NULL;
  }
  c = cond_alloc (a);
  pix = g_new (gfloat, 3 * plane);
  /* torchvision ToTensor (x / 255 in float32), then * 2 - 1 */
  for (y = 0; y < a->height; y++) {
    const guint8 *row = rgb + (gsize) y * stride;

    memcpy (c->picture + (gsize) y * a->width * 3, row, a->width * 3);
    for (x = 0; x < a->width; x++)
      for (ch = 0; ch < 3; ch++) {
        gfloat v = (gfloat) row[x * 3 + ch] / 255.0f;

        pix[ch * plane + (gsize) y * a->width + x] = v * 2.0f - 1.0f;
      }
  }
  if (!encode_copies (a, pix, 1, c->ref_latent, error)
      || !encode_copies (a, pix, LA_AVATAR_MOTION_FRAMES, c->motion_latents,
          error)) {
    la_avatar_cond_unref (c);
    c = NULL;
  }
  g_free (pix);
  return c;
}

LaAvatarCond *
la_avatar_cond_new_from_latents (LaAvatar * avatar, const gfloat * ref_latent,
    const gfloat * motion_latents, const guint8 * picture, GError ** error)
{
  gsize plane;
  LaAvatarCond *c;

  g_return_val_if_fail (avatar != NULL, NULL);
  if (!ref_latent || !motion_latents) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: a conditioning needs the ref and motion latents");
    return NULL;
  }
  plane = (gsize) avatar->z * avatar->h * avatar->w;
  c = cond_alloc (avatar);
  memcpy (c->ref_latent, ref_latent, plane * sizeof (gfloat));
  memcpy (c->motion_latents, motion_latents,
      plane * LA_AVATAR_MOTION_LATENTS * sizeof (gfloat));
  if (picture)
    memcpy (c->picture, picture, (gsize) avatar->width * avatar->height * 3);
  else
    memset (c->picture, 128, (gsize) avatar->width * avatar->height * 3);
  return c;
}

LaAvatarCond *
la_avatar_cond_ref (LaAvatarCond * cond)
{
  g_return_val_if_fail (cond != NULL, NULL);
  g_atomic_int_inc (&cond->ref_count);
  return cond;
}

void
la_avatar_cond_unref (LaAvatarCond * cond)
{
  if (!cond || !g_atomic_int_dec_and_test (&cond->ref_count))
    return;
  g_free (cond->ref_latent);
  g_free (cond->motion_latents);
  g_free (cond->picture);
  g_free (cond);
}
