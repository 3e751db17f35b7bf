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
