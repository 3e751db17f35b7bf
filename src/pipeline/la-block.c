/* liveavatar: the work items that travel between stages
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "la-block.h"

LaBlock *
la_block_new_audio (guint epoch, guint64 index, const gfloat * samples,
    guint n_samples)
{
  LaBlock *b;

  g_return_val_if_fail (samples != NULL, NULL);
  g_return_val_if_fail (n_samples >= LA_SAMPLES_PER_BLOCK, NULL);

  b = g_new0 (LaBlock, 1);
  b->kind = LA_BLOCK_AUDIO;
  b->epoch = epoch;
  b->index = index;
  b->n_frames = LA_FRAMES_PER_BLOCK;
  b->valid_samples = LA_SAMPLES_PER_BLOCK;
  b->audio_complete_us = g_get_monotonic_time ();
  b->samples = g_memdup2 (samples, (gsize) n_samples * sizeof (gfloat));
  b->n_samples = n_samples;
  b->stream_end = G_MAXUINT64;
  return b;
}

LaBlock *
la_block_new_end (guint epoch, guint64 index)
{
  LaBlock *b = g_new0 (LaBlock, 1);

  b->kind = LA_BLOCK_END;
  b->epoch = epoch;
  b->index = index;
  b->audio_complete_us = g_get_monotonic_time ();
  b->stream_end = G_MAXUINT64;
  return b;
}

void
la_block_free (LaBlock * block)
{
  if (block == NULL)
    return;

  la_reference_unref (block->reference);
  if (block->prompt)
    la_avatar_prompt_unref (block->prompt);
  g_free (block->samples);
  g_free (block->avatar_features);
  g_free (block->avatar_latent);
  g_free (block);
}

LaBlock *
la_block_steal (LaBlock * block)
{
  LaBlock *b;

  g_return_val_if_fail (block != NULL, NULL);

  b = g_memdup2 (block, sizeof (LaBlock));
  block->reference = NULL;
  block->prompt = NULL;
  block->samples = NULL;
  block->avatar_features = NULL;
  block->avatar_latent = NULL;
  return b;
}

LaOutputItem *
la_output_item_new_frame (guint epoch, LaFrame * frame)
{
  LaOutputItem *item;

  g_return_val_if_fail (frame != NULL, NULL);

  item = g_new0 (LaOutputItem, 1);
  item->kind = LA_OUTPUT_FRAME;
  item->epoch = epoch;
  item->frame = frame;
  return item;
}

LaOutputItem *
la_output_item_new_eos (guint epoch)
{
  LaOutputItem *item = g_new0 (LaOutputItem, 1);

  item->kind = LA_OUTPUT_EOS;
  item->epoch = epoch;
  return item;
}

void
la_output_item_free (LaOutputItem * item)
{
  if (item == NULL)
    return;

  if (item->frame)
    la_frame_unref (item->frame);
  g_free (item);
}
