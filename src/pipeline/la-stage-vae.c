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
 *
 * model=liveavatar: one streaming decoder (LaAvatarDecoder) per session,
 * primed with the reference picture's motion latents before the first
 * decode of an epoch, its causal cache carried across blocks, clips and
 * picture changes. Decoding the first latent frame after priming gives
 * fewer pictures (Live Avatar drops the first block's first 3 frames):
 * those frames show the reference picture itself, so every block still
 * gives 12 frames, as la_avatar_generate does. They are not flagged: they
 * are what the model is conditioned on, a still of the person, and a
 * consumer has nothing to do differently with them. Without online decode
 * the decoder runs once per clip (Live Avatar's per-clip decode): the
 * clip's blocks wait here and their frames leave together (a drain's last
 * partial clip too; a QoS gap ends the clip so far early).
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
  if (stage->decoder)
    la_avatar_decoder_reset (stage->decoder);
  stage->primed = FALSE;
  if (stage->held)
    g_ptr_array_set_size (stage->held, 0);
}

gboolean
la_stage_vae_init (LaStage * stage, GError ** error)
{
  stage->decoder = la_avatar_decoder_new (stage->session->avatar, error);
  if (stage->decoder == NULL)
    return FALSE;
  stage->held = g_ptr_array_new_with_free_func ((GDestroyNotify)
      la_block_free);
  return TRUE;
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
picture_frame (LaStage * stage, const guint8 * rgb)
{
  LaSession *s = stage->session;
  gint width = s->engine->config.width, height = s->engine->config.height;
  LaFrame *frame = la_frame_new (s->format, width, height);

  la_pixel_convert_from_rgb (frame, rgb, width * 3);
  return frame;
}

static LaFrame *
repeat_frame (LaStage * stage, const LaBlock * block, guint64 index)
{
  LaSession *s = stage->session;
  LaFrame *frame;

  /* before any picture was generated: the test pattern with the mouth
   * closed, or the person's picture */
  if (stage->last_frame == NULL && s->avatar != NULL)
    return picture_frame (stage, block->reference->cond->picture);
  if (stage->last_frame == NULL)
    return render_frame (stage, index, 0.0);

  frame = la_frame_new (s->format, stage->last_frame->width,
      stage->last_frame->height);
  memcpy (frame->data, stage->last_frame->data, frame->size);
  return frame;
}

/* The first generated frame with another picture says so (repeated
 * frames still show the old one). The streaming decoder itself goes on
 * across the change: priming it again would cost Live Avatar's first 3
 * frames, and the frame count must not change. */
static gboolean
take_new_reference (LaStage * stage, const LaBlock * block)
{
  gboolean new_reference = !block->skipped && block->reference != NULL &&
      block->reference->serial != stage->reference_shown;

  if (new_reference)
    stage->reference_shown = block->reference->serial;
  return new_reference;
}

/* frame @i of @block: index and flags, then into the pending frames */
static void
add_frame (LaStage * stage, const LaBlock * block, guint i, LaFrame * frame,
    gboolean new_reference)
{
  guint64 index = block->index * LA_FRAMES_PER_BLOCK + i;

  frame->flags = block->skipped ? LA_FRAME_FLAG_REPEATED : LA_FRAME_FLAG_NONE;
  frame->index = index;
  if (i == 0 && new_reference)
    frame->flags |= LA_FRAME_FLAG_NEW_REFERENCE;
  if ((i + 1) * LA_SAMPLES_PER_FRAME > block->valid_samples)
    frame->flags |= LA_FRAME_FLAG_PADDING;
  if (index == 0)
    frame->flags |= LA_FRAME_FLAG_DISCONT;
  g_assert (stage->n_pending < G_N_ELEMENTS (stage->pending));
  stage->pending[stage->n_pending++] = frame;
}

/* a block's frames are all in: the last is what QoS repeats */
static void
generated (LaStage * stage, const LaBlock * block)
{
  LaSession *s = stage->session;

  if (stage->n_pending == 0)
    return;
  if (stage->last_frame)
    la_frame_unref (stage->last_frame);
  stage->last_frame = la_frame_ref (stage->pending[stage->n_pending - 1]);
  la_trace_add (s->trace, LA_TRACE_DECODE, block->index, -1, stage->id,
      (gint) stage->device->index);
}

static void
repeat_block (LaStage * stage, const LaBlock * block)
{
  guint i;

  for (i = 0; i < block->n_frames; i++)
    add_frame (stage, block, i, repeat_frame (stage, block,
            block->index * LA_FRAMES_PER_BLOCK + i), FALSE);
}

static void fill_block_stats (LaStage * stage, const LaBlock * block,
    LaBlockStats * st);

/* model=liveavatar: what the pending frames from @first on, @block's,
 * cost; its first frame carries it */
static void
finish_block (LaStage * stage, const LaBlock * block, guint first)
{
  LaBlockStats stats;

  fill_block_stats (stage, block, &stats);
  la_session_record_block (stage->session, block, stats.compute_us);
  if (stage->n_pending > first)
    la_frame_set_block_stats (stage->pending[first], &stats);
}

/* the held blocks' latents side by side: [z, 3 n, h, w] */
static gfloat *
gather_latents (LaStage * stage, gint * n_latent)
{
  LaAvatar *a = stage->session->avatar;
  guint n = stage->held->len, j;
  gfloat *latent = g_new (gfloat, la_avatar_block_latent_size (a) * n);

  for (j = 0; j < n; j++) {
    const LaBlock *b = g_ptr_array_index (stage->held, j);

    la_avatar_copy_latent_frames (a, latent, (gint) n * LA_LATENTS_PER_BLOCK,
        (gint) j * LA_LATENTS_PER_BLOCK, b->avatar_latent,
        LA_LATENTS_PER_BLOCK, 0, LA_LATENTS_PER_BLOCK);
  }
  *n_latent = (gint) (n * LA_LATENTS_PER_BLOCK);
  return latent;
}

/* Decodes the held blocks in one go and renders their frames: the
 * decoder's pictures fill the last frames of the 12 per block; frames it
 * does not give (just after priming) show the reference picture. */
static gboolean
decode_held (LaStage * stage, GError ** error)
{
  LaSession *s = stage->session;
  gint width = s->engine->config.width, height = s->engine->config.height;
  gsize picture = (gsize) width * height * 3;
  guint n = stage->held->len, j, i;
  gint n_latent, n_pictures;
  gint64 missing, start, busy;
  gfloat *latent;
  guint8 *rgb;
  gboolean ok;

  if (n == 0)
    return TRUE;

  start = g_get_monotonic_time ();
  latent = gather_latents (stage, &n_latent);
  n_pictures = la_avatar_decoder_n_pictures (stage->decoder, n_latent);
  rgb = g_malloc (picture * MAX (n_pictures, 1));
  ok = la_avatar_decoder_decode (stage->decoder, latent, n_latent, rgb, NULL,
      error);
  g_free (latent);
  if (!ok)
    goto done;

  /* the blocks share the decode's time */
  busy = (g_get_monotonic_time () - start) / n;
  missing = (gint64) (n * LA_FRAMES_PER_BLOCK) - n_pictures;
  for (j = 0; j < n; j++) {
    LaBlock *b = g_ptr_array_index (stage->held, j);
    gboolean new_reference = take_new_reference (stage, b);
    guint first = stage->n_pending;

    b->stage_us[stage->id] = busy;
    for (i = 0; i < b->n_frames; i++) {
      gint64 k = (gint64) j * LA_FRAMES_PER_BLOCK + i - missing;
      const guint8 *src = k < 0 ? b->reference->cond->picture :
          rgb + (gsize) k * picture;

      add_frame (stage, b, i, picture_frame (stage, src), new_reference);
    }
    generated (stage, b);
    finish_block (stage, b, first);
  }

done:
  g_free (rgb);
  g_ptr_array_set_size (stage->held, 0);
  return ok;
}

static gboolean
process_avatar (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;

  if (block->kind == LA_BLOCK_END)
    return decode_held (stage, error);

  if (block->skipped) {
    guint first;

    /* the clip so far goes first: frames leave in order */
    if (!decode_held (stage, error))
      return FALSE;
    first = stage->n_pending;
    repeat_block (stage, block);
    finish_block (stage, block, first);
    return TRUE;
  }

  if (!stage->primed) {
    if (!la_avatar_decoder_prime (stage->decoder, block->reference->cond,
            error))
      return FALSE;
    stage->primed = TRUE;
  }
  g_ptr_array_add (stage->held, la_block_steal (block));
  if (s->engine->config.online_decode ||
      block->index % LA_BLOCKS_PER_CLIP == LA_BLOCKS_PER_CLIP - 1)
    return decode_held (stage, error);
  return TRUE;
}

gboolean
la_stage_vae_process (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;
  gboolean new_reference;
  guint i;

  if (block->kind == LA_BLOCK_END)
    return s->avatar ? process_avatar (stage, block, error) : TRUE;

  if (block->index != stage->next_block) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
        "%s: block %" G_GUINT64_FORMAT " arrived while block %"
        G_GUINT64_FORMAT " was expected (blocks out of order)", stage->name,
        block->index, stage->next_block);
    return FALSE;
  }
  stage->next_block++;

  block->skipped = block->skipped || la_session_block_is_late (s, block);
  if (s->avatar)
    return process_avatar (stage, block, error);

  new_reference = take_new_reference (stage, block);
  g_assert (stage->n_pending == 0);
  if (block->skipped) {
    repeat_block (stage, block);
  } else {
    for (i = 0; i < block->n_frames; i++)
      add_frame (stage, block, i, render_frame (stage,
              block->index * LA_FRAMES_PER_BLOCK + i, block->latent[i]),
          new_reference);
    generated (stage, block);
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

static void
push_pending (LaStage * stage, const LaBlock * block)
{
  guint i;

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

void
la_stage_vae_emit (LaStage * stage, LaBlock * block)
{
  LaSession *s = stage->session;
  LaBlockStats stats;

  if (block->kind == LA_BLOCK_END) {
    LaOutputItem *eos;

    /* model=liveavatar: a drain's last partial clip */
    push_pending (stage, block);
    eos = la_output_item_new_eos (block->epoch);
    if (la_queue_push (stage->out, eos, -1) != LA_QUEUE_OK)
      la_output_item_free (eos);
    return;
  }

  /* compute time, not wall time: frames held back by a consumer slower
   * than the engine (a synced sink rendering a file) are not latency the
   * engine adds. model=liveavatar: done per block as its frames were
   * made (they may leave a clip at a time) */
  if (s->avatar == NULL) {
    fill_block_stats (stage, block, &stats);
    la_session_record_block (s, block, stats.compute_us);
    if (stage->n_pending > 0)
      la_frame_set_block_stats (stage->pending[0], &stats);
  }
  push_pending (stage, block);
}
