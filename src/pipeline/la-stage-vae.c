/* liveavatar: the decoder stage: latents to pictures
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Renders a block's frames once the block is fully denoised, converts them
 * to the session's format, and only then hands them to the output queue,
 * so a block's frames leave together. QoS: a block whose frames are all
 * late is not rendered; its frames are copies of the last generated
 * picture (before any, the test pattern with the mouth closed), flagged
 * REPEATED, so the frame count and order never change.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "la-session-internal.h"
#include "la-frame.h"
#include "la-pixel-convert.h"
#include "la-test-model.h"

void
la_stage_vae_reset (LaStage * stage)
{
  guint i;

  for (i = 0; i < stage->n_pending; i++)
    la_frame_unref (stage->pending[i]);
  stage->n_pending = 0;
  if (stage->last_frame)
    la_frame_unref (stage->last_frame);
  stage->last_frame = NULL;
  stage->next_block = 0;
}

static LaFrame *
render_frame (LaStage * stage, guint64 index, gdouble level)
{
  LaSession *s = stage->session;
  gint width = s->engine->config.width, height = s->engine->config.height;
  LaFrame *frame = la_frame_new (s->format, width, height);

  la_test_model_render_rgb (stage->rgb, width * 3, width, height, index, level);
  la_pixel_convert_from_rgb (frame, stage->rgb, width * 3);
  return frame;
}

static LaFrame *
repeat_frame (LaStage * stage, guint64 index)
{
  LaSession *s = stage->session;
  LaFrame *frame;

  if (stage->last_frame == NULL)
    return render_frame (stage, index, 0.0);

  frame = la_frame_new (s->format, stage->last_frame->width,
      stage->last_frame->height);
  memcpy (frame->data, stage->last_frame->data, frame->size);
  return frame;
}

gboolean
la_stage_vae_process (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;
  gboolean late, new_reference;
  guint i;

  if (block->kind == LA_BLOCK_END)
    return TRUE;

  if (block->index != stage->next_block) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
        "%s: block %" G_GUINT64_FORMAT " arrived while block %"
        G_GUINT64_FORMAT " was expected (blocks out of order)", stage->name,
        block->index, stage->next_block);
    return FALSE;
  }
  stage->next_block++;

  late = block->skipped || la_session_block_is_late (s, block);
  block->skipped = late;
  /* The first generated frame with another picture says so (repeated
   * frames still show the old one). The streaming decoder itself goes on
   * across the change: priming it again would cost Live Avatar's first 3
   * frames, and the frame count must not change. */
  new_reference = !late && block->reference != NULL &&
      block->reference->serial != stage->reference_shown;
  if (new_reference)
    stage->reference_shown = block->reference->serial;

  g_assert (stage->n_pending == 0);
  for (i = 0; i < block->n_frames; i++) {
    guint64 index = block->index * LA_FRAMES_PER_BLOCK + i;
    LaFrame *frame;

    if (late) {
      frame = repeat_frame (stage, index);
      frame->flags = LA_FRAME_FLAG_REPEATED;
    } else {
      frame = render_frame (stage, index, block->latent[i]);
      frame->flags = LA_FRAME_FLAG_NONE;
    }
    frame->index = index;
    if (i == 0 && new_reference)
      frame->flags |= LA_FRAME_FLAG_NEW_REFERENCE;
    if ((i + 1) * LA_SAMPLES_PER_FRAME > block->valid_samples)
      frame->flags |= LA_FRAME_FLAG_PADDING;
    if (index == 0)
      frame->flags |= LA_FRAME_FLAG_DISCONT;
    stage->pending[stage->n_pending++] = frame;
  }

  if (!late && stage->n_pending > 0) {
    if (stage->last_frame)
      la_frame_unref (stage->last_frame);
    stage->last_frame = la_frame_ref (stage->pending[stage->n_pending - 1]);
    la_trace_add (s->trace, LA_TRACE_DECODE, block->index, -1, stage->id,
        (gint) stage->device->index);
  }
  return TRUE;
}

/* what @block cost and where it ran, for its first frame to carry */
static void
fill_block_stats (LaStage * stage, const LaBlock * block, LaBlockStats * st)
{
  LaSession *s = stage->session;
  guint i, d;

  memset (st, 0, sizeof (*st));
  st->block = block->index;
  st->n_frames = block->n_frames;
  st->skipped = block->skipped;
  st->total_us = g_get_monotonic_time () - block->audio_complete_us;
  st->n_stages = MIN (s->n_stages, G_N_ELEMENTS (st->stage_us));
  for (i = 0; i < st->n_stages; i++) {
    const LaStage *k = &s->stages[i];

    st->stage_us[i] = block->stage_us[i];
    st->compute_us += block->stage_us[i];
    if (k->kind == LA_STAGE_DIT) {
      st->n_devices[i] = k->group->n_devices;
      for (d = 0; d < k->group->n_devices; d++)
        st->devices[i][d] = k->group->devices[d].index;
    } else if (k->kind == LA_STAGE_VAE) {
      st->n_devices[i] = 1;
      st->devices[i][0] = k->device->index;
    }
  }
}

void
la_stage_vae_emit (LaStage * stage, LaBlock * block)
{
  LaSession *s = stage->session;
  LaBlockStats stats;
  guint i;

  if (block->kind == LA_BLOCK_END) {
    LaOutputItem *eos = la_output_item_new_eos (block->epoch);

    if (la_queue_push (stage->out, eos, -1) != LA_QUEUE_OK)
      la_output_item_free (eos);
    return;
  }

  fill_block_stats (stage, block, &stats);
  /* compute time, not wall time: frames held back by a consumer slower
   * than the engine (a synced sink rendering a file) are not latency the
   * engine adds */
  la_session_record_block (s, block, stats.compute_us);
  if (stage->n_pending > 0)
    la_frame_set_block_stats (stage->pending[0], &stats);
  for (i = 0; i < stage->n_pending; i++) {
    LaOutputItem *item = la_output_item_new_frame (block->epoch,
        stage->pending[i]);

    stage->pending[i] = NULL;
    /* FLUSHING: the session halted; the rest goes the same way */
    if (la_queue_push (stage->out, item, -1) != LA_QUEUE_OK)
      la_output_item_free (item);
  }
  stage->n_pending = 0;
}
