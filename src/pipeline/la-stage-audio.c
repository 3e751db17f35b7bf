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

#include "la-session-internal.h"
#include "la-test-model.h"

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

  la_test_model_features (block->samples, block->features);
  la_trace_add (s->trace, LA_TRACE_AUDIO, block->index, -1, stage->id, -1);
  return TRUE;
}
