/* liveavatar: helpers shared by the element tests
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

#include "check-util.h"
#include "liveavatar.h"

gpointer
push_job (gpointer data)
{
  PushJob *job = data;

  job->ret = gst_harness_push (job->h, job->buf);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

guint
test_model_lookahead (gint width, gint height)
{
  LaEngineConfig cfg;
  LaEngine *engine;
  GError *err = NULL;
  guint lookahead;

  la_engine_config_init (&cfg);
  cfg.model = LA_MODEL_TEST;
  cfg.backend = LA_BACKEND_CPU;
  cfg.width = width;
  cfg.height = height;
  engine = la_engine_new (&cfg, &err);
  fail_unless (engine != NULL, "%s", err ? err->message : "?");
  lookahead = la_engine_get_lookahead_samples (engine);
  la_engine_free (engine);
  return lookahead;
}

guint64
decode_index (GstVideoFrame * frame)
{
  guint64 index = 0;
  gint i;

  for (i = 0; i < 32; i++) {
    gint x = 4 * (i % 16) + 2, y = 4 * (i / 16) + 2;
    guint8 *p = GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
        y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) +
        x * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);

    if (*p >= 128)
      index |= G_GUINT64_CONSTANT (1) << i;
  }
  return index;
}

GstEvent *
wait_eos (GstHarness * h, gboolean * saw_caps)
{
  GstEvent *event;
  GstBuffer *buf;

  while ((event = gst_harness_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
      break;
    if (saw_caps != NULL && GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
      *saw_caps = TRUE;
    gst_event_unref (event);
  }
  fail_unless (event != NULL, "no EOS");
  /* frames go out before EOS: any left now is one too many */
  buf = gst_harness_try_pull (h);
  if (buf != NULL)
    fail ("frame %" G_GUINT64_FORMAT " after the last",
        GST_BUFFER_OFFSET (buf));
  return event;
}

/* ---- liveavatar-stats messages ---- */

GstMessage *
pop_stats (GstBus * bus)
{
  GList *others = NULL, *l;
  GstMessage *msg, *found = NULL;

  /* not gst_bus_pop_filtered (): it drops what does not match */
  while (found == NULL && (msg = gst_bus_pop (bus)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (msg, "liveavatar-stats"))
      found = msg;
    else
      others = g_list_prepend (others, msg);
  }
  /* the others go back, in their order (behind any posted meanwhile) */
  others = g_list_reverse (others);
  for (l = others; l != NULL; l = l->next)
    gst_bus_post (bus, l->data);
  g_list_free (others);
  return found;
}

guint64
stats_uint64 (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static gint64
stats_int64 (const GstStructure * s, const gchar * field)
{
  gint64 v = -1;

  fail_unless (gst_structure_get_int64 (s, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static const GValue *
stats_array (const GstStructure * s, const gchar * field)
{
  const GValue *v = gst_structure_get_value (s, field);

  fail_unless (v != NULL && GST_VALUE_HOLDS_ARRAY (v), "no array %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

const GstStructure *
check_stats (GstMessage * msg, const StatsExpect * expect)
{
  const GstStructure *s = gst_message_get_structure (msg);
  const GValue *dit_us, *dit_devices, *depths;
  guint n_dit = g_strv_length ((gchar **) expect->dit_devices), i, n_frames;
  gint64 audio_us, vae_us, block_us, sum;
  gboolean skipped;
  gint vae_device;

  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT);
  fail_unless (gst_structure_has_name (s, "liveavatar-stats"));

  fail_unless_equals_uint64 (stats_uint64 (s, "block"), expect->block);
  fail_unless_equals_uint64 (stats_uint64 (s, "frame"), expect->frame);
  fail_unless (gst_structure_get_uint (s, "n-frames", &n_frames));
  fail_unless_equals_int (n_frames, expect->n_frames);
  fail_unless_equals_uint64 (stats_uint64 (s, "pts"), expect->pts);
  /* the tests run in a segment from 0 */
  fail_unless_equals_uint64 (stats_uint64 (s, "running-time"), expect->pts);
  fail_unless (gst_structure_get_boolean (s, "skipped", &skipped));

  audio_us = stats_int64 (s, "audio-us");
  fail_unless (audio_us >= 0);
  sum = audio_us;
  dit_us = stats_array (s, "dit-us");
  dit_devices = stats_array (s, "dit-devices");
  fail_unless_equals_int (gst_value_array_get_size (dit_us), n_dit);
  fail_unless_equals_int (gst_value_array_get_size (dit_devices), n_dit);
  for (i = 0; i < n_dit; i++) {
    const GValue *us = gst_value_array_get_value (dit_us, i);
    const GValue *dev = gst_value_array_get_value (dit_devices, i);

    fail_unless (G_VALUE_HOLDS_INT64 (us));
    fail_unless (g_value_get_int64 (us) >= 0);
    sum += g_value_get_int64 (us);
    fail_unless (G_VALUE_HOLDS_STRING (dev));
    fail_unless_equals_string (g_value_get_string (dev),
        expect->dit_devices[i]);
  }
  vae_us = stats_int64 (s, "vae-us");
  fail_unless (vae_us >= 0);
  sum += vae_us;
  fail_unless (gst_structure_get_int (s, "vae-device", &vae_device));
  fail_unless_equals_int (vae_device, expect->vae_device);

  /* compute time is the stages' times; they ran one after the other
   * within the block's wall time; the latency follows compute time */
  fail_unless_equals_int64 (stats_int64 (s, "compute-us"), sum);
  block_us = stats_int64 (s, "block-us");
  fail_unless (block_us >= sum, "block-us %" G_GINT64_FORMAT " < stages %"
      G_GINT64_FORMAT, block_us, sum);
  if (!skipped)
    fail_unless (stats_int64 (s, "max-block-us") >= sum);

  depths = stats_array (s, "queue-depths");
  fail_unless_equals_int (gst_value_array_get_size (depths), n_dit + 2);
  for (i = 0; i < n_dit + 2; i++)
    fail_unless (G_VALUE_HOLDS_UINT (gst_value_array_get_value (depths, i)));

  fail_unless_equals_uint64 (stats_uint64 (s, "frames-repeated"),
      LA_FRAMES_PER_BLOCK * stats_uint64 (s, "blocks-skipped"));
  stats_uint64 (s, "frames-dropped");
  fail_unless (stats_uint64 (s, "latency") > 0);

  fail_unless_equals_int (gst_structure_has_field (s, "audio-dropped"),
      expect->source);
  fail_unless_equals_int (gst_structure_has_field (s, "silence"),
      expect->source);
  return s;
}
