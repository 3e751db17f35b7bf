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
  memset (stage->device_state, 0, sizeof (stage->device_state));
  stage->reference_serial = 0;
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
