/* liveavatar: the per-block stats message both elements post
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_LIVE_AVATAR_STATS_H__
#define __GST_LIVE_AVATAR_STATS_H__

#include <gst/gst.h>
#include "liveavatar.h"

G_BEGIN_DECLS

/* The structure name of the element message. */
#define GST_LIVE_AVATAR_STATS_NAME "liveavatar-stats"

#define DEFAULT_STATS TRUE

/* What the element adds to the engine's figures for a block. */
typedef struct
{
  guint64 frame;                /* the block's first frame (buffer offset) */
  GstClockTime pts;             /* its PTS */
  GstClockTime running_time;    /* its running time (NONE: outside the
                                 * segment) */
  GstClockTime latency;         /* the latency the element reports now */

  /* since start (READY->PAUSED), whatever flushes came */
  guint64 frames_dropped;       /* filter: late frames not pushed (QoS) */
  guint64 frames_repeated;      /* counted by gst_live_avatar_stats_count */
  guint64 blocks_skipped;

  /* liveavatarsrc only (@source TRUE), in samples since start */
  gboolean source;
  guint64 audio_dropped;        /* audio that came after its slot was fed */
  guint64 silence_fed;          /* silence fed where no audio came in time */
} GstLiveAvatarStatsInfo;

/* Adds @block to the repeated and skipped counters of @info. */
void gst_live_avatar_stats_count (GstLiveAvatarStatsInfo * info,
    const LaBlockStats * block);

/* The "liveavatar-stats" element message for @block (fields: see
 * docs/usage.md, "Bus messages"); @session gives the queue depths now. */
GstMessage *gst_live_avatar_stats_message_new (GstElement * element,
    const LaBlockStats * block, LaSession * session,
    const GstLiveAvatarStatsInfo * info);

G_END_DECLS

#endif /* __GST_LIVE_AVATAR_STATS_H__ */
