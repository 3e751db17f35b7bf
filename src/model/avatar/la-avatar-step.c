/* liveavatar: one denoising step of Live Avatar's timestep-forcing pipeline
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What rank i of WanS2V.generate (causal_s2v_pipeline_tpp.py) does for
 * every block: its own KV cache (kv_cache1 on that rank) with the sink
 * prefilled at t = 0, the cross-attention K/V of the prompt (its
 * crossattn_cache; here the prompt's own copy, shared by the steps of one
 * avatar, la_avatar_prompt_get_cross ()), one DiT forward at timestep i
 * and the scheduler's step i. */

#include "config.h"

#include "la-avatar-private.h"
#include "liveavatar.h"

#include <string.h>

struct _LaAvatarStep
{
  LaAvatar *avatar;
  gint index;
  guint64 seed;
  LaDitCache *cache;

  /* the prompt in use (a reference) and its cross K/V: the prompt's own
   * when the prompt belongs to this step's avatar, else own_cross */
  LaAvatarPrompt *cross_prompt;
  const LaDitCrossKv *cross;
  LaDitCrossKv *own_cross;

  /* what the sink holds */
  gboolean sink_set;
  LaAvatarCond *sink_cond;      /* a reference, so its address stays its */
  guint64 sink_cond_block;
  gboolean sink_generated;
  guint sink_serial;

  gboolean started;             /* a block came since new / reset */
  guint64 next_block;
  gboolean prepared;
  guint64 prepared_block;

  LaTensor *latent;             /* [z, 3, h, w] */
  LaTensor *velocity;
  LaTensor *local;              /* [3, num_audio_token + 1, dim] */
  LaTensor *global;             /* [3, dim] */
  LaTensor *ref;                /* [z, 1, h, w] */
  LaTensor *motion;             /* [z, 19, h, w] */
  gfloat *v_host;
};

guint64
la_avatar_draw_seed (guint64 seed, gint step)
{
  return seed + G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (guint64) (step + 1);
}

LaAvatarStep *
la_avatar_step_new (LaAvatar * avatar, gint step, guint64 seed, GError ** error)
{
  const LaDitConfig *dc;
  LaAvatarStep *s;
  gint64 fsl, F;

  g_return_val_if_fail (avatar != NULL, NULL);
  if (step < 0 || step >= avatar->schedule.n_steps) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: step %d outside the %d sample steps", step,
        avatar->schedule.n_steps);
    return NULL;
  }
  if (avatar->dit == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar: a step needs the DiT, and this avatar was loaded "
        "without it (load_dit FALSE)");
    return NULL;
  }
  dc = la_dit_get_config (avatar->dit);
  F = la_dit_audio_n_latent (LA_AVATAR_FRAMES_PER_BLOCK,
      LA_DIT_AUDIO_MOTION_FRAMES, LA_DIT_AUDIO_MOTION_LATENTS);
  fsl = (gint64) (avatar->h / 2) * (avatar->w / 2);

  s = g_new0 (LaAvatarStep, 1);
  s->avatar = avatar;
  s->index = step;
  s->seed = seed;
  s->v_host = g_new (gfloat, la_avatar_block_latent_size (avatar));
  /* the ring holds one clip, 12 latent frames (kv_cache_size); ring,
   * sink and raw sink keys in the DiT's compute dtype (bf16 on a GPU, as
   * Live Avatar's param_dtype caches) */
  if (!(s->cache = la_dit_cache_new (avatar->dit,
              LA_AVATAR_LATENTS_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP * fsl,
              la_dit_sink_tokens (avatar->dit, avatar->h, avatar->w),
              la_avatar_draw_seed (seed, step), error))
      || !(s->latent =
          la_avatar_tensor (avatar, 4, SHAPE (avatar->z,
                  LA_AVATAR_LATENTS_PER_BLOCK, avatar->h, avatar->w), NULL,
              error))
      || !(s->velocity =
          la_avatar_tensor (avatar, 4, s->latent->ne, NULL, error))
      || !(s->local =
          la_avatar_tensor (avatar, 3, SHAPE (F, dc->num_audio_token + 1,
                  dc->dim), NULL, error))
      || !(s->global =
          la_avatar_tensor (avatar, 2, SHAPE (F, dc->dim), NULL, error))
      ||!(s->ref =
          la_avatar_tensor (avatar, 4, SHAPE (avatar->z, 1, avatar->h,
                  avatar->w), NULL, error))
      || !(s->motion =
          la_avatar_tensor (avatar, 4, SHAPE (avatar->z,
                  LA_AVATAR_MOTION_LATENTS, avatar->h, avatar->w), NULL,
              error)))
    goto error;
  return s;

  /* ERRORS */
error:
  {
    la_avatar_step_free (s);
    return NULL;
  }
}

void
la_avatar_step_free (LaAvatarStep * step)
{
  if (!step)
    return;
  la_dit_cache_free (step->cache);
  la_dit_cross_kv_free (step->own_cross);
  if (step->cross_prompt)
    la_avatar_prompt_unref (step->cross_prompt);
  la_avatar_cond_unref (step->sink_cond);
  la_tensor_free (step->latent);
  la_tensor_free (step->velocity);
  la_tensor_free (step->local);
  la_tensor_free (step->global);
  la_tensor_free (step->ref);
  la_tensor_free (step->motion);
  g_free (step->v_host);
  g_free (step);
}

gint
la_avatar_step_get_index (LaAvatarStep * step)
{
  return step->index;
}

void
la_avatar_step_reset (LaAvatarStep * step)
{
  g_return_if_fail (step != NULL);
  la_dit_cache_reset (step->cache, la_avatar_draw_seed (step->seed,
          step->index));
  g_clear_pointer (&step->sink_cond, la_avatar_cond_unref);
  step->sink_set = FALSE;
  step->started = FALSE;
  step->prepared = FALSE;
  /* the cross K/V depend on the prompt alone: kept */
}

/* the cross K/V of @prompt: the prompt's shared copy, or for a prompt
 * made by another avatar (other weights, another device) a copy of the
 * step's own */
static gboolean
use_prompt (LaAvatarStep * s, LaAvatarPrompt * prompt, GError ** error)
{
  LaDitCrossKv *own = NULL;
  const LaDitCrossKv *cross;

  if (prompt->avatar == s->avatar)
    cross = la_avatar_prompt_get_cross (prompt, error);
  else
    cross = own = la_avatar_make_cross (s->avatar, prompt, error);
  if (!cross)
    return FALSE;
  la_dit_cross_kv_free (s->own_cross);
  s->own_cross = own;
  s->cross = cross;
  if (s->cross_prompt)
    la_avatar_prompt_unref (s->cross_prompt);
  s->cross_prompt = la_avatar_prompt_ref (prompt);
  return TRUE;
}

static gboolean
out_of_order (GError ** error, const gchar * what, guint64 block,
    guint64 expected)
{
  g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
      "Live Avatar step: %s block %" G_GUINT64_FORMAT ", expected block %"
      G_GUINT64_FORMAT, what, block, expected);
  return FALSE;
}

gboolean
la_avatar_step_prepare (LaAvatarStep * step, guint64 block,
    const LaAvatarSink * sink, LaAvatarPrompt * prompt, GError ** error)
{
  LaAvatar *a;
  gboolean generated;
  const gfloat *ref;
  gsize plane;

  g_return_val_if_fail (step != NULL, FALSE);
  a = step->avatar;
  if (step->started && block != step->next_block)
    return out_of_order (error, "prepare of", block, step->next_block);
  if (!sink || !sink->cond || !prompt
      || sink->cond_block % LA_AVATAR_BLOCKS_PER_CLIP != 0
      || sink->cond_block > block) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar step: block %" G_GUINT64_FORMAT " needs a prompt and "
        "a sink whose picture took effect at a clip boundary before it", block);
    return FALSE;
  }
  generated = la_avatar_sink_needs_generated (block, sink->cond_block);
  if (generated && !sink->generated_ref) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar step: block %" G_GUINT64_FORMAT " needs block %"
        G_GUINT64_FORMAT "'s clean latent frame 0 for its sink", block,
        sink->cond_block);
    return FALSE;
  }
  if (!step->started) {
    la_dit_cache_set_origin (step->cache, (gint64) block
        * LA_AVATAR_LATENTS_PER_BLOCK);
    step->started = TRUE;
    step->next_block = block;
  }
  if (step->cross_prompt != prompt && !use_prompt (step, prompt, error))
    return FALSE;

  /* Live Avatar prefills at r == 0 with the picture's latent and at r == 1
   * with the first generated frame, never dropping the motion */
  if (!step->sink_set || step->sink_cond != sink->cond
      || step->sink_cond_block != sink->cond_block
      || step->sink_generated != generated
      || step->sink_serial != prompt->serial) {
    plane = (gsize) a->z * a->h * a->w;
    ref = generated ? sink->generated_ref : sink->cond->ref_latent;
    step->sink_set = FALSE;
    if (!la_tensor_set_f32 (step->ref, ref, plane, error)
        || !la_tensor_set_f32 (step->motion, sink->cond->motion_latents,
            plane * LA_AVATAR_MOTION_LATENTS, error)
        || !la_dit_sink_prefill (a->dit, step->cache, step->ref, step->motion,
            FALSE, step->cross, error))
      return FALSE;
    if (step->sink_cond != sink->cond) {
      la_avatar_cond_unref (step->sink_cond);
      step->sink_cond = la_avatar_cond_ref (sink->cond);
    }
    step->sink_cond_block = sink->cond_block;
    step->sink_generated = generated;
    step->sink_serial = prompt->serial;
    step->sink_set = TRUE;
  }
  step->prepared = TRUE;
  step->prepared_block = block;
  return TRUE;
}

gboolean
la_avatar_step_run (LaAvatarStep * step, gfloat * latent, guint64 block,
    const gfloat * features, gint draw, GError ** error)
{
  LaAvatar *a;
  gsize n;
  gint own;

  g_return_val_if_fail (step != NULL, FALSE);
  a = step->avatar;
  if (!step->prepared || step->prepared_block != block)
    return out_of_order (error, "run of unprepared", block,
        step->prepared ? step->prepared_block : step->next_block);
  if (!latent || !features) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "Live Avatar step: run needs a latent and features");
    return FALSE;
  }
  /* the step's own draw is used up either way, so that its k-th draw
   * always belongs to its k-th block */
  own = la_dit_cache_next_draw (step->cache);
  if (draw < 0)
    draw = own;
  n = la_avatar_block_latent_size (a);
  if (!la_tensor_set_f32 (step->latent, latent, n, error)
      || !la_dit_audio_encode (a->dit, step->local, step->global, features,
          LA_AVATAR_FRAMES_PER_BLOCK, LA_DIT_AUDIO_MOTION_FRAMES,
          LA_DIT_AUDIO_MOTION_LATENTS, error)
      || !la_dit_forward (a->dit, step->cache, step->velocity, step->latent,
          a->schedule.timesteps[step->index],
          (gint64) block * LA_AVATAR_LATENTS_PER_BLOCK, draw, step->local,
          step->global, step->cross, error)
      || !la_tensor_get_f32 (step->velocity, step->v_host, n, error)
      || !la_sampler_euler_step (&a->schedule, step->index, latent,
          step->v_host, n, error))
      return FALSE;
  step->prepared = FALSE;
  step->next_block = block + 1;
  return TRUE;
}

void
la_avatar_step_skip (LaAvatarStep * step, guint64 block)
{
  g_return_if_fail (step != NULL);
  if (!step->started) {
    la_dit_cache_set_origin (step->cache, (gint64) block
        * LA_AVATAR_LATENTS_PER_BLOCK);
    step->started = TRUE;
  }
  la_dit_cache_next_draw (step->cache);
  step->prepared = FALSE;
  step->next_block = block + 1;
}
