/* liveavatar: Live Avatar's streaming VAE decode
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Priming and dropping around la_vae_decode (); see la-vae-stream.h for
 * where each rule comes from. Dropped pictures are decoded into a scratch
 * tensor, since the causal cache needs every latent frame decoded. The
 * cache is the VAE's, in its compute dtype; latents and pictures here are
 * fp32 as la_vae_decode ()'s. */

#include "config.h"

#include "la-vae-stream.h"
#include "la-vae-private.h"
#include "liveavatar.h"

struct _LaVaeStream
{
  LaVae *vae;
  LaVaeCache *cache;
  gint64 to_drop;               /* pictures still to drop */
};

LaVaeStream *
la_vae_stream_new (LaVae * vae)
{
  LaVaeStream *stream;

  g_return_val_if_fail (vae != NULL, NULL);
  stream = g_new0 (LaVaeStream, 1);
  stream->vae = vae;
  stream->cache = la_vae_cache_new (vae);
  return stream;
}

void
la_vae_stream_free (LaVaeStream * stream)
{
  if (!stream)
    return;
  la_vae_cache_free (stream->cache);
  g_free (stream);
}

void
la_vae_stream_reset (LaVaeStream * stream)
{
  la_vae_cache_reset (stream->cache);
  stream->to_drop = 0;
}

/* a new f32 [n, 3, 8h, 8w] for latents @z */
static LaTensor *
new_pictures (LaVae * vae, const LaTensor * z, gint64 n, GError ** error)
{
  return la_vae_new_maps (la_vae_get_backend (vae), LA_DTYPE_F32, n, 3,
      8 * z->ne[2], 8 * z->ne[3], error);
}

gboolean
la_vae_stream_prime (LaVaeStream * stream, const LaTensor * motion_latents,
    GError ** error)
{
  const LaTensor *m = motion_latents;
  LaTensor *first = NULL, *scratch = NULL;
  gint64 n;
  gboolean ok;

  g_return_val_if_fail (m != NULL, FALSE);
  la_vae_stream_reset (stream);
  if (m->n_dims != 4 || m->ne[1] < 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: motion latents must be [z_dim, M, h, w]");
    return FALSE;
  }
  n = MIN (m->ne[1], LA_VAE_STREAM_PRIME_LATENTS);
  if (n < m->ne[1]) {
    /* motion_latents[:, :, :7] of channel-first latents is strided: copy
     * it out, channel by channel */
    gint64 ne[4] = { m->ne[0], n, m->ne[2], m->ne[3] };
    gint64 plane = m->ne[2] * m->ne[3], c;

    first = la_tensor_new (la_vae_get_backend (stream->vae), LA_DTYPE_F32, 4,
        ne, error);
    for (c = 0; first && c < m->ne[0]; c++) {
      gint64 cne[1] = { n * plane };
      LaTensor *d = la_tensor_new_view (first, c * n * plane, 1, cne, error);
      LaTensor *s = d ? la_tensor_new_view ((LaTensor *) m,
          c * m->ne[1] * plane, 1, cne, error) : NULL;

      ok = s && la_convert (la_vae_get_backend (stream->vae), d, s, error);
      la_tensor_free (s);
      la_tensor_free (d);
      if (!ok)
        goto error;
    }
    if (!first)
      goto error;
    m = first;
  }
  scratch = new_pictures (stream->vae, m,
      la_vae_cache_n_pictures (stream->cache, n), error);
  if (!scratch || !la_vae_decode (stream->vae, stream->cache, scratch, m,
          error))
    goto error;
  la_tensor_free (scratch);
  la_tensor_free (first);
  stream->to_drop = LA_VAE_STREAM_DROP;
  return TRUE;

  /* ERRORS */
error:
  {
    la_tensor_free (scratch);
    la_tensor_free (first);
    la_vae_stream_reset (stream);
    return FALSE;
  }
}

gint64
la_vae_stream_n_pictures (LaVaeStream * stream, gint64 n_latent)
{
  gint64 n = la_vae_cache_n_pictures (stream->cache, n_latent);

  return MAX (n - stream->to_drop, 0);
}

gboolean
la_vae_stream_decode (LaVaeStream * stream, LaTensor * out,
    const LaTensor * z, GError ** error)
{
  LaBackend *be = la_vae_get_backend (stream->vae);
  LaTensor *all = NULL, *kept = NULL;
  gint64 n, drop;

  g_return_val_if_fail (z != NULL, FALSE);
  if (z->n_dims != 4) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: latents must be [z_dim, F, h, w]");
    return FALSE;
  }
  n = la_vae_cache_n_pictures (stream->cache, z->ne[1]);
  drop = MIN (n, stream->to_drop);
  if (n > drop && !out) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "VAE: the stream gives %" G_GINT64_FORMAT " pictures here, and no "
        "output tensor", n - drop);
    return FALSE;
  }
  if (drop == 0)
    return la_vae_decode (stream->vae, stream->cache, out, z, error);

  all = new_pictures (stream->vae, z, n, error);
  if (!all || !la_vae_decode (stream->vae, stream->cache, all, z, error))
    goto error;
  if (n > drop) {
    kept = la_vae_frames (all, drop, n - drop, error);
    if (!kept)
      goto error;
    if (!la_tensor_same_shape (out, kept)) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "VAE: the stream gives %" G_GINT64_FORMAT " pictures here; the "
          "output tensor does not fit them", n - drop);
      goto error;
    }
    if (!la_convert (be, out, kept, error))
      goto error;
  }
  stream->to_drop -= drop;
  la_tensor_free (kept);
  la_tensor_free (all);
  return TRUE;

  /* ERRORS */
error:
  {
    la_tensor_free (kept);
    la_tensor_free (all);
    return FALSE;
  }
}
