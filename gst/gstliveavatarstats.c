/* liveavatar: the per-block stats message both elements post
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * One flat structure per block, with the same field names in both
 * elements, so that one bus watch (or `gst-launch-1.0 -m`) reads either.
 * Per-stage figures are split by kind (audio, DiT stages, VAE) because an
 * operator compares the DiT stages with each other to balance a pipeline,
 * and the two ends with the frame budget.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstliveavatarstats.h"

void
gst_live_avatar_stats_count (GstLiveAvatarStatsInfo * info,
    const LaBlockStats * block)
{
  if (block->skipped) {
    info->blocks_skipped++;
    info->frames_repeated += block->n_frames;
  }
}

static void
append_int64 (GValue * array, gint64 v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_INT64);
  g_value_set_int64 (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

static void
append_uint (GValue * array, guint v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_UINT);
  g_value_set_uint (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

/* "0" or, for a Ulysses group, "0,1" */
static void
append_devices (GValue * array, const guint * devices, guint n)
{
  GValue item = G_VALUE_INIT;
  GString *list = g_string_new (NULL);
  guint d;

  for (d = 0; d < n; d++)
    g_string_append_printf (list, "%s%u", d > 0 ? "," : "", devices[d]);
  g_value_init (&item, G_TYPE_STRING);
  g_value_take_string (&item, g_string_free (list, FALSE));
  gst_value_array_append_and_take_value (array, &item);
}

GstMessage *
gst_live_avatar_stats_message_new (GstElement * element,
    const LaBlockStats * block, LaSession * session,
    const GstLiveAvatarStatsInfo * info)
{
  GValue dit_us = G_VALUE_INIT, dit_devices = G_VALUE_INIT;
  GValue depths = G_VALUE_INIT;
  LaSessionStats now;
  GstStructure *s;
  guint n = block->n_stages, i;
  gint vae_device = -1;

  g_return_val_if_fail (n >= 2, NULL);

  la_session_get_stats (session, &now);

  g_value_init (&dit_us, GST_TYPE_ARRAY);
  g_value_init (&dit_devices, GST_TYPE_ARRAY);
  for (i = 1; i + 1 < n; i++) {
    append_int64 (&dit_us, block->stage_us[i]);
    append_devices (&dit_devices, block->devices[i], block->n_devices[i]);
  }
  if (block->n_devices[n - 1] > 0)
    vae_device = (gint) block->devices[n - 1][0];

  g_value_init (&depths, GST_TYPE_ARRAY);
  for (i = 0; i < now.n_stages && i < G_N_ELEMENTS (now.queue_depth); i++)
    append_uint (&depths, now.queue_depth[i]);

  s = gst_structure_new (GST_LIVE_AVATAR_STATS_NAME,
      "block", G_TYPE_UINT64, block->block,
      "frame", G_TYPE_UINT64, info->frame,
      "n-frames", G_TYPE_UINT, block->n_frames,
      "pts", G_TYPE_UINT64, info->pts,
      "running-time", G_TYPE_UINT64, info->running_time,
      "skipped", G_TYPE_BOOLEAN, block->skipped,
      "audio-us", G_TYPE_INT64, block->stage_us[0], NULL);
  gst_structure_take_value (s, "dit-us", &dit_us);
  gst_structure_take_value (s, "dit-devices", &dit_devices);
  gst_structure_set (s,
      "vae-us", G_TYPE_INT64, block->stage_us[n - 1],
      "vae-device", G_TYPE_INT, vae_device,
      "block-us", G_TYPE_INT64, block->total_us,
      "compute-us", G_TYPE_INT64, block->compute_us,
      "max-block-us", G_TYPE_INT64, now.max_block_us, NULL);
  gst_structure_take_value (s, "queue-depths", &depths);
  gst_structure_set (s,
      "frames-dropped", G_TYPE_UINT64, info->frames_dropped,
      "frames-repeated", G_TYPE_UINT64, info->frames_repeated,
      "blocks-skipped", G_TYPE_UINT64, info->blocks_skipped,
      "latency", G_TYPE_UINT64, info->latency, NULL);
  if (info->source)
    gst_structure_set (s,
        "audio-dropped", G_TYPE_UINT64, info->audio_dropped,
        "silence", G_TYPE_UINT64, info->silence_fed, NULL);

  return gst_message_new_element (GST_OBJECT_CAST (element), s);
}
