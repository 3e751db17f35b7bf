/* liveavatar: the audio front-end stage
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Turns a block's audio into the features the DiT is conditioned on
 * (Live Avatar: wav2vec2 hidden states; the test model: per-frame RMS).
 * Conditioning changes (the prompt) take effect here, at a block boundary.
 *
 * Live Avatar's front-end encodes a window around each block
 * (la-audio-frontend.h, the default window): the block carries its own
 * audio plus the look-ahead, and the look-back reaches into blocks that
 * already went by, so the stage keeps that history itself. Blocks come in
 * order; a new epoch starts the stream over. A drain tells the window
 * where the stream ended (LaBlock stream_end), so the last blocks are
 * encoded as the whole file's end is.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "la-session-internal.h"
#include "la-test-model.h"

/* A NaN or infinity would spread through the features into every later
 * picture (and, with the real model, the KV cache): a broken upstream is an
 * error, not something to paint over. */
static gboolean
check_finite (const LaBlock * block, GError ** error)
{
  guint i;

  for (i = 0; i < block->valid_samples; i++) {
    if (!isfinite (block->samples[i])) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
          "audio sample %" G_GUINT64_FORMAT " is %s: the input must be "
          "finite float samples in [-1, 1]",
          block->index * LA_SAMPLES_PER_BLOCK + i,
          isnan (block->samples[i]) ? "NaN" : "infinite");
      return FALSE;
    }
  }
  return TRUE;
}

void
la_stage_audio_reset (LaStage * stage)
{
  if (stage->history)
    g_array_set_size (stage->history, 0);
  stage->history_start = 0;
}

/* Appends what @block adds to the history: its samples from where the
 * history ends (the previous block's look-ahead is already in). */
static void
extend_history (LaStage * stage, const LaBlock * block)
{
  guint64 first = block->index * LA_SAMPLES_PER_BLOCK;
  guint64 have = stage->history_start + stage->history->len;
  guint64 skip;

  /* the first block of an epoch (blocks never leave a gap in one) */
  if (stage->history->len == 0 || have < first) {
    g_array_set_size (stage->history, 0);
    stage->history_start = first;
    have = first;
  }
  skip = have - first;
  if (skip < block->n_samples)
    g_array_append_vals (stage->history, block->samples + skip,
        (guint) (block->n_samples - skip));
}

static gboolean
encode_avatar (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;
  const LaAudioWindow *window = &s->engine->audio_window;
  gint64 first = (gint64) block->index * LA_FRAMES_PER_BLOCK;
  gint64 start, end, n_pcm;
  gboolean eos = block->stream_end != G_MAXUINT64;

  extend_history (stage, block);
  n_pcm = stage->history->len;
  if (eos)
    n_pcm = MIN (n_pcm, (gint64) block->stream_end -
        (gint64) stage->history_start);

  /* QoS: a late block will not be generated (earlier frames only get
   * later), so its features are not worth wav2vec2's time; its audio stays
   * in the history for the next windows */
  if (block->skipped || la_session_block_is_late (s, block)) {
    block->skipped = TRUE;
  } else {
    block->avatar_features =
        g_new (gfloat, la_avatar_block_features_size (s->avatar));
    if (!la_audio_frontend_encode (la_avatar_get_wav2vec2 (s->avatar),
            window, (const gfloat *) stage->history->data,
            (gint64) stage->history_start, n_pcm, eos, first,
            LA_FRAMES_PER_BLOCK, block->avatar_features, error))
      return FALSE;
  }

  /* what the next block's window no longer reaches */
  la_audio_window_range (window, first + LA_FRAMES_PER_BLOCK,
      LA_FRAMES_PER_BLOCK, &start, &end);
  if ((guint64) start > stage->history_start) {
    guint drop = (guint) MIN ((guint64) start - stage->history_start,
        stage->history->len);

    g_array_remove_range (stage->history, 0, drop);
    stage->history_start += drop;
  }
  return TRUE;
}

/* Live Avatar cannot run without a picture of the person */
static gboolean
check_reference (const LaBlock * block, GError ** error)
{
  if (block->reference == NULL || block->reference->cond == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "model liveavatar needs a reference picture (block %"
        G_GUINT64_FORMAT " came without one): give it with "
        "la_session_set_reference_image before pushing audio", block->index);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_stage_audio_process (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;

  if (block->kind == LA_BLOCK_END)
    return TRUE;
  if (s->avatar && !check_reference (block, error))
    return FALSE;

  /* the test model has no text encoder: record where the prompt changed */
  if (block->prompt_serial != stage->prompt_serial) {
    stage->prompt_serial = block->prompt_serial;
    la_trace_add (s->trace, LA_TRACE_PROMPT, block->index, -1, stage->id, -1);
  }

  if (!check_finite (block, error))
    return FALSE;

  if (s->avatar) {
    if (!encode_avatar (stage, block, error))
      return FALSE;
  } else {
    la_test_model_features (block->samples, block->features);
  }
  la_trace_add (s->trace, LA_TRACE_AUDIO, block->index, -1, stage->id, -1);
  return TRUE;
}
