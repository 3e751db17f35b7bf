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

gboolean
la_stage_audio_process (LaStage * stage, LaBlock * block, GError ** error)
{
  LaSession *s = stage->session;

  if (block->kind == LA_BLOCK_END)
    return TRUE;

  /* the test model has no text encoder: record where the prompt changed */
  if (block->prompt_serial != stage->prompt_serial) {
    stage->prompt_serial = block->prompt_serial;
    la_trace_add (s->trace, LA_TRACE_PROMPT, block->index, -1, stage->id, -1);
  }

  if (!check_finite (block, error))
    return FALSE;

  la_test_model_features (block->samples, block->features);
  la_trace_add (s->trace, LA_TRACE_AUDIO, block->index, -1, stage->id, -1);
  return TRUE;
}
