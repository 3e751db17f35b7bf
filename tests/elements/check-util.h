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

/* ---- liveavatar-stats messages ---- */

/* What a liveavatar-stats message must say. */
typedef struct
{
  guint64 block;
  guint64 frame;                /* buffer offset of its first frame */
  guint n_frames;
  GstClockTime pts;
  const gchar *const *dit_devices;      /* NULL-terminated, one per DiT stage */
  gint vae_device;
  gboolean source;              /* the source's two extra fields are there */
} StatsExpect;

/* The next liveavatar-stats message on @bus, or NULL when none is queued.
 * The other messages before it stay on the bus, in their order. */
GstMessage *pop_stats (GstBus * bus);

/* Checks every field of @msg against @expect and the rules every message
 * keeps: times >= 0, the whole block at least as long as its stages, one
 * queue depth per stage, frames-repeated = 12 x blocks-skipped for full
 * blocks. Returns the structure (owned by @msg). */
const GstStructure *check_stats (GstMessage * msg, const StatsExpect * expect);

/* a guint64 field of a stats structure, failing when it is missing */
guint64 stats_uint64 (const GstStructure * s, const gchar * field);

G_END_DECLS

#endif /* __CHECK_UTIL_H__ */
