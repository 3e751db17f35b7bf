/* liveavatar: Live Avatar generation in one thread
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WanS2V.generate's rollout loop (causal_s2v_pipeline_tpp.py) with the
 * ranks' work done one after the other: per block, step i with cache i,
 * then the VAE rank's decode. */

#include "config.h"

#include "la-audio-frontend.h"
#include "la-avatar-generate.h"
#include "la-avatar-private.h"
#include "liveavatar.h"

#include <string.h>

void
la_avatar_generate_params_init (LaAvatarGenerateParams * p)
{
  g_return_if_fail (p != NULL);
  memset (p, 0, sizeof (*p));
}

typedef struct
{
  LaAvatar *a;
  const LaAvatarGenerateParams *p;
  gint n_steps;
  LaAvatarStep *steps[LA_SAMPLER_MAX_STEPS];
  LaAvatarDecoder *dec;
  gsize n_latent;               /* floats of a block latent */
  gsize hw;
  gfloat *latent;
  gfloat *features;
  gfloat *pcm;                  /* padded copy */
  gsize n_pcm;
  gfloat *generated_ref;        /* [z, 1, h, w] */
  gfloat *clip;                 /* [z, 12, h, w] for per-clip decode */
  gint clip_blocks;
  guint64 clip_first;
  guint8 *rgb;                  /* pictures of one decode */
  gfloat *pixels;
  gboolean first_decode;
} Gen;

static gboolean
block_features (Gen * g, guint64 b, GError ** error)
{
  gsize nf = la_avatar_block_features_size (g->a);
  LaAudioWindow window;

  if (g->p->features) {
    memcpy (g->features, g->p->features + b * nf, nf * sizeof (gfloat));
    return TRUE;
  }
  la_audio_window_init (&window);
  return la_audio_frontend_encode (g->a->wav2vec2, &window, g->pcm, 0,
      (gint64) g->n_pcm, TRUE, (gint64) b * LA_AVATAR_FRAMES_PER_BLOCK,
      LA_AVATAR_FRAMES_PER_BLOCK, g->features, error);
}

static void
block_noise (Gen * g, guint64 b)
{
  gint f0 = (gint) (b % LA_AVATAR_BLOCKS_PER_CLIP) *
      LA_AVATAR_LATENTS_PER_BLOCK;
  gint clip_frames = LA_AVATAR_LATENTS_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP;
  const gfloat *noise;

  if (!g->p->noise) {
    la_avatar_noise (g->a, g->p->seed, b, g->latent);
    return;
  }
  noise = g->p->noise + (b / LA_AVATAR_BLOCKS_PER_CLIP) * g->a->z
      * clip_frames * g->hw;
  la_avatar_copy_latent_frames (g->a, g->latent, LA_AVATAR_LATENTS_PER_BLOCK,
      0, noise, clip_frames, f0, LA_AVATAR_LATENTS_PER_BLOCK);
}

/* @n pictures of @g->rgb as frames: the very first decode's 3 dropped
 * pictures are the reference picture */
static gboolean
emit (Gen * g, guint64 first_block, gint n_blocks, gint n, GError ** error)
{
  gsize frame = (gsize) g->a->width * g->a->height * 3;
  gint missing = n_blocks * LA_AVATAR_FRAMES_PER_BLOCK - n;
  guint8 *all = NULL;
  const guint8 *src = g->rgb;
  gint i;
  gboolean ok = TRUE;

  if (g->p->on_pixels && n > 0 && !g->p->on_pixels (g->p->user_data,
          first_block, g->pixels, n, error))
    return FALSE;
  if (missing > 0) {
    all = g_new (guint8, frame * (n + missing));
    for (i = 0; i < missing; i++)
      memcpy (all + i * frame, g->p->cond->picture, frame);
    memcpy (all + missing * frame, g->rgb, n * frame);
    src = all;
  }
  for (i = 0; ok && i < n_blocks && g->p->on_frames; i++)
    ok = g->p->on_frames (g->p->user_data, (first_block + i)
        * LA_AVATAR_FRAMES_PER_BLOCK, src + i * LA_AVATAR_FRAMES_PER_BLOCK
        * frame, LA_AVATAR_FRAMES_PER_BLOCK, error);
  g_free (all);
  return ok;
}

static gboolean
decode (Gen * g, const gfloat * latent, gint n_latent, guint64 first_block,
    gint n_blocks, GError ** error)
{
  gint n = la_avatar_decoder_n_pictures (g->dec, n_latent);

  if (!la_avatar_decoder_decode (g->dec, latent, n_latent, g->rgb, g->pixels,
          error))
    return FALSE;
  return emit (g, first_block, n_blocks, n, error);
}

/* the block's latent into the clip's [z, 12, h, w], decoded at the clip's
 * end (or the last block) */
static gboolean
decode_clip (Gen * g, guint64 b, gboolean last, GError ** error)
{
  gint clip_frames = LA_AVATAR_LATENTS_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP;
  gint n_lat;
  gfloat *packed;
  gboolean ok;

  if (g->clip_blocks == 0)
    g->clip_first = b;
  la_avatar_copy_latent_frames (g->a, g->clip, clip_frames,
      g->clip_blocks * LA_AVATAR_LATENTS_PER_BLOCK, g->latent,
      LA_AVATAR_LATENTS_PER_BLOCK, 0, LA_AVATAR_LATENTS_PER_BLOCK);
  g->clip_blocks++;
  if (!last && b % LA_AVATAR_BLOCKS_PER_CLIP != LA_AVATAR_BLOCKS_PER_CLIP - 1)
    return TRUE;

  /* a partial clip: its frames packed as [z, n_lat, h, w] */
  n_lat = g->clip_blocks * LA_AVATAR_LATENTS_PER_BLOCK;
  packed = g_new (gfloat, (gsize) g->a->z * n_lat * g->hw);
  la_avatar_copy_latent_frames (g->a, packed, n_lat, 0, g->clip, clip_frames,
      0, n_lat);
  ok = decode (g, packed, n_lat, g->clip_first, g->clip_blocks, error);
  g_free (packed);
  g->clip_blocks = 0;
  return ok;
}

static gboolean
check_params (LaAvatar * a, const LaAvatarGenerateParams * p, GError ** error)
{
  const gchar *why = NULL;

  if (!p->cond || !p->prompt)
    why = "a conditioning and a prompt";
  else if (!p->features && !p->pcm)
    why = "features or pcm";
  else if (!p->features && !a->wav2vec2)
    why = "the audio encoder (load_audio_encoder) to use pcm";
  if (!why)
    return TRUE;
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
      "Live Avatar generate needs %s", why);
  return FALSE;
}

static void
gen_clear (Gen * g)
{
  gint i;

  for (i = 0; i < g->n_steps; i++)
    la_avatar_step_free (g->steps[i]);
  la_avatar_decoder_free (g->dec);
  g_free (g->latent);
  g_free (g->features);
  g_free (g->pcm);
  g_free (g->generated_ref);
  g_free (g->clip);
  g_free (g->rgb);
  g_free (g->pixels);
}

static gboolean
gen_init (Gen * g, LaAvatar * a, const LaAvatarGenerateParams * p,
    GError ** error)
{
  gsize frame = (gsize) a->width * a->height * 3;
  gsize max_pictures = (gsize) LA_AVATAR_FRAMES_PER_BLOCK
      * LA_AVATAR_BLOCKS_PER_CLIP;
  gint i;

  g->a = a;
  g->p = p;
  g->hw = (gsize) a->h * a->w;
  g->n_latent = la_avatar_block_latent_size (a);
  g->latent = g_new (gfloat, g->n_latent);
  g->features = g_new (gfloat, la_avatar_block_features_size (a));
  g->generated_ref = g_new (gfloat, a->z * g->hw);
  g->clip = g_new (gfloat, g->n_latent * LA_AVATAR_BLOCKS_PER_CLIP);
  g->rgb = g_new (guint8, frame * max_pictures);
  g->pixels = g_new (gfloat, frame * max_pictures);
  if (!p->features) {
    /* the stream is the pcm padded with silence to the blocks it feeds,
     * and ends there */
    g->n_pcm = MAX (p->n_pcm, (gsize) p->n_blocks
        * LA_AVATAR_FRAMES_PER_BLOCK * (LA_WAV2VEC2_SAMPLE_RATE / 25));
    g->pcm = g_new0 (gfloat, MAX (g->n_pcm, 1));
    memcpy (g->pcm, p->pcm, p->n_pcm * sizeof (gfloat));
  }
  g->n_steps = a->schedule.n_steps;
  for (i = 0; i < g->n_steps; i++)
    if (!(g->steps[i] = la_avatar_step_new (a, i, p->seed, error)))
      return FALSE;
  g->dec = la_avatar_decoder_new (a, error);
  return g->dec && la_avatar_decoder_prime (g->dec, p->cond, error);
}

gboolean
la_avatar_generate (LaAvatar * avatar, const LaAvatarGenerateParams * params,
    GError ** error)
{
  const LaAvatarGenerateParams *p = params;
  LaAvatarSink sink = { 0 };
  Gen g = { 0 };
  guint64 b;
  gboolean ok = FALSE;
  gint i;

  g_return_val_if_fail (avatar != NULL && params != NULL, FALSE);
  if (!check_params (avatar, p, error) || !gen_init (&g, avatar, p, error))
    goto out;

  sink.cond = p->cond;
  sink.cond_block = 0;
  sink.generated_ref = g.generated_ref;
  for (b = 0; b < p->n_blocks; b++) {
    if (!block_features (&g, b, error))
      goto out;
    block_noise (&g, b);
    for (i = 0; i < g.n_steps; i++) {
      gint draw = p->draws ? p->draws[b * g.n_steps + i] : -1;

      if (!la_avatar_step_prepare (g.steps[i], b, &sink, p->prompt, error)
          || !la_avatar_step_run (g.steps[i], g.latent, b, g.features, draw,
              error))
        goto out;
      if (p->on_latent && !p->on_latent (p->user_data, b, i, g.latent, error))
        goto out;
    }
    /* the rolling sink frame: latent frame 0 of the first clean block */
    if (b == sink.cond_block)
      la_avatar_copy_latent_frames (avatar, g.generated_ref, 1, 0, g.latent,
          LA_AVATAR_LATENTS_PER_BLOCK, 0, 1);
    if (p->online_decode) {
      if (!decode (&g, g.latent, LA_AVATAR_LATENTS_PER_BLOCK, b, 1, error))
        goto out;
    } else if (!decode_clip (&g, b, b + 1 == p->n_blocks, error))
      goto out;
  }
  ok = TRUE;

out:
  gen_clear (&g);
  return ok;
}
