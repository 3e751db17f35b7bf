/* liveavatar: Live Avatar's streaming VAE decode
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * What Live Avatar's timestep-forcing pipeline does with the VAE
 * (liveavatar/models/wan/causal_s2v_pipeline_tpp.py, WanS2V.generate, on
 * the VAE rank; wan_2_2/modules/vae_streaming.py, WanVAE_.stream_decode):
 *
 * 1. Once, before the first block: stream_decode (motion_latents[:, :, :7])
 *    on a fresh decoder cache, pictures thrown away. The motion latents are
 *    the encoding of the reference image repeated 73 times, so this
 *    "primes" the causal cache with a still reference; it also uses up the
 *    1-picture first latent frame.
 * 2. Every block (3 latent frames, 12 pictures): stream_decode (block) with
 *    the cache carried on, never reset, across blocks and clips.
 * 3. The first block of the first clip drops its first 3 pictures (9 kept).
 *
 * LaVaeStream does exactly that for latents given in any grouping (a block,
 * a latent frame, a clip): it drops the first LA_VAE_STREAM_DROP pictures
 * decoded after priming, wherever they fall. Without priming it decodes
 * like la_vae_decode () and drops nothing. Its cache has the VAE's
 * compute dtype (bf16 for a la_vae_new_with_dtype (..., LA_DTYPE_BF16,
 * ...) VAE); its latents and pictures are fp32.
 */

#ifndef __LA_VAE_STREAM_H__
#define __LA_VAE_STREAM_H__

#include "la-vae.h"

G_BEGIN_DECLS

/* motion latents decoded to prime the cache (motion_latents[:, :, :7]) */
#define LA_VAE_STREAM_PRIME_LATENTS 7
/* pictures dropped after priming (image[:, :, 3:] of the first block) */
#define LA_VAE_STREAM_DROP 3

typedef struct _LaVaeStream LaVaeStream;

LaVaeStream    *la_vae_stream_new (LaVae * vae);
void            la_vae_stream_free (LaVaeStream * stream);

/* Resets the cache and decodes the first min (M, LA_VAE_STREAM_PRIME_LATENTS)
 * frames of @motion_latents [z_dim, M, h, w], keeping no picture; the
 * next LA_VAE_STREAM_DROP pictures will be dropped too. */
gboolean        la_vae_stream_prime (LaVaeStream * stream,
    const LaTensor * motion_latents, GError ** error);

/* Back to an unprimed stream's start. */
void            la_vae_stream_reset (LaVaeStream * stream);

/* pictures la_vae_stream_decode () of @n_latent latent frames gives now */
gint64          la_vae_stream_n_pictures (LaVaeStream * stream,
    gint64 n_latent);

/* Decodes @z [z_dim, F, h, w] into @out [la_vae_stream_n_pictures (F), 3,
 * 8h, 8w] (a 0-picture result is allowed with out NULL). */
gboolean        la_vae_stream_decode (LaVaeStream * stream, LaTensor * out,
    const LaTensor * z, GError ** error);

G_END_DECLS

#endif /* __LA_VAE_STREAM_H__ */
