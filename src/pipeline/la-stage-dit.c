/* liveavatar: a DiT stage: some of the sampling steps of every block
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar's timestep-forcing pipeline: with P stages and S steps,
 * stage k runs steps [k S / P, (k + 1) S / P) of each block on its device
 * group and passes the block on, so P blocks are in flight at P noise
 * levels. Each device keeps its own state across blocks (Live Avatar: one
 * KV cache per step); here that state only checks that blocks arrive in
 * order, which is what a cache needs. Within a group (Ulysses) each device
 * works on its slice of the block's sequence: the test model's latent
 * frames [d * 12 / U, (d + 1) * 12 / U).
 *
 * model=liveavatar: one LaAvatarStep per step the stage runs, each with
 * its caches (Live Avatar's kv_cache1[step]), reset at a new epoch. The
 * rolling sink: from the clip after a reference picture took effect
 * (block cond_block), every step's sink is cond_block's clean latent frame
 * 0, which only the stage running the LAST step sees; it publishes it
 * through the session and the other stages wait for it there (a wait that
 * a flush, an error or la_session_free ends). The steps live on the
 * stage's avatar, its device's (la-engine-private.h); the block's latent
 * and features stay host arrays between stages. Ulysses groups: the
 * group's first device computes the whole block, on CUDA as on the CPU,
 * and every device of the group is traced as taking part; splitting the
 * sequence over the group (all-to-all over heads) comes later.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "la-session-internal.h"
#include "la-test-model.h"

void
la_stage_dit_reset (LaStage * stage)
{
  guint i;

  memset (stage->device_state, 0, sizeof (stage->device_state));
  stage->reference_serial = 0;
  for (i = 0; i < G_N_ELEMENTS (stage->steps); i++) {
    if (stage->steps[i])
      la_avatar_step_reset (stage->steps[i]);
  }
  stage->sink_epoch = 0;
}

gboolean
la_stage_dit_init (LaStage * stage, GError ** error)
{
  LaSession *s = stage->session;
  guint step;

  for (step = stage->first_step; step < stage->end_step; step++) {
    stage->steps[step - stage->first_step] =
        la_avatar_step_new (stage->avatar, (gint) step, s->seed, error);
    if (stage->steps[step - stage->first_step] == NULL)
      return FALSE;
  }
  stage->sink_latent =
      g_new (gfloat, la_avatar_block_latent_size (stage->avatar) /
      LA_LATENTS_PER_BLOCK);
  return TRUE;
}

/* A picture this stage has not used yet comes with @block: Live Avatar
 * would fill the attention sink of each of this stage's steps (their cond
 * caches: the picture's latent and its motion latents, at t = 0) again
 * before denoising the block, as it does when it refreshes the sink after
 * the first clip; the rolling cache of the previous blocks stays, for
 * continuity of motion. The test model draws no person, so it only records
 * where that happened. A block QoS skips still counts: the next generated
 * one needs the filled caches. */
static void
prime_reference (LaStage * stage, const LaBlock * block)
{
  if (block->reference == NULL ||
      block->reference->serial == stage->reference_serial)
    return;
  stage->reference_serial = block->reference->serial;
  la_trace_add (stage->session->trace, LA_TRACE_REFERENCE, block->index, -1,
      stage->id, -1);
}

static gboolean
check_order (LaStage * stage, const LaBlock * block, GError ** error)
{
  guint d;

  for (d = 0; d < stage->group->n_devices; d++) {
    LaDitDeviceState *st = &stage->device_state[d];

    if (block->index != st->next_block) {
      g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
          "%s: block %" G_GUINT64_FORMAT " arrived on device %u while block %"
          G_GUINT64_FORMAT " was expected (blocks out of order)",
          stage->name, block->index, stage->group->devices[d].index,
          st->next_block);
      return FALSE;
    }
  }
  return TRUE;
}

static void
advance (LaStage * stage)
{
  guint d;

  for (d = 0; d < stage->group->n_devices; d++) {
    stage->device_state[d].next_block++;
    stage->device_state[d].blocks_seen++;
  }
}

/* the last stage: @latent [z, 3, h, w] -> the session's sink slot */
static void
publish_sink (LaStage * stage, const LaBlock * block, const gfloat * latent)
{
  LaSession *s = stage->session;

  la_avatar_copy_latent_frames (stage->avatar, stage->sink_latent, 1, 0,
      latent, LA_LATENTS_PER_BLOCK, 0, 1);
  la_session_publish_sink (s, block->epoch, block->index, stage->sink_latent);
  /* the stage's own copy is that frame now */
  stage->sink_epoch = block->epoch;
  stage->sink_block = block->index;
}

static gboolean
process_avatar (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;
  gboolean last = stage->end_step == (guint) s->engine->config.sample_steps;
  gboolean starts_clip = block->index == block->cond_block;
  LaAvatarSink sink;
  guint step, d;

  if (block->skipped || la_session_block_is_late (s, block)) {
    block->skipped = TRUE;
    for (step = stage->first_step; step < stage->end_step; step++)
      la_avatar_step_skip (stage->steps[step - stage->first_step],
          block->index);
    /* a sink frame that was never generated: the stages that wait for it
     * get the picture's own latent, the sink they had in this clip */
    if (last && starts_clip)
      la_session_publish_sink (s, block->epoch, block->index,
          block->reference->cond->ref_latent);
    return TRUE;
  }

  sink.cond = block->reference->cond;
  sink.cond_block = block->cond_block;
  sink.generated_ref = NULL;
  if (la_avatar_sink_needs_generated (block->index, block->cond_block)) {
    if (stage->sink_epoch != block->epoch ||
        stage->sink_block != block->cond_block) {
      if (!la_session_wait_sink (s, block->epoch, block->cond_block,
              stage->sink_latent, error))
        return FALSE;
      stage->sink_epoch = block->epoch;
      stage->sink_block = block->cond_block;
    }
    sink.generated_ref = stage->sink_latent;
  }

  if (stage->first_step == 0) {
    g_free (block->avatar_latent);
    block->avatar_latent =
        g_new (gfloat, la_avatar_block_latent_size (stage->avatar));
    la_avatar_noise (stage->avatar, s->seed, block->index,
        block->avatar_latent);
  }

  for (step = stage->first_step; step < stage->end_step; step++) {
    LaAvatarStep *st = stage->steps[step - stage->first_step];

    if (!la_avatar_step_prepare (st, block->index, &sink, block->prompt,
            error) ||
        !la_avatar_step_run (st, block->avatar_latent, block->index,
            block->avatar_features, -1, error))
      return FALSE;
    for (d = 0; d < stage->group->n_devices; d++)
      la_trace_add (s->trace, LA_TRACE_DIT_STEP, block->index, (gint) step,
          stage->id, (gint) stage->group->devices[d].index);
  }

  if (last && starts_clip)
    publish_sink (stage, block, block->avatar_latent);
  return TRUE;
}

gboolean
la_stage_dit_process (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;
  guint n_steps = (guint) s->engine->config.sample_steps;
  guint n_devices = stage->group->n_devices;
  guint step, d;

  if (block->kind == LA_BLOCK_END)
    return TRUE;
  if (!check_order (stage, block, error))
    return FALSE;
  prime_reference (stage, block);

  if (s->avatar) {
    if (!process_avatar (stage, block, error))
      return FALSE;
    advance (stage);
    return TRUE;
  }

  if (block->skipped || la_session_block_is_late (s, block)) {
    block->skipped = TRUE;
    advance (stage);
    return TRUE;
  }

  if (stage->first_step == 0)
    la_test_model_init_latent (s->seed, block->index, block->latent);

  for (step = stage->first_step; step < stage->end_step; step++) {
    if (s->engine->test_step_delay_us > 0)
      g_usleep (s->engine->test_step_delay_us);
    for (d = 0; d < n_devices; d++) {
      guint begin = d * LA_TEST_MODEL_LATENT_SIZE / n_devices;
      guint end = (d + 1) * LA_TEST_MODEL_LATENT_SIZE / n_devices;

      la_test_model_step (block->latent, block->features, begin, end, step,
          n_steps);
      la_trace_add (s->trace, LA_TRACE_DIT_STEP, block->index, (gint) step,
          stage->id, (gint) stage->group->devices[d].index);
    }
  }

  advance (stage);
  return TRUE;
}
