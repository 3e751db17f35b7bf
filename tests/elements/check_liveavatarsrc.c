/* liveavatar: tests of the liveavatarsrc element on the test model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The pictures are checked against the test model's published drawing
 * (frame index bits in the corner, mouth height from the audio level), not
 * against the engine's code. Live behaviour runs on a GstTestClock: every
 * frame is let out by exactly one clock wait, at its PTS plus the time its
 * audio is awaited. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/video/video.h>

#include "liveavatar.h"
#include "check-util.h"

#define W 64
#define H 64
#define RATE 16000
#define SAMPLES_PER_FRAME 640
#define FRAMES_PER_BLOCK 12
#define BLOCK_TIME (480 * GST_MSECOND)
#define DEFAULT_TOLERANCE (40 * GST_MSECOND)
#define HOLD_TIME (960 * GST_MSECOND)
#define TIMELINE_SAMPLES (RATE * 4)

/* ---- the test model's picture, from its description ---- */

static const guint8 MOUTH_RGB[3] = { 120, 20, 30 };
static const guint8 FACE_RGB[3] = { 230, 190, 150 };

static gint
face_radius (void)
{
  return MIN (W, H - 8) * 3 / 8;
}

static gint
mouth_top (void)
{
  return H / 2 + 4 + face_radius () / 3;
}

static gint
expected_mouth (const gfloat * timeline, guint64 n)
{
  gdouble sum = 0.0, level;
  guint i;

  for (i = 0; i < SAMPLES_PER_FRAME; i++) {
    gdouble x = timeline[n * SAMPLES_PER_FRAME + i];
    sum += x * x;
  }
  level = MIN (1.0, sqrt (sum / SAMPLES_PER_FRAME) / 0.25);
  return (gint) floor (level * (face_radius () / 2) + 0.5);
}

/* Maps @buf as @format at W x H (honouring its GstVideoMeta). */
static void
map_frame (GstVideoFrame * frame, GstBuffer * buf, GstVideoFormat format)
{
  GstVideoInfo info;

  gst_video_info_set_format (&info, format, W, H);
  fail_unless (gst_video_frame_map (frame, &info, buf, GST_MAP_READ));
}

/* Red (or luma) at (x, y) of plane 0. */
static guint8
plane0_at (GstVideoFrame * frame, gint x, gint y)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);

  return data[y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) +
      x * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0)];
}

static gboolean
rgb_is (GstVideoFrame * frame, gint x, gint y, const guint8 rgb[3])
{
  const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (frame, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) +
      x * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);

  return p[0] == rgb[0] && p[1] == rgb[1] && p[2] == rgb[2];
}

/* Rows of mouth colour at the face's centre column, from the mouth's top. */
static gint
measure_mouth (GstVideoFrame * frame)
{
  gint h = 0;

  while (mouth_top () + h < H && rgb_is (frame, W / 2, mouth_top () + h,
          MOUTH_RGB))
    h++;
  if (h == 0)
    fail_unless (rgb_is (frame, W / 2, mouth_top (), FACE_RGB),
        "closed mouth should show the face colour");
  return h;
}

/* Index and mouth of an RGB frame. */
static void
check_picture (GstBuffer * buf, guint64 n, gint mouth)
{
  GstVideoFrame frame;
  gint measured;

  map_frame (&frame, buf, GST_VIDEO_FORMAT_RGB);
  fail_unless_equals_uint64 (decode_index (&frame), n);
  measured = measure_mouth (&frame);
  fail_unless (measured == mouth, "frame %" G_GUINT64_FORMAT ": mouth %d, "
      "expected %d", n, measured, mouth);
  gst_video_frame_unmap (&frame);
}

/* ---- timeline ---- */

static GstClockTime
frame_pts (guint64 n)
{
  return gst_util_uint64_scale (n, GST_SECOND, 25);
}

static void
check_timing (GstBuffer * buf, guint64 n)
{
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), frame_pts (n));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      frame_pts (n + 1) - frame_pts (n));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), n);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf), n + 1);
  fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (buf,
          GST_BUFFER_FLAG_DISCONT), n == 0);
}

/* Audio of amplitude @amp (alternating sign, so its RMS is @amp) at
 * running time @start; written into @timeline when it is expected to be
 * heard. */
static GstBuffer *
make_audio (GstClockTime start, guint n_samples, gfloat amp, gfloat * timeline)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n_samples * 4, NULL);
  guint64 pos = gst_util_uint64_scale (start, RATE, GST_SECOND);
  GstMapInfo map;
  gfloat *s;
  guint i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  s = (gfloat *) map.data;
  for (i = 0; i < n_samples; i++) {
    s[i] = (i % 2) ? -amp : amp;
    if (timeline != NULL)
      timeline[pos + i] = s[i];
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = start;
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (n_samples, GST_SECOND,
      RATE);
  return buf;
}

/* Pushes [start, start + duration) as buffers of @chunk samples. */
static void
push_audio (GstHarness * h, GstClockTime start, GstClockTime duration,
    guint chunk, gfloat amp, gfloat * timeline)
{
  guint64 start_sample = gst_util_uint64_scale (start, RATE, GST_SECOND);
  guint64 n = gst_util_uint64_scale (duration, RATE, GST_SECOND);
  guint64 i;

  for (i = 0; i < n; i += chunk) {
    GstClockTime ts = gst_util_uint64_scale (start_sample + i, GST_SECOND,
        RATE);
    GstFlowReturn ret;

    ret = gst_harness_push (h, make_audio (ts, MIN (chunk, n - i), amp,
            timeline));
    fail_unless_equals_int (ret, GST_FLOW_OK);
  }
}

/* ---- elements ---- */

/* The time a frame's audio is awaited with the default settings. */
static GstClockTime
default_audio_wait (void)
{
  return BLOCK_TIME + gst_util_uint64_scale (test_model_lookahead (W, H),
      GST_SECOND, RATE) + DEFAULT_TOLERANCE;
}

static GstElement *
new_src (gboolean live)
{
  GstElement *src = gst_element_factory_make ("liveavatarsrc", NULL);

  fail_unless (src != NULL);
  gst_util_set_object_arg (G_OBJECT (src), "model", "test");
  gst_util_set_object_arg (G_OBJECT (src), "backend", "cpu");
  g_object_set (src, "width", W, "height", H, "is-live", live, NULL);
  return src;
}

static GstStaticPadTemplate audio_src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));
static GstStaticPadTemplate rgb_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=RGB"));
static GstStaticPadTemplate rgba_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=RGBA"));
static GstStaticPadTemplate i420_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=I420"));

/* A harness around a source taking @sink's format; with @audio the audio
 * pad is requested and linked. The harness starts the element at once (it
 * has a sink pad template), so the format must be in the template. */
static GstHarness *
new_harness_full (GstElement * src, gboolean audio, GstStaticPadTemplate * sink)
{
  GstHarness *h;

  h = gst_harness_new_full (src, &audio_src_template,
      audio ? "audio" : NULL, sink, "src");
  if (audio)
    gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  gst_object_unref (src);
  return h;
}

static GstHarness *
new_harness (GstElement * src, gboolean audio)
{
  return new_harness_full (src, audio, &rgb_sink_template);
}

/* Lets frame @n out by its clock wait, which must be at its PTS + @wait,
 * and checks its timing. That wait is create ()'s release wait, or, for a
 * block's first frame whose audio is missing, the feeder's deadline for
 * it; the feeder may meanwhile wait for later deadlines, never earlier
 * ones. */
static GstBuffer *
crank_frame (GstHarness * h, guint64 n, GstClockTime wait)
{
  GstTestClock *clock = gst_harness_get_testclock (h);
  GstClockTime expected = frame_pts (n) + wait;
  GstBuffer *buf;

  for (;;) {
    GstClockID id;
    GstClockTime t;

    gst_test_clock_wait_for_next_pending_id (clock, &id);
    t = gst_clock_id_get_time (id);
    gst_clock_id_unref (id);
    if (t == expected)
      break;
    fail_unless (t > expected, "clock wait at %" GST_TIME_FORMAT
        " before frame %" G_GUINT64_FORMAT "'s %" GST_TIME_FORMAT,
        GST_TIME_ARGS (t), n, GST_TIME_ARGS (expected));
    g_usleep (100);
  }
  fail_unless (gst_harness_crank_single_clock_wait (h));
  gst_object_unref (clock);

  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  check_timing (buf, n);
  return buf;
}

/* Cranks frames [@first, @end) out as crank_frame () does and checks their
 * pictures: the mouth as @timeline says, closed when it is NULL. */
static void
crank_frames (GstHarness * h, guint64 first, guint64 end, GstClockTime wait,
    const gfloat * timeline)
{
  guint64 n;

  for (n = first; n < end; n++) {
    GstBuffer *buf = crank_frame (h, n, wait);

    check_picture (buf, n, timeline ? expected_mouth (timeline, n) : 0);
    gst_buffer_unref (buf);
  }
}

/* a bus of the test's own on @src, for its messages */
static GstBus *
attach_bus (GstElement * src)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (src, bus);
  return bus;
}

static void
free_bus (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static void
set_state (GstElement * element, GstState state)
{
  fail_if (gst_element_set_state (element, state) == GST_STATE_CHANGE_FAILURE);
}

static GstClockTime
query_latency (GstHarness * h, GstClockTime * max)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min;
  gboolean live;

  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, max);
  fail_unless (live);
  gst_query_unref (q);
  return min;
}

/* ---- tests ---- */

GST_START_TEST (test_idle_frames)
{
  GstElement *src = new_src (FALSE);
  GstHarness *h;
  guint64 n;

  g_object_set (src, "num-buffers", 30, NULL);
  h = new_harness (src, FALSE);

  for (n = 0; n < 30; n++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    check_timing (buf, n);
    fail_unless (gst_buffer_get_video_meta (buf) != NULL);
    check_picture (buf, n, 0);
    gst_buffer_unref (buf);
  }

  /* num-buffers ends the stream */
  gst_event_unref (wait_eos (h, NULL));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_formats)
{
  const gchar *formats[] = { "RGB", "RGBA", "I420" };
  GstStaticPadTemplate *sinks[] = { &rgb_sink_template, &rgba_sink_template,
    &i420_sink_template
  };
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoFormat format = gst_video_format_from_string (formats[f]);
    GstElement *src = new_src (FALSE);
    GstHarness *h;
    guint64 n;

    g_object_set (src, "num-buffers", 13, NULL);
    h = new_harness_full (src, FALSE, sinks[f]);

    for (n = 0; n < 13; n++) {
      GstBuffer *buf = gst_harness_pull (h);
      GstVideoFrame frame;
      /* a face pixel away from eyes and mouth */
      gint fx = W / 2, fy = H / 2 + 6;

      fail_unless (buf != NULL);
      check_timing (buf, n);
      map_frame (&frame, buf, format);
      fail_unless_equals_uint64 (decode_index (&frame), n);
      if (format == GST_VIDEO_FORMAT_I420) {
        /* BT.601 limited range of (230, 190, 150) */
        fail_unless_equals_int (plane0_at (&frame, fx, fy),
            ((66 * 230 + 129 * 190 + 25 * 150 + 128) >> 8) + 16);
      } else {
        fail_unless (rgb_is (&frame, fx, fy, FACE_RGB));
        if (format == GST_VIDEO_FORMAT_RGBA)
          fail_unless_equals_int (((const guint8 *)
                  GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[fy *
                  GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + fx * 4 + 3], 255);
      }
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
    }
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_live_idle_on_clock)
{
  GstClockTime wait = default_audio_wait ();
  GstHarness *h = new_harness (new_src (TRUE), FALSE);

  /* no audio pad: silence, one frame per 40 ms of clock, never stalling */
  crank_frames (h, 0, 3 * FRAMES_PER_BLOCK, wait, NULL);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_live_audio_mouth)
{
  GstClockTime wait = default_audio_wait ();
  GstHarness *h = new_harness (new_src (TRUE), TRUE);
  gfloat *timeline = g_new0 (gfloat, TIMELINE_SAMPLES);

  /* 10 ms buffers in block 0, then 40 ms buffers in block 1 */
  push_audio (h, 200 * GST_MSECOND, 100 * GST_MSECOND, 160, 0.125f, timeline);
  push_audio (h, 520 * GST_MSECOND, 80 * GST_MSECOND, 640, 0.25f, timeline);

  crank_frames (h, 0, 3 * FRAMES_PER_BLOCK, wait, timeline);
  /* the ranges pushed do open the mouth, by the published formula */
  fail_unless_equals_int (expected_mouth (timeline, 5), 5);
  fail_unless_equals_int (expected_mouth (timeline, 7), 4);
  fail_unless_equals_int (expected_mouth (timeline, 13), face_radius () / 2);
  fail_unless_equals_int (expected_mouth (timeline, 12), 0);

  gst_harness_teardown (h);
  g_free (timeline);
}

GST_END_TEST;

GST_START_TEST (test_live_late_audio)
{
  GstClockTime wait = default_audio_wait ();
  GstElement *src = new_src (TRUE);
  GstBus *bus = attach_bus (src);
  GstHarness *h = new_harness (src, TRUE);
  gfloat *timeline = g_new0 (gfloat, TIMELINE_SAMPLES);
  GstMessage *msg;

  /* nothing comes for block 0: at its deadline it is silence */
  crank_frames (h, 0, 1, wait, NULL);

  /* its audio now is too late and dropped, not shifted into block 1; the
   * audio that follows it on time is heard where it belongs */
  push_audio (h, 100 * GST_MSECOND, 300 * GST_MSECOND, 320, 0.25f, NULL);
  push_audio (h, 600 * GST_MSECOND, 80 * GST_MSECOND, 320, 0.25f, timeline);

  crank_frames (h, 1, 2 * FRAMES_PER_BLOCK, wait, timeline);
  fail_unless_equals_int (expected_mouth (timeline, 15), face_radius () / 2);
  /* no frame more than the clock asked for */
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  /* the stats count the 300 ms dropped from block 1 on, and the silence
   * fed for block 0 */
  msg = pop_stats (bus);
  fail_unless (msg != NULL);
  fail_unless_equals_uint64 (stats_uint64 (gst_message_get_structure (msg),
          "audio-dropped"), 0);
  fail_unless (stats_uint64 (gst_message_get_structure (msg), "silence") >=
      (guint64) (RATE * BLOCK_TIME / GST_SECOND) + test_model_lookahead (W, H));
  gst_message_unref (msg);
  msg = pop_stats (bus);
  fail_unless (msg != NULL);
  fail_unless_equals_uint64 (stats_uint64 (gst_message_get_structure (msg),
          "audio-dropped"), RATE * 300 / 1000);
  gst_message_unref (msg);
  fail_unless (pop_stats (bus) == NULL);

  gst_harness_teardown (h);
  g_free (timeline);
  free_bus (bus);
}

GST_END_TEST;

GST_START_TEST (test_live_audio_flush)
{
  GstClockTime wait = default_audio_wait ();
  GstHarness *h = new_harness (new_src (TRUE), TRUE);
  gfloat *timeline = g_new0 (gfloat, TIMELINE_SAMPLES);
  GstBuffer *buf;
  GstSegment segment;

  buf = crank_frame (h, 0, wait);
  gst_buffer_unref (buf);

  /* paused, a live source holds the audio that comes ... */
  set_state (h->element, GST_STATE_PAUSED);
  push_audio (h, 600 * GST_MSECOND, 80 * GST_MSECOND, 640, 0.25f, NULL);

  /* ... and a flush on the audio pad drops it */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (FALSE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  /* audio after the flush is heard */
  push_audio (h, 800 * GST_MSECOND, 40 * GST_MSECOND, 640, 0.25f, timeline);
  set_state (h->element, GST_STATE_PLAYING);

  crank_frames (h, 1, 2 * FRAMES_PER_BLOCK, wait, timeline);
  fail_unless_equals_int (expected_mouth (timeline, 15), 0);
  fail_unless_equals_int (expected_mouth (timeline, 20), face_radius () / 2);

  gst_harness_teardown (h);
  g_free (timeline);
}

GST_END_TEST;

GST_START_TEST (test_live_audio_hold)
{
  GstClockTime wait = default_audio_wait ();
  GstHarness *h = new_harness (new_src (TRUE), TRUE);
  gfloat *timeline = g_new0 (gfloat, TIMELINE_SAMPLES);
  PushJob job = { h, NULL, GST_FLOW_ERROR, 0 };
  GThread *thread;
  GstBuffer *buf;

  buf = crank_frame (h, 0, wait);
  gst_buffer_unref (buf);

  /* paused, the element holds 0.96 s of audio ... */
  set_state (h->element, GST_STATE_PAUSED);
  push_audio (h, 480 * GST_MSECOND, 960 * GST_MSECOND, 1280, 0.25f, timeline);

  /* ... and no more: the next buffer waits */
  job.buf = make_audio (1440 * GST_MSECOND, 1280, 0.25f, timeline);
  thread = g_thread_new ("pusher", push_job, &job);
  g_usleep (50 * 1000);
  fail_if (g_atomic_int_get (&job.done), "audio beyond the hold was taken");

  /* playing, all of it is heard where it belongs */
  set_state (h->element, GST_STATE_PLAYING);
  crank_frames (h, 1, 4 * FRAMES_PER_BLOCK, wait, timeline);
  g_thread_join (thread);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_unless_equals_int (expected_mouth (timeline, 12), face_radius () / 2);
  fail_unless_equals_int (expected_mouth (timeline, 37), face_radius () / 2);
  fail_unless_equals_int (expected_mouth (timeline, 38), 0);

  gst_harness_teardown (h);
  g_free (timeline);
}

GST_END_TEST;

static guint
count_latency_messages (GstBus * bus)
{
  GstMessage *msg;
  guint count = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_LATENCY)) != NULL) {
    count++;
    gst_message_unref (msg);
  }
  return count;
}

GST_START_TEST (test_latency)
{
  GstElement *src = new_src (TRUE);
  GstBus *bus = gst_bus_new ();
  GstClockTime lookahead, min, max, fixed, prop;
  GstHarness *h;
  GstBuffer *buf;

  gst_element_set_bus (src, bus);
  h = new_harness (src, TRUE);
  lookahead = gst_util_uint64_scale (test_model_lookahead (W, H), GST_SECOND,
      RATE);

  /* nothing measured yet: block + look-ahead + tolerance */
  min = query_latency (h, &max);
  fail_unless_equals_uint64 (min, BLOCK_TIME + lookahead + DEFAULT_TOLERANCE);
  fail_unless_equals_uint64 (max, min + HOLD_TIME);
  g_object_get (h->element, "latency", &prop, NULL);
  fail_unless_equals_uint64 (prop, min);
  count_latency_messages (bus);

  /* the tolerance adds as it is */
  g_object_set (h->element, "audio-tolerance", 80 * GST_MSECOND, NULL);
  fail_unless_equals_int (count_latency_messages (bus), 1);
  min = query_latency (h, NULL);
  fail_unless_equals_uint64 (min, BLOCK_TIME + lookahead + 80 * GST_MSECOND);

  /* so does a live audio upstream's latency */
  gst_harness_set_upstream_latency (h, 100 * GST_MSECOND);
  min = query_latency (h, &max);
  fixed = BLOCK_TIME + lookahead + 80 * GST_MSECOND + 100 * GST_MSECOND;
  fail_unless_equals_uint64 (min, fixed);
  fail_unless_equals_uint64 (max, min + HOLD_TIME);

  /* the audio is awaited for that long; a block was computed, which the
   * figure now includes, rounded up to frames, with a message */
  buf = crank_frame (h, 0, fixed);
  gst_buffer_unref (buf);
  min = query_latency (h, NULL);
  fail_unless (min > fixed);
  fail_unless_equals_uint64 ((min - fixed) % (40 * GST_MSECOND), 0);
  fail_unless (count_latency_messages (bus) >= 1);
  g_object_get (h->element, "latency", &prop, NULL);
  fail_unless_equals_uint64 (prop, min);

  /* the compute time is not waited for: the release time stays */
  buf = crank_frame (h, 1, fixed);
  gst_buffer_unref (buf);

  /* the prompt may change while playing */
  g_object_set (h->element, "prompt", "a person talking", NULL);
  buf = crank_frame (h, 2, fixed);
  gst_buffer_unref (buf);
  fail_if (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR |
          GST_MESSAGE_WARNING) != NULL);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_nonlive_audio)
{
  GstElement *src = new_src (FALSE);
  gfloat *timeline = g_new0 (gfloat, TIMELINE_SAMPLES);
  GstHarness *h;
  guint64 n;

  g_object_set (src, "num-buffers", 36, NULL);
  h = new_harness (src, TRUE);

  /* half a block: not enough for a frame, and no clock makes up for it */
  push_audio (h, 0, 240 * GST_MSECOND, 800, 0.25f, timeline);
  g_usleep (100 * 1000);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  /* the rest of 1 s of audio, quieter, then the end of the audio: what
   * follows is silence */
  push_audio (h, 240 * GST_MSECOND, 760 * GST_MSECOND, 800, 0.0625f, timeline);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (n = 0; n < 36; n++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    check_timing (buf, n);
    check_picture (buf, n, expected_mouth (timeline, n));
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (expected_mouth (timeline, 0), face_radius () / 2);
  fail_unless_equals_int (expected_mouth (timeline, 10), 3);
  fail_unless_equals_int (expected_mouth (timeline, 25), 0);

  /* num-buffers ends the stream */
  gst_event_unref (wait_eos (h, NULL));

  gst_harness_teardown (h);
  g_free (timeline);
}

GST_END_TEST;

/* ---- stats on the bus ---- */

/* One message per block, posted by the time its first frame is out, with
 * the stages of dit-devices=0,1 and the audio and silence fed. */
GST_START_TEST (test_stats)
{
  const gchar *const devices[] = { "0", "1", NULL };
  const guint lookahead = test_model_lookahead (W, H);
  GstElement *src = new_src (FALSE);
  GstBus *bus = attach_bus (src);
  guint64 n, silence = 0, silence_before;
  GstHarness *h;

  g_object_set (src, "num-buffers", 36, "dit-devices", "0,1", NULL);
  h = new_harness (src, TRUE);

  /* 1 s of audio, then silence */
  push_audio (h, 0, GST_SECOND, 800, 0.125f, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (n = 0; n < 36; n++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    check_timing (buf, n);
    if (n % FRAMES_PER_BLOCK == 0) {
      StatsExpect expect = { n / FRAMES_PER_BLOCK, n, FRAMES_PER_BLOCK,
        frame_pts (n), devices, 1, TRUE
      };
      GstMessage *msg = pop_stats (bus);
      const GstStructure *st;
      guint64 needed = (n + FRAMES_PER_BLOCK) * SAMPLES_PER_FRAME + lookahead;

      fail_unless (msg != NULL, "no stats by frame %" G_GUINT64_FORMAT, n);
      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (src));
      st = check_stats (msg, &expect);
      fail_unless_equals_uint64 (stats_uint64 (st, "audio-dropped"), 0);
      fail_unless_equals_uint64 (stats_uint64 (st, "frames-dropped"), 0);
      fail_unless_equals_uint64 (stats_uint64 (st, "blocks-skipped"), 0);
      /* the block had all it needed; beyond the audio that was silence
       * (the feeder may be ahead of the frames) */
      silence_before = silence;
      silence = stats_uint64 (st, "silence");
      fail_unless (silence >= silence_before);
      if (needed > RATE)
        fail_unless (silence >= needed - RATE, "block %" G_GUINT64_FORMAT
            ": %" G_GUINT64_FORMAT " samples of silence", n / 12, silence);
      gst_message_unref (msg);
    }
    gst_buffer_unref (buf);
  }
  gst_event_unref (wait_eos (h, NULL));
  fail_unless (pop_stats (bus) == NULL);

  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* stats=false: none */
GST_START_TEST (test_stats_disabled)
{
  GstElement *src = new_src (FALSE);
  GstBus *bus = attach_bus (src);
  GstHarness *h;
  guint64 n;

  g_object_set (src, "num-buffers", 24, "stats", FALSE, NULL);
  h = new_harness (src, FALSE);
  for (n = 0; n < 24; n++)
    gst_buffer_unref (gst_harness_pull (h));
  gst_event_unref (wait_eos (h, NULL));
  fail_unless (pop_stats (bus) == NULL);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

static GstEvent *
caps_event (const gchar * str)
{
  GstCaps *caps = gst_caps_from_string (str);
  GstEvent *event = gst_event_new_caps (caps);

  gst_caps_unref (caps);
  return event;
}

/* Links a pad of our own to the audio pad, pushes some audio through it
 * and returns it. */
static GstPad *
feed_audio_pad (GstPad * audio)
{
  GstPad *pad = gst_pad_new ("feeder", GST_PAD_SRC);
  GstSegment segment;

  fail_unless (gst_pad_set_active (pad, TRUE));
  fail_unless_equals_int (gst_pad_link (pad, audio), GST_PAD_LINK_OK);
  fail_unless (gst_pad_push_event (pad, gst_event_new_stream_start ("a")));
  fail_unless (gst_pad_push_event (pad, caps_event (AUDIO_CAPS)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (pad, gst_event_new_segment (&segment)));
  fail_unless_equals_int (gst_pad_push (pad, make_audio (0, 1600, 0.25f,
              NULL)), GST_FLOW_OK);
  return pad;
}

GST_START_TEST (test_request_release)
{
  GstClockTime wait = default_audio_wait ();
  GstElement *src = new_src (TRUE);
  GstPadTemplate *templ = gst_element_get_pad_template (src, "audio");
  GstHarness *h;
  GstBuffer *buf;
  guint i;

  /* stopped */
  for (i = 0; i < 20; i++) {
    GstPad *audio = gst_element_request_pad_simple (src, "audio");

    fail_unless (audio != NULL);
    fail_unless_equals_string (GST_OBJECT_NAME (audio), "audio");
    /* one audio pad at a time */
    fail_unless (gst_element_request_pad (src, templ, NULL, NULL) == NULL);
    gst_element_release_request_pad (src, audio);
    gst_object_unref (audio);
  }

  h = new_harness (gst_object_ref (src), FALSE);
  buf = crank_frame (h, 0, wait);
  gst_buffer_unref (buf);

  /* while it waits on the clock, with audio flowing in */
  for (i = 0; i < 10; i++) {
    GstPad *audio = gst_element_request_pad_simple (src, "audio");
    GstPad *feeder;

    fail_unless (audio != NULL);
    feeder = feed_audio_pad (audio);
    gst_element_release_request_pad (src, audio);
    gst_object_unref (audio);
    fail_unless_equals_int (gst_pad_push (feeder, make_audio (0, 160, 0.25f,
                NULL)), GST_FLOW_NOT_LINKED);
    gst_object_unref (feeder);
  }

  /* and it goes on, idle, frame after frame */
  for (i = 1; i < 14; i++) {
    buf = crank_frame (h, i, wait);
    gst_buffer_unref (buf);
  }

  gst_harness_teardown (h);
  gst_object_unref (src);
}

GST_END_TEST;

static void
cycle_states (GstElement * src, guint cycles, GstState low, GstState high)
{
  guint i;

  for (i = 0; i < cycles; i++) {
    set_state (src, high);
    if (i % 3 == 0)
      g_usleep (2000);          /* let create () reach its waits */
    set_state (src, low);
  }
}

GST_START_TEST (test_state_changes)
{
  GstHarness *h;
  GstElement *src;
  GstPad *audio;

  /* live on the system clock, no audio: create () waits on the clock */
  h = new_harness (new_src (TRUE), FALSE);
  gst_harness_use_systemclock (h);
  cycle_states (h->element, 50, GST_STATE_NULL, GST_STATE_PLAYING);
  cycle_states (h->element, 25, GST_STATE_READY, GST_STATE_PLAYING);
  cycle_states (h->element, 25, GST_STATE_PAUSED, GST_STATE_PLAYING);
  gst_harness_teardown (h);

  /* live with an audio pad: create () waits for audio */
  h = new_harness (new_src (TRUE), TRUE);
  gst_harness_use_systemclock (h);
  cycle_states (h->element, 50, GST_STATE_NULL, GST_STATE_PLAYING);
  gst_harness_teardown (h);

  /* not live, an audio pad with no audio: create () waits forever */
  src = new_src (FALSE);
  audio = gst_element_request_pad_simple (src, "audio");
  h = new_harness (src, FALSE);
  cycle_states (h->element, 25, GST_STATE_NULL, GST_STATE_PLAYING);
  cycle_states (h->element, 25, GST_STATE_READY, GST_STATE_PAUSED);
  gst_element_release_request_pad (h->element, audio);
  gst_object_unref (audio);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_missing_model)
{
  GstElement *src = gst_element_factory_make ("liveavatarsrc", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_util_set_object_arg (G_OBJECT (src), "model", "liveavatar");
  g_object_set (src, "model-path", "/nonexistent/liveavatar-checkpoints", NULL);
  gst_element_set_bus (src, bus);

  fail_unless_equals_int (gst_element_set_state (src, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_FOUND), "%s", err->message);
  g_clear_error (&err);
  gst_message_unref (msg);

  gst_element_set_state (src, GST_STATE_NULL);
  gst_element_set_bus (src, NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
}

GST_END_TEST;

/* An engine failure (here a NaN in the audio) stops the stream with an
 * ERROR that says why, then EOS. */
GST_START_TEST (test_engine_error)
{
  GstElement *src = new_src (TRUE);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstBuffer *buf;
  GstMessage *msg;
  GstMapInfo map;
  GError *err = NULL;

  gst_element_set_bus (src, bus);
  h = new_harness (src, TRUE);

  buf = make_audio (0, 1600, 0.1f, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  ((gfloat *) map.data)[100] = NAN;
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);

  /* block 0 completes at its deadline, and fails */
  fail_unless (gst_harness_crank_single_clock_wait (h));
  gst_event_unref (wait_eos (h, NULL));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR message");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (err->domain == GST_STREAM_ERROR, "domain %s",
      g_quark_to_string (err->domain));
  fail_unless (strstr (err->message, "NaN") != NULL, "%s", err->message);
  g_clear_error (&err);
  gst_message_unref (msg);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_bad_audio_caps)
{
  const gchar *bad[] = {
    "audio/x-raw, format=F32LE, rate=44100, channels=1, layout=interleaved",
    "audio/x-raw, format=S16LE, rate=16000, channels=1, layout=interleaved",
    "audio/x-raw, format=F32LE, rate=16000, channels=2, layout=interleaved",
    "video/x-raw, format=RGB, width=64, height=64",
  };
  GstElement *src = new_src (TRUE);
  GstHarness *h = gst_harness_new_full (src, &audio_src_template, "audio",
      &rgb_sink_template, "src");
  GstPad *audio = gst_pad_get_peer (h->srcpad);
  guint i;

  gst_object_unref (src);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    fail_if (gst_pad_send_event (audio, caps_event (bad[i])), "%s", bad[i]);

  /* audio under refused caps is not taken */
  gst_harness_set_src_caps_str (h, bad[0]);
  fail_unless_equals_int (gst_harness_push (h, make_audio (0, 160, 0.1f,
              NULL)), GST_FLOW_NOT_NEGOTIATED);

  /* the right caps are */
  fail_unless (gst_pad_send_event (audio, caps_event (AUDIO_CAPS)));
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  fail_unless_equals_int (gst_harness_push (h, make_audio (0, 160, 0.1f,
              NULL)), GST_FLOW_OK);

  gst_object_unref (audio);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
liveavatarsrc_suite (void)
{
  Suite *s = suite_create ("liveavatarsrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_idle_frames);
  tcase_add_test (tc, test_formats);
  tcase_add_test (tc, test_live_idle_on_clock);
  tcase_add_test (tc, test_live_audio_mouth);
  tcase_add_test (tc, test_live_late_audio);
  tcase_add_test (tc, test_live_audio_flush);
  tcase_add_test (tc, test_live_audio_hold);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_nonlive_audio);
  tcase_add_test (tc, test_request_release);
  tcase_add_test (tc, test_state_changes);
  tcase_add_test (tc, test_missing_model);
  tcase_add_test (tc, test_engine_error);
  tcase_add_test (tc, test_bad_audio_caps);
  tcase_add_test (tc, test_stats);
  tcase_add_test (tc, test_stats_disabled);
  return s;
}

GST_CHECK_MAIN (liveavatarsrc);
