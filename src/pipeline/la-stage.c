/* liveavatar: the loop every stage thread runs
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Take a block, drop it if its epoch is gone, reset the stage's state at
 * the first block of a new epoch, work on it, hand it on. The per-kind
 * work lives in la-stage-audio.c, la-stage-dit.c and la-stage-vae.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "la-session-internal.h"

static void
la_stage_reset (LaStage * stage)
{
  switch (stage->kind) {
    case LA_STAGE_AUDIO:
      la_stage_audio_reset (stage);
      break;
    case LA_STAGE_DIT:
      la_stage_dit_reset (stage);
      break;
    case LA_STAGE_VAE:
      la_stage_vae_reset (stage);
      break;
  }
}

static gboolean
la_stage_process (LaStage * stage, LaBlock * block, GError ** error)
{
  switch (stage->kind) {
    case LA_STAGE_AUDIO:
      return la_stage_audio_process (stage, block, error);
    case LA_STAGE_DIT:
      return la_stage_dit_process (stage, block, error);
    case LA_STAGE_VAE:
      return la_stage_vae_process (stage, block, error);
  }
  g_assert_not_reached ();
  return FALSE;
}

static void
la_stage_hand_on (LaStage * stage, LaBlock * block)
{
  if (stage->kind == LA_STAGE_VAE) {
    la_stage_vae_emit (stage, block);
    la_block_free (block);
    return;
  }
  /* FLUSHING: the session halted meanwhile, the block is stale anyway */
  if (la_queue_push (stage->out, block, -1) != LA_QUEUE_OK)
    la_block_free (block);
}

static gpointer
la_stage_thread (gpointer data)
{
  LaStage *stage = data;
  LaSession *s = stage->session;

  for (;;) {
    LaBlock *block = NULL;
    GError *err = NULL;
    gint64 start;

    switch (la_queue_pop (stage->in, (gpointer *) & block, -1)) {
      case LA_QUEUE_OK:
        break;
      case LA_QUEUE_FLUSHING:
        if (!la_session_wait_running (s))
          return NULL;
        continue;
      case LA_QUEUE_TIMEOUT:
        continue;
    }

    if (block->epoch != la_session_get_epoch (s)) {
      la_block_free (block);
      continue;
    }
    if (block->epoch != stage->state_epoch) {
      la_stage_reset (stage);
      stage->state_epoch = block->epoch;
    }

    start = g_get_monotonic_time ();
    if (la_session_take_fault (s, stage->id, block, &err) ||
        !la_stage_process (stage, block, &err)) {
      la_session_fail (s, block->epoch, err);
      la_block_free (block);
      /* our state may be half-updated: start clean in the next epoch */
      la_stage_reset (stage);
      continue;
    }
    if (block->kind == LA_BLOCK_AUDIO) {
      gint64 busy = g_get_monotonic_time () - start;

      if (stage->id < G_N_ELEMENTS (block->stage_us))
        block->stage_us[stage->id] = busy;
      la_session_record_stage (s, stage->id, block->epoch, busy);
    }

    la_stage_hand_on (stage, block);
  }
  return NULL;
}

gboolean
la_stage_start (LaStage * stage, GError ** error)
{
  GError *err = NULL;

  stage->thread = g_thread_try_new (stage->name, la_stage_thread, stage, &err);
  if (stage->thread == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
        "cannot start the %s thread: %s", stage->name, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

void
la_stage_join (LaStage * stage)
{
  if (stage->thread) {
    g_thread_join (stage->thread);
    stage->thread = NULL;
  }
}

/* after the thread is gone */
void
la_stage_clear (LaStage * stage)
{
  guint i;

  la_stage_reset (stage);
  if (stage->history)
    g_array_unref (stage->history);
  stage->history = NULL;
  for (i = 0; i < G_N_ELEMENTS (stage->steps); i++) {
    if (stage->steps[i])
      la_avatar_step_free (stage->steps[i]);
    stage->steps[i] = NULL;
  }
  g_free (stage->sink_latent);
  stage->sink_latent = NULL;
  if (stage->decoder)
    la_avatar_decoder_free (stage->decoder);
  stage->decoder = NULL;
  if (stage->held)
    g_ptr_array_unref (stage->held);
  stage->held = NULL;
  g_free (stage->rgb);
  stage->rgb = NULL;
  g_free (stage->name);
  stage->name = NULL;
}
