/* liveavatar: helpers shared by the element tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __CHECK_UTIL_H__
#define __CHECK_UTIL_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/* the only audio the elements take */
#define AUDIO_CAPS "audio/x-raw, format=F32LE, rate=16000, channels=1, " \
    "layout=interleaved"

/* a push into a harness from another thread */
typedef struct
{
  GstHarness *h;
  GstBuffer *buf;
  GstFlowReturn ret;
  gint done;
} PushJob;

/* thread function: pushes job->buf, then sets job->ret and job->done */
gpointer push_job (gpointer data);

/* the look-ahead of the test model's engine at @width x @height, in
 * samples */
guint test_model_lookahead (gint width, gint height);

/* Reads the test model's frame index back from the bits in the corner:
 * the red (or luma) at each cell's centre. */
guint64 decode_index (GstVideoFrame * frame);

/* Waits for the next EOS downstream and returns it; @saw_caps: whether a
 * CAPS event came before it. No frame may follow what was pulled already. */
GstEvent *wait_eos (GstHarness * h, gboolean * saw_caps);

G_END_DECLS

#endif /* __CHECK_UTIL_H__ */
