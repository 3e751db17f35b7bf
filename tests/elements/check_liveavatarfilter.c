/* liveavatar: liveavatarfilter tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The element on model=test at 64x64. Expected pictures come from the test
 * model's published rules, rendered here without the engine's code;
 * expected timestamps from n * 40 ms. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "liveavatar.h"
#include "check-util.h"

#define W 64
#define H 64
#define SPF LA_SAMPLES_PER_FRAME
#define SPB LA_SAMPLES_PER_BLOCK
#define FPB LA_FRAMES_PER_BLOCK

/* ---- the test model's picture, from its rules ---- */

static const guint8 BACKGROUND[3] = { 40, 40, 60 };
static const guint8 FACE[3] = { 230, 190, 150 };
static const guint8 EYE[3] = { 30, 30, 30 };
static const guint8 MOUTH[3] = { 120, 20, 30 };

static gint
model_radius (void)
{
  return MIN (W, H - 8) * 3 / 8;
}

static gint
mouth_height (gdouble rms)
{
  gdouble level = MIN (1.0, rms / 0.25);
  gdouble h = level * (model_radius () / 2) + 0.5;

  /* the audio of a test must not sit on a rounding edge */
  fail_if (fabs (h - floor (h + 0.5)) < 1e-6, "ambiguous mouth height %f", h);
  return (gint) floor (h);
}

static void
put_rgb (guint8 * rgb, gint x, gint y, const guint8 c[3])
{
  memcpy (rgb + (y * W + x) * 3, c, 3);
}

static void
fill_rect (guint8 * rgb, gint x0, gint y0, gint w, gint h, const guint8 c[3])
{
  gint x, y;

  for (y = MAX (y0, 0); y < MIN (y0 + h, H); y++)
    for (x = MAX (x0, 0); x < MIN (x0 + w, W); x++)
      put_rgb (rgb, x, y, c);
}

/* rgb: W x H x 3 */
static void
render_expected (guint8 * rgb, guint64 index, gdouble rms)
{
  static const guint8 white[3] = { 255, 255, 255 }, black[3] = { 0, 0, 0 };
  gint r = model_radius (), s = MAX (2, r / 6), cy = H / 2 + 4;
  gint x, y, i;

  for (y = 0; y < H; y++) {
    for (x = 0; x < W; x++) {
      gint dx = 2 * x + 1 - W, dy = 2 * y + 1 - (H + 8);

      put_rgb (rgb, x, y, dx * dx + dy * dy <= 4 * r * r ? FACE : BACKGROUND);
    }
  }
  fill_rect (rgb, W / 2 - r / 2 - s / 2, cy - r / 3 - s / 2, s, s, EYE);
  fill_rect (rgb, W / 2 + r / 2 - s / 2, cy - r / 3 - s / 2, s, s, EYE);
  fill_rect (rgb, W / 2 - r / 2, cy + r / 3, 2 * (r / 2), mouth_height (rms),
      MOUTH);
  for (i = 0; i < 32; i++)
    fill_rect (rgb, 4 * (i % 16), 4 * (i / 16), 4, 4,
        (index >> i) & 1 ? white : black);
}

static guint8
luma (const guint8 * c)
{
  return ((66 * c[0] + 129 * c[1] + 25 * c[2] + 128) >> 8) + 16;
}

/* compares @frame with the expected picture, pixel by pixel */
static void
check_picture (GstVideoFrame * frame, guint64 index, gdouble rms)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);
  guint8 *rgb = g_malloc (W * H * 3);
  gint x, y;

  render_expected (rgb, index, rms);
  for (y = 0; y < H; y++) {
    for (x = 0; x < W; x++) {
      const guint8 *want = rgb + (y * W + x) * 3;

      if (format == GST_VIDEO_FORMAT_I420) {
        guint8 *got = GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
            y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) + x;

        fail_unless_equals_int_hex (*got, luma (want));
      } else {
        guint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
        guint8 *got = GST_VIDEO_FRAME_PLANE_DATA (frame, 0) +
            y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) + x * ps;

        if (memcmp (got, want, 3) != 0)
          fail ("frame %" G_GUINT64_FORMAT " pixel (%d,%d) is %d,%d,%d, "
              "expected %d,%d,%d", index, x, y, got[0], got[1], got[2],
              want[0], want[1], want[2]);
        if (ps == 4)
          fail_unless_equals_int (got[3], 255);
      }
    }
  }
  if (format == GST_VIDEO_FORMAT_I420) {
    for (y = 0; y < H / 2; y++) {
      for (x = 0; x < W / 2; x++) {
        gint sum[3] = { 0, 0, 0 }, c, u, v;
        guint8 avg[3];

        for (c = 0; c < 3; c++) {
          sum[c] = rgb[((2 * y) * W + 2 * x) * 3 + c] +
              rgb[((2 * y) * W + 2 * x + 1) * 3 + c] +
              rgb[((2 * y + 1) * W + 2 * x) * 3 + c] +
              rgb[((2 * y + 1) * W + 2 * x + 1) * 3 + c];
          avg[c] = (sum[c] + 2) / 4;
        }
        u = ((-38 * avg[0] - 74 * avg[1] + 112 * avg[2] + 128) >> 8) + 128;
        v = ((112 * avg[0] - 94 * avg[1] - 18 * avg[2] + 128) >> 8) + 128;
        fail_unless_equals_int (GST_VIDEO_FRAME_COMP_DATA (frame, 1)
            [y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1) + x], u);
        fail_unless_equals_int (GST_VIDEO_FRAME_COMP_DATA (frame, 2)
            [y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2) + x], v);
      }
    }
  }
  g_free (rgb);
}

/* rows of mouth colour under the face centre */
static gint
measure_mouth (GstVideoFrame * frame)
{
  gint r = model_radius (), y, h = 0;
  gboolean i420 = GST_VIDEO_FRAME_FORMAT (frame) == GST_VIDEO_FORMAT_I420;

  for (y = H / 2 + 4 + r / 3; y < H; y++, h++) {
    guint8 *p = GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
        y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) +
        (W / 2) * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);

    if (i420 ? *p != luma (MOUTH) : memcmp (p, MOUTH, 3) != 0)
      break;
  }
  return h;
}

/* ---- audio ---- */

/* A timeline: the samples as the engine should receive them, gaps filled
 * and overlaps removed. */
typedef GArray Timeline;

static Timeline *
timeline_new (void)
{
  return g_array_new (FALSE, TRUE, sizeof (gfloat));
}

static gdouble
timeline_rms (Timeline * tl, guint64 frame)
{
  gdouble sum = 0;
  guint64 i;

  for (i = frame * SPF; i < (frame + 1) * SPF; i++) {
    gdouble x = i < tl->len ? g_array_index (tl, gfloat, i) : 0.0;

    sum += x * x;
  }
  return sqrt (sum / SPF);
}

/* square wave: its rms is @amp */
static gfloat *
make_tone (guint n, gfloat amp)
{
  gfloat *pcm = g_new (gfloat, n);
  guint i;

  for (i = 0; i < n; i++)
    pcm[i] = (i & 1) ? -amp : amp;
  return pcm;
}

static GstClockTime
samples_time (guint64 samples)
{
  return gst_util_uint64_scale (samples, GST_SECOND, LA_SAMPLE_RATE);
}

static GstClockTime
frame_time (guint64 n)
{
  return gst_util_uint64_scale (n, GST_SECOND, LA_FPS);
}

static GstFlowReturn
push_samples (GstHarness * h, const gfloat * pcm, guint n, GstClockTime pts,
    gboolean discont)
{
  GstBuffer *buf = gst_buffer_new_memdup (pcm, n * sizeof (gfloat));

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = samples_time (n);
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  return gst_harness_push (h, buf);
}

/* pushes a tone and adds what should remain of it to @tl */
static void
push_tone (GstHarness * h, Timeline * tl, guint n, gfloat amp,
    GstClockTime pts, guint expect_dropped)
{
  gfloat *pcm = make_tone (n, amp);

  fail_unless_equals_int (push_samples (h, pcm, n, pts, FALSE), GST_FLOW_OK);
  if (tl != NULL && expect_dropped < n)
    g_array_append_vals (tl, pcm + expect_dropped, n - expect_dropped);
  g_free (pcm);
}

static void
timeline_add_silence (Timeline * tl, guint n)
{
  g_array_set_size (tl, tl->len + n);
}

/* ---- harness ---- */

static GstElement *
new_filter (void)
{
  GstElement *e = gst_element_factory_make ("liveavatarfilter", NULL);

  fail_unless (e != NULL, "liveavatarfilter not found (GST_PLUGIN_PATH?)");
  gst_util_set_object_arg (G_OBJECT (e), "model", "test");
  g_object_set (e, "width", W, "height", H, NULL);
  return e;
}

/* A harness around @e (taken), with a bus when @bus is given, downstream
 * caps @sink_caps (NULL: anything). Audio caps are not sent yet. */
static GstHarness *
harness_for (GstElement * e, GstBus ** bus, const gchar * sink_caps)
{
  GstHarness *h;

  if (bus != NULL) {
    *bus = gst_bus_new ();
    gst_element_set_bus (e, *bus);
  }
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  if (sink_caps != NULL)
    gst_harness_set_sink_caps_str (h, sink_caps);
  return h;
}

static GstHarness *
new_harness (GstBus ** bus, const gchar * sink_caps)
{
  GstHarness *h = harness_for (new_filter (), bus, sink_caps);

  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  return h;
}

static void
free_bus (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

static void
get_video_info (GstHarness * h, GstVideoInfo * info)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
}

/* Checks frame @n of a stream whose first frame is at @base: timestamps,
 * offset, the index drawn in it and, when @rms >= 0, the whole picture. */
static void
check_frame (GstHarness * h, GstBuffer * buf, guint64 n, GstClockTime base,
    gdouble rms)
{
  GstVideoInfo info;
  GstVideoFrame frame;

  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), base + frame_time (n));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      frame_time (n + 1) - frame_time (n));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), n);

  get_video_info (h, &info);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  fail_unless_equals_uint64 (decode_index (&frame), n);
  if (rms >= 0) {
    fail_unless_equals_int (measure_mouth (&frame), mouth_height (rms));
    check_picture (&frame, n, rms);
  }
  gst_video_frame_unmap (&frame);
}

/* pulls and checks frames [first, first + count) */
static void
pull_frames (GstHarness * h, guint64 first, guint count, GstClockTime base,
    Timeline * tl)
{
  guint64 n;

  for (n = first; n < first + count; n++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL, "no frame %" G_GUINT64_FORMAT, n);
    check_frame (h, buf, n, base, tl ? timeline_rms (tl, n) : -1);
    gst_buffer_unref (buf);
  }
}

/* no further frame shows up within a while */
static void
assert_no_frame (GstHarness * h)
{
  GstBuffer *buf;

  g_usleep (50 * 1000);
  buf = gst_harness_try_pull (h);
  if (buf != NULL)
    fail ("unexpected frame at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
}

/* sends EOS, then pulls and checks frames [first, first + count) and EOS */
static void
drain_frames (GstHarness * h, guint64 first, guint count, GstClockTime base,
    Timeline * tl)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_frames (h, first, count, base, tl);
  gst_event_unref (wait_eos (h, NULL));
}

static void
push_segment (GstHarness * h)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

/* the element refused the caps it was offered */
static void
check_no_input_caps (GstHarness * h)
{
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");
  GstCaps *caps = gst_pad_get_current_caps (sink);

  if (caps != NULL)
    fail ("caps %" GST_PTR_FORMAT " were taken", caps);
  gst_object_unref (sink);
}

static GstMessage *
pop_message (GstBus * bus, GstMessageType type)
{
  return gst_bus_pop_filtered (bus, type);
}

/* ---- frame accounting ---- */

static const gfloat AMPS[] = { 0.0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.3f };

/* a square wave whose amplitude changes with each frame */
static gfloat
signal_at (guint64 i)
{
  gfloat amp = AMPS[(i / SPF * 7 + 3) % G_N_ELEMENTS (AMPS)];

  return (i & 1) ? -amp : amp;
}

GST_START_TEST (test_frame_counts)
{
  static const guint sizes[] = { 1, 160, 441, 1000, 7680, 16000 };
  /* not on the frame grid: the first buffer's timestamp is the base */
  const GstClockTime base = 3 * GST_SECOND + 12345;
  const guint total = 3 * SPB + 1234;
  Timeline *tl = timeline_new ();
  guint s, i;

  g_array_set_size (tl, total);
  for (i = 0; i < total; i++)
    g_array_index (tl, gfloat, i) = signal_at (i);

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    GstHarness *h = new_harness (NULL, NULL);
    guint pos;

    for (pos = 0; pos < total; pos += sizes[s]) {
      guint n = MIN (sizes[s], total - pos);

      fail_unless_equals_int (push_samples (h,
              &g_array_index (tl, gfloat, pos), n, base + samples_time (pos),
              FALSE), GST_FLOW_OK);
    }
    /* before EOS: the whole blocks only */
    pull_frames (h, 0, total / SPB * FPB, base, tl);
    assert_no_frame (h);
    /* after: ceil (samples / 640), the last one padded with silence */
    drain_frames (h, total / SPB * FPB,
        (total + SPF - 1) / SPF - total / SPB * FPB, base, tl);
    fail_unless_equals_int (gst_harness_buffers_received (h),
        (total + SPF - 1) / SPF);
    gst_harness_teardown (h);
  }
  g_array_unref (tl);
}

GST_END_TEST;

/* Ten minutes of audio in 3 s buffers whose timestamps jitter by up to
 * 5 ms: every frame is still at exactly n * 40 ms. */
GST_START_TEST (test_long_stream)
{
  const guint64 total = 600 * LA_SAMPLE_RATE;
  const guint chunk = 3 * LA_SAMPLE_RATE;
  gfloat *pcm = g_new (gfloat, chunk);
  GstHarness *h = new_harness (NULL, NULL);
  guint64 pos, received = 0;
  GstBuffer *buf;
  guint b = 0;

  for (pos = 0; pos < total; pos += chunk, b++) {
    GstClockTimeDiff jitter = b == 0 ? 0 :
        (GstClockTimeDiff) ((b * 7919) % 11) - 5;
    guint i;

    for (i = 0; i < chunk; i++)
      pcm[i] = signal_at (pos + i);
    fail_unless_equals_int (push_samples (h, pcm, chunk,
            samples_time (pos) + jitter * GST_MSECOND, FALSE), GST_FLOW_OK);
    while ((buf = gst_harness_try_pull (h))) {
      gdouble rms = -1;

      if (received % 997 == 0) {
        /* each frame has one amplitude */
        rms = fabs (signal_at (received * SPF));
      }
      check_frame (h, buf, received, 0, rms);
      gst_buffer_unref (buf);
      received++;
    }
  }
  g_free (pcm);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pull_frames (h, received, total / SPF - received, 0, NULL);
  gst_event_unref (wait_eos (h, NULL));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- negotiation ---- */

static void
check_format (const gchar * sink_caps, GstVideoFormat expected)
{
  GstHarness *h = new_harness (NULL, sink_caps);
  Timeline *tl = timeline_new ();
  GstVideoInfo info;
  guint i;

  for (i = 0; i < FPB; i++)
    push_tone (h, tl, SPF, AMPS[i % G_N_ELEMENTS (AMPS)], samples_time (i *
            SPF), 0);
  pull_frames (h, 0, FPB, 0, tl);

  get_video_info (h, &info);
  fail_unless_equals_string (gst_video_format_to_string (GST_VIDEO_INFO_FORMAT
          (&info)), gst_video_format_to_string (expected));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), W);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), H);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 25);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&info), 1);

  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_START_TEST (test_formats)
{
  check_format ("video/x-raw, format=RGB", GST_VIDEO_FORMAT_RGB);
  check_format ("video/x-raw, format=RGBA", GST_VIDEO_FORMAT_RGBA);
  check_format ("video/x-raw, format=I420", GST_VIDEO_FORMAT_I420);
  /* downstream's first choice wins; ours when it does not care */
  check_format ("video/x-raw, format={ I420, RGBA }", GST_VIDEO_FORMAT_I420);
  check_format ("video/x-raw, format={ RGBA, RGB }", GST_VIDEO_FORMAT_RGBA);
  check_format (NULL, GST_VIDEO_FORMAT_RGB);
}

GST_END_TEST;

GST_START_TEST (test_no_common_format)
{
  GstBus *bus;
  GstHarness *h = harness_for (new_filter (), &bus, "video/x-raw, "
      "format=NV12");
  GstMessage *msg;
  GstCaps *caps = gst_caps_from_string (AUDIO_CAPS);
  gfloat *pcm = make_tone (SPF, 0.1f);

  /* a refused sticky event is not an error for the pusher: it comes
   * again with the data */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  check_no_input_caps (h);
  push_segment (h);
  msg = pop_message (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail_unless (g_error_matches (err, GST_CORE_ERROR,
            GST_CORE_ERROR_NEGOTIATION), "%s", err->message);
    g_error_free (err);
  }
  gst_message_unref (msg);
  fail_unless_equals_int (push_samples (h, pcm, SPF, 0, FALSE),
      GST_FLOW_NOT_NEGOTIATED);
  g_free (pcm);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* ---- gaps and overlaps ---- */

GST_START_TEST (test_gap)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();
  guint64 pos;

  push_tone (h, tl, SPB, 0.2f, 0, 0);
  /* 200 ms missing: five frames of a silent face, no jump in time */
  pos = SPB + 5 * SPF;
  timeline_add_silence (tl, 5 * SPF);
  push_tone (h, tl, SPB, 0.3f, samples_time (pos), 0);
  pos += SPB;
  /* a GAP event: 400 ms of silence */
  fail_unless (gst_harness_push_event (h,
          gst_event_new_gap (samples_time (pos), 400 * GST_MSECOND)));
  timeline_add_silence (tl, 10 * SPF);
  pos += 10 * SPF;
  /* 15 ms late: jitter, the samples follow on directly */
  push_tone (h, tl, 3 * SPF, 0.1f, samples_time (pos) + 15 * GST_MSECOND, 0);
  pos += 3 * SPF;
  /* 25 ms late: 400 samples of silence first */
  timeline_add_silence (tl, 400);
  push_tone (h, tl, 2 * SPF, 0.15f, samples_time (pos) + 25 * GST_MSECOND, 0);

  fail_unless_equals_int (tl->len, 2 * SPB + 20 * SPF + 400);
  pull_frames (h, 0, tl->len / SPB * FPB, 0, tl);
  drain_frames (h, tl->len / SPB * FPB,
      (tl->len + SPF - 1) / SPF - tl->len / SPB * FPB, 0, tl);
  /* the silent frames are there with a closed mouth */
  fail_unless_equals_int (mouth_height (timeline_rms (tl, FPB + 2)), 0);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_overlap)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();
  gfloat *pcm;
  guint n = SPB, dropped = 1600;

  push_tone (h, tl, SPB, 0.1f, 0, 0);
  /* a DISCONT buffer that starts 100 ms before the end of the first: its
   * first 1600 samples (loud) were covered already and go */
  pcm = make_tone (n, 0.2f);
  {
    guint i;

    for (i = 0; i < dropped; i++)
      pcm[i] = (i & 1) ? -0.3f : 0.3f;
  }
  fail_unless_equals_int (push_samples (h, pcm, n,
          samples_time (SPB - dropped), TRUE), GST_FLOW_OK);
  g_array_append_vals (tl, pcm + dropped, n - dropped);
  g_free (pcm);
  /* all of it from the past: dropped */
  push_tone (h, NULL, SPF, 0.3f, samples_time (SPB), 0);
  /* 10 ms early: jitter, kept */
  push_tone (h, tl, SPF, 0.05f, samples_time (tl->len) - 10 * GST_MSECOND, 0);

  fail_unless_equals_int (tl->len, 2 * SPB - dropped + SPF);
  pull_frames (h, 0, FPB, 0, tl);
  drain_frames (h, FPB, (tl->len + SPF - 1) / SPF - FPB, 0, tl);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- events ---- */

static void
flush (GstHarness * h)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  push_segment (h);
}

/* a partial block in the engine, then a flush: it never comes out */
GST_START_TEST (test_flush_mid_block)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();
  GstEvent *event;
  gboolean flush_start = FALSE, flush_stop = FALSE;

  push_tone (h, tl, SPB + 3000, 0.1f, 0, 0);
  pull_frames (h, 0, FPB, 0, tl);
  flush (h);
  while ((event = gst_harness_try_pull_event (h))) {
    flush_start |= GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START;
    flush_stop |= GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP;
    gst_event_unref (event);
  }
  fail_unless (flush_start && flush_stop);

  /* a new timeline from frame 0 at the first new timestamp */
  g_array_set_size (tl, 0);
  push_tone (h, tl, SPB, 0.3f, 5 * GST_SECOND, 0);
  pull_frames (h, 0, FPB, 5 * GST_SECOND, tl);
  drain_frames (h, FPB, 0, 5 * GST_SECOND, tl);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2 * FPB);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

static gulong
block_output (GstHarness * h, gint * hits)
{
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  gulong id = gst_pad_add_probe (src,
      GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER, count_probe,
      hits, NULL);

  gst_object_unref (src);
  return id;
}

static void
unblock_output (GstHarness * h, gulong id)
{
  GstPad *src = gst_element_get_static_pad (h->element, "src");

  gst_pad_remove_probe (src, id);
  gst_object_unref (src);
}

/* The task blocked downstream, the audio thread blocked on the engine's
 * back-pressure: a flush releases both, and nothing stale comes out. */
GST_START_TEST (test_flush_blocked)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();
  const guint n = 40 * SPB;
  gfloat *pcm = make_tone (n, 0.1f);
  PushJob job = { h, gst_buffer_new_memdup (pcm, n * sizeof (gfloat)),
    GST_FLOW_OK, 0
  };
  gint hits = 0;
  gulong probe = block_output (h, &hits);
  GThread *thread;

  g_free (pcm);
  GST_BUFFER_PTS (job.buf) = 0;
  thread = g_thread_new ("push", push_job, &job);
  while (g_atomic_int_get (&hits) == 0)
    g_usleep (1000);
  g_usleep (300 * 1000);
  fail_if (g_atomic_int_get (&job.done), "40 blocks went in: no "
      "back-pressure");

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  fail_unless_equals_int (job.ret, GST_FLOW_FLUSHING);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  unblock_output (h, probe);
  push_segment (h);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  push_tone (h, tl, SPB, 0.3f, 7 * GST_SECOND, 0);
  pull_frames (h, 0, FPB, 7 * GST_SECOND, tl);
  drain_frames (h, FPB, 0, 7 * GST_SECOND, tl);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_eos)
{
  GstHarness *h;
  Timeline *tl;
  gfloat one = 0.2f;
  gboolean caps = FALSE;

  /* nothing pushed: EOS, no frame, but the stream is announced */
  h = new_harness (NULL, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_event_unref (wait_eos (h, &caps));
  fail_unless (caps);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_harness_teardown (h);

  /* EOS before caps goes straight through; a new stream may follow */
  h = harness_for (new_filter (), NULL, NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  caps = FALSE;
  gst_event_unref (wait_eos (h, &caps));
  fail_if (caps);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("second")));
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  tl = timeline_new ();
  push_tone (h, tl, SPB, 0.1f, 0, 0);
  drain_frames (h, 0, FPB, 0, tl);
  g_array_unref (tl);
  gst_harness_teardown (h);

  /* one sample: one frame; data after EOS is refused */
  h = new_harness (NULL, NULL);
  tl = timeline_new ();
  g_array_append_val (tl, one);
  fail_unless_equals_int (push_samples (h, &one, 1, 0, FALSE), GST_FLOW_OK);
  drain_frames (h, 0, 1, 0, tl);
  fail_unless_equals_int (push_samples (h, &one, 1, samples_time (1), FALSE),
      GST_FLOW_EOS);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* STREAM_START after EOS: a new stream, frames from 0 again */
GST_START_TEST (test_new_stream_after_eos)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();

  push_tone (h, tl, SPB, 0.1f, 0, 0);
  drain_frames (h, 0, FPB, 0, tl);

  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("second")));
  push_segment (h);
  g_array_set_size (tl, 0);
  push_tone (h, tl, SPB + SPF, 0.2f, 2 * GST_SECOND, 0);
  pull_frames (h, 0, FPB, 2 * GST_SECOND, tl);
  drain_frames (h, FPB, 1, 2 * GST_SECOND, tl);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GString *log;
} OrderLog;

static GstPadProbeReturn
order_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  OrderLog *log = data;

  g_mutex_lock (&log->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    g_string_append_printf (log->log, "%" G_GUINT64_FORMAT " ",
        GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)));
  else
    g_string_append_printf (log->log, "%s ",
        GST_EVENT_TYPE_NAME (GST_PAD_PROBE_INFO_EVENT (info)));
  g_mutex_unlock (&log->lock);
  return GST_PAD_PROBE_OK;
}

/* Serialized events leave between the frames around the audio position at
 * which they arrived; stream-start, caps and segment come first. */
GST_START_TEST (test_event_order)
{
  GstHarness *h = harness_for (new_filter (), NULL, NULL);
  OrderLog log = { {0}, g_string_new (NULL) };
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  GstBuffer *buf;
  guint seqnum;
  GstEvent *eos;

  g_mutex_init (&log.lock);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, order_probe,
      &log, NULL);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  push_tone (h, NULL, 1000, 0.1f, 0, 0);
  /* at sample 1000: before frame 2 (the first starting after it) */
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_TITLE, "a", NULL))));
  push_tone (h, NULL, 2 * SPB - 1000 - SPF, 0.1f, samples_time (1000), 0);
  /* at a frame boundary (frame 23 starts here) */
  fail_unless (gst_harness_push_event (h,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("marker"))));
  push_tone (h, NULL, SPF + 100, 0.1f, samples_time (2 * SPB - SPF), 0);
  eos = gst_event_new_eos ();
  seqnum = gst_event_get_seqnum (eos);
  fail_unless (gst_harness_push_event (h, eos));
  while ((buf = gst_harness_pull (h)) && GST_BUFFER_OFFSET (buf) < 24)
    gst_buffer_unref (buf);
  gst_buffer_unref (buf);
  eos = wait_eos (h, NULL);
  /* our EOS is upstream's */
  fail_unless_equals_int (gst_event_get_seqnum (eos), seqnum);
  gst_event_unref (eos);

  g_mutex_lock (&log.lock);
  fail_unless_equals_string (log.log->str, "stream-start caps segment 0 1 tag "
      "2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 "
      "custom-downstream 23 24 eos ");
  g_mutex_unlock (&log.lock);
  gst_object_unref (src);
  g_string_free (log.log, TRUE);
  g_mutex_clear (&log.lock);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A SEGMENT in mid-stream starts a new timeline at the first frame after
 * it: the frame it cuts through stays in the old one. */
GST_START_TEST (test_new_segment)
{
  GstHarness *h = new_harness (NULL, NULL);
  GstPad *src = gst_element_get_static_pad (h->element, "src");
  OrderLog log = { {0}, g_string_new (NULL) };
  GString *expected = g_string_new ("stream-start caps segment ");
  Timeline *tl = timeline_new ();
  const guint cut = SPB + 6 * SPF + SPF / 2;    /* in frame 18 */
  const GstClockTime start = 10 * GST_SECOND;
  GstSegment segment;
  GstEvent *event;
  guint64 n;

  g_mutex_init (&log.lock);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, order_probe,
      &log, NULL);
  push_tone (h, tl, cut, 0.1f, 0, 0);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = segment.time = start;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  push_tone (h, tl, 2 * SPB - cut, 0.2f, start, 0);

  /* frame n >= 19 starts 640 n - cut samples after the new start */
  pull_frames (h, 0, 19, 0, tl);
  pull_frames (h, 19, 2 * FPB - 19, start - samples_time (cut), tl);

  for (n = 0; n < 2 * FPB; n++)
    g_string_append_printf (expected, "%s%" G_GUINT64_FORMAT " ",
        n == 19 ? "segment " : "", n);
  g_mutex_lock (&log.lock);
  fail_unless_equals_string (log.log->str, expected->str);
  g_mutex_unlock (&log.lock);
  /* the output segment is the input one */
  while ((event = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
      gst_event_copy_segment (event, &segment);
    gst_event_unref (event);
  }
  fail_unless_equals_uint64 (segment.start, start);
  fail_unless_equals_uint64 (segment.time, start);

  gst_object_unref (src);
  g_string_free (expected, TRUE);
  g_string_free (log.log, TRUE);
  g_mutex_clear (&log.lock);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- state ---- */

GST_START_TEST (test_state_cycles)
{
  GstHarness *h = new_harness (NULL, NULL);
  Timeline *tl = timeline_new ();
  GstBuffer *buf;
  guint i;

  for (i = 0; i < 200; i++) {
    if (i > 0)
      fail_unless_equals_int (gst_element_set_state (h->element,
              GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
    g_array_set_size (tl, 0);
    push_tone (h, tl, SPB, AMPS[i % G_N_ELEMENTS (AMPS)], GST_SECOND, 0);
    /* every other time, stop with frames and a partial block in flight */
    if (i % 2 == 0)
      pull_frames (h, 0, FPB, GST_SECOND, tl);
    push_tone (h, NULL, 17 * i % SPB + 1, 0.1f, GST_SECOND +
        samples_time (SPB), 0);
    fail_unless_equals_int (gst_element_set_state (h->element,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    while ((buf = gst_harness_try_pull (h)))
      gst_buffer_unref (buf);
  }
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  g_array_unref (tl);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* state changes in a loop while another thread pushes audio */
GST_START_TEST (test_state_stress)
{
  GstHarness *h = harness_for (new_filter (), NULL, NULL);
  GstCaps *caps = gst_caps_from_string (AUDIO_CAPS);
  gfloat *pcm = make_tone (2000, 0.1f);
  GstBuffer *buf = gst_buffer_new_memdup (pcm, 2000 * sizeof (gfloat));
  GstHarnessThread *push, *states;
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  push = gst_harness_stress_push_buffer_start_full (h, caps, &segment, buf, 0);
  states = gst_harness_stress_statechange_start_full (h, 1000);
  g_usleep (G_USEC_PER_SEC);
  fail_unless (gst_harness_stress_thread_stop (states) > 2);
  gst_harness_stress_thread_stop (push);

  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  g_free (pcm);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- errors and properties ---- */

static void
check_bad_caps (const gchar * caps_str)
{
  GstBus *bus;
  GstHarness *h = harness_for (new_filter (), &bus, NULL);
  GstCaps *caps = gst_caps_from_string (caps_str);
  gfloat *pcm = make_tone (SPF, 0.1f);
  GstMessage *msg;
  GError *err = NULL;

  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  check_no_input_caps (h);
  push_segment (h);
  msg = pop_message (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s", caps_str);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT), "%s", err->message);
  fail_unless (strstr (err->message, "16 kHz") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "audioconvert ! audioresample") !=
      NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);

  /* the caps are offered again with each buffer: refused, not re-posted */
  fail_unless_equals_int (push_samples (h, pcm, SPF, 0, FALSE),
      GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_int (push_samples (h, pcm, SPF, samples_time (SPF),
          FALSE), GST_FLOW_NOT_NEGOTIATED);
  msg = pop_message (bus, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL);
  g_free (pcm);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_START_TEST (test_bad_caps)
{
  check_bad_caps ("audio/x-raw, format=F32LE, rate=44100, channels=1, "
      "layout=interleaved");
  check_bad_caps ("audio/x-raw, format=S16LE, rate=16000, channels=1, "
      "layout=interleaved");
  check_bad_caps ("audio/x-raw, format=F32LE, rate=16000, channels=2, "
      "layout=interleaved, channel-mask=(bitmask)0x3");
}

GST_END_TEST;

/* READY fails with an error naming @needle */
static void
check_load_error (GstElement * e, GQuark domain, gint code,
    const gchar * needle)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = pop_message (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error: %s (%s)", err->message, debug);
  fail_unless (g_error_matches (err, domain, code), "%s", err->message);
  fail_unless (strstr (err->message, needle) != NULL, "'%s' not in '%s'",
      needle, err->message);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  free_bus (bus);
  gst_object_unref (e);
}

GST_START_TEST (test_missing_model)
{
  GstElement *e;

  /* the default model is the real one, which needs its files */
  e = new_filter ();
  gst_util_set_object_arg (G_OBJECT (e), "model", "liveavatar");
  check_load_error (e, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "model-path");

  e = new_filter ();
  gst_util_set_object_arg (G_OBJECT (e), "model", "liveavatar");
  g_object_set (e, "model-path", "/nonexistent/liveavatar-model", NULL);
  check_load_error (e, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "/nonexistent/liveavatar-model");
}

GST_END_TEST;

/* A stage error (here: a NaN in the second block) is posted once as an
 * ERROR naming the sample; the frames before it go out, then EOS. */
GST_START_TEST (test_engine_error)
{
  GstBus *bus;
  GstHarness *h = new_harness (&bus, NULL);
  Timeline *tl = timeline_new ();
  gfloat *pcm = make_tone (SPB, 0.1f);
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  GstBuffer *buf;
  guint pulled = 0;

  push_tone (h, tl, SPB, 0.2f, 0, 0);
  pull_frames (h, 0, FPB, 0, tl);
  pcm[100] = NAN;
  /* the chain may see the error already, or not yet */
  push_samples (h, pcm, SPB, samples_time (SPB), FALSE);
  gst_event_unref (wait_eos (h, NULL));
  while ((buf = gst_harness_try_pull (h)) != NULL) {
    pulled++;
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (pulled, 0);

  msg = pop_message (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR message");
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (err->domain == GST_STREAM_ERROR, "domain %s",
      g_quark_to_string (err->domain));
  fail_unless (strstr (err->message, "audio sample 7780 is NaN") != NULL,
      "message: %s", err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  /* posted once */
  fail_unless (pop_message (bus, GST_MESSAGE_ERROR) == NULL);

  g_free (pcm);
  g_array_unref (tl);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

GST_START_TEST (test_bad_devices)
{
  GstElement *e;

  e = new_filter ();
  g_object_set (e, "dit-devices", "a,1", NULL);
  check_load_error (e, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, "\"a,1\"");

  e = new_filter ();
  g_object_set (e, "dit-devices", "0,0", NULL);
  check_load_error (e, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
      "listed twice");
}

GST_END_TEST;

GST_START_TEST (test_properties_while_playing)
{
  GstBus *bus;
  GstHarness *h = harness_for (new_filter (), &bus, NULL);
  Timeline *tl = timeline_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *prompt = NULL;
  gint width = 0;

  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  push_tone (h, tl, SPB, 0.1f, 0, 0);

  /* READY-only: refused with a warning, unchanged */
  g_object_set (h->element, "width", 128, NULL);
  g_object_get (h->element, "width", &width, NULL);
  fail_unless_equals_int (width, W);
  msg = pop_message (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, "width") != NULL, "%s", err->message);
  g_clear_error (&err);
  gst_message_unref (msg);

  /* the prompt may change while playing */
  g_object_set (h->element, "prompt", "a person smiling", NULL);
  g_object_get (h->element, "prompt", &prompt, NULL);
  fail_unless_equals_string (prompt, "a person smiling");
  g_free (prompt);
  fail_unless (pop_message (bus, GST_MESSAGE_WARNING) == NULL);
  fail_unless (pop_message (bus, GST_MESSAGE_ERROR) == NULL);
  push_tone (h, tl, SPB, 0.2f, samples_time (SPB), 0);
  pull_frames (h, 0, 2 * FPB, 0, tl);

  /* in READY a size change takes effect at the next start */
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  g_object_set (h->element, "width", 2 * W, NULL);
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
  push_tone (h, NULL, SPB, 0.2f, 0, 0);
  gst_buffer_unref (gst_harness_pull (h));
  {
    GstVideoInfo info;

    get_video_info (h, &info);
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 2 * W);
  }

  g_array_unref (tl);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* ---- latency ---- */

static GstPadProbeReturn
upstream_max_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  gboolean live;
  GstClockTime min, max;

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_parse_latency (query, &live, &min, &max);
    gst_query_set_latency (query, live, min, *(GstClockTime *) data);
  }
  return GST_PAD_PROBE_OK;
}

static void
query_latency (GstHarness * h, gboolean * live, GstClockTime * min,
    GstClockTime * max)
{
  GstQuery *query = gst_query_new_latency ();

  fail_unless (gst_pad_peer_query (h->sinkpad, query));
  gst_query_parse_latency (query, live, min, max);
  gst_query_unref (query);
}

GST_START_TEST (test_latency)
{
  const GstClockTime upstream = 100 * GST_MSECOND;
  const GstClockTime block = samples_time (SPB), frame = frame_time (1);
  GstClockTime lookahead = samples_time (test_model_lookahead (W, H));
  GstClockTime ours, min, max, upstream_max;
  GstBus *bus;
  GstHarness *h = new_harness (&bus, NULL);
  GstPad *sink = gst_element_get_static_pad (h->element, "sink");
  Timeline *tl = timeline_new ();
  PushJob job = { h, NULL, GST_FLOW_OK, 0 };
  GThread *thread;
  GstMessage *msg;
  gboolean live;
  gint hits = 0;
  gulong probe;
  gfloat *pcm;

  gst_harness_set_upstream_latency (h, upstream);
  g_object_get (h->element, "latency", &ours, NULL);
  /* before any block was measured: look-ahead, a block and a frame */
  fail_unless_equals_uint64 (ours, lookahead + block + frame);
  query_latency (h, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, upstream + ours);
  fail_unless_equals_uint64 (max, GST_CLOCK_TIME_NONE);
  fail_unless_equals_uint64 (gst_harness_query_latency (h), upstream + ours);
  /* a bounded upstream maximum grows by as much */
  upstream_max = 2 * GST_SECOND;
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM |
      GST_PAD_PROBE_TYPE_PULL, upstream_max_probe, &upstream_max, NULL);
  query_latency (h, &live, &min, &max);
  fail_unless_equals_uint64 (max, upstream_max + ours);
  fail_unless (pop_message (bus, GST_MESSAGE_LATENCY) == NULL);

  /* frames held up downstream for 300 ms: that is downstream's latency,
   * not ours, so the figure stays and no message is posted */
  probe = block_output (h, &hits);
  push_tone (h, tl, SPB, 0.1f, 0, 0);
  while (g_atomic_int_get (&hits) == 0)
    g_usleep (1000);
  pcm = make_tone (3 * SPB, 0.2f);
  g_array_append_vals (tl, pcm, 3 * SPB);
  job.buf = gst_buffer_new_memdup (pcm, 3 * SPB * sizeof (gfloat));
  GST_BUFFER_PTS (job.buf) = samples_time (SPB);
  g_free (pcm);
  thread = g_thread_new ("push", push_job, &job);
  /* the engine has room for them: only the last block waits */
  g_thread_join (thread);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  g_usleep (300 * 1000);
  unblock_output (h, probe);
  pull_frames (h, 0, 4 * FPB, 0, tl);
  fail_unless (pop_message (bus, GST_MESSAGE_LATENCY) == NULL);
  g_object_get (h->element, "latency", &min, NULL);
  fail_unless_equals_uint64 (min, ours);
  gst_object_unref (sink);
  g_array_unref (tl);
  gst_harness_teardown (h);
  free_bus (bus);

  /* a model slower than a frame per block: the measured part grows to
   * whole frames covering the steps' time, and the element says so */
  g_setenv ("LIVEAVATAR_TEST_STEP_DELAY_US", "30000", TRUE);
  h = new_harness (&bus, NULL);
  g_unsetenv ("LIVEAVATAR_TEST_STEP_DELAY_US");
  sink = gst_element_get_static_pad (h->element, "sink");
  tl = timeline_new ();
  gst_harness_set_upstream_latency (h, upstream);
  push_tone (h, tl, 2 * SPB, 0.1f, 0, 0);
  pull_frames (h, 0, 2 * FPB, 0, tl);

  msg = pop_message (bus, GST_MESSAGE_LATENCY);
  fail_unless (msg != NULL, "no latency message");
  gst_message_unref (msg);
  g_object_get (h->element, "latency", &ours, NULL);
  GST_INFO ("latency now %" GST_TIME_FORMAT, GST_TIME_ARGS (ours));
  /* 4 steps of at least 30 ms each, in whole frames */
  fail_unless (ours - lookahead - block >= 4 * 30 * GST_MSECOND);
  fail_unless_equals_uint64 ((ours - lookahead - block) % frame, 0);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM |
      GST_PAD_PROBE_TYPE_PULL, upstream_max_probe, &upstream_max, NULL);
  query_latency (h, &live, &min, &max);
  fail_unless_equals_uint64 (min, upstream + ours);
  fail_unless_equals_uint64 (max, upstream_max + ours);

  gst_object_unref (sink);
  g_array_unref (tl);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* ---- QoS ---- */

GST_START_TEST (test_qos)
{
  GstBus *bus;
  GstHarness *h = new_harness (&bus, NULL);
  const guint total = 10 * LA_SAMPLE_RATE;
  /* 2 s late at 0: expected late again by as much, so the earliest
   * showable time is 4 s; frames ending before it are dropped */
  const GstClockTime earliest = 4 * GST_SECOND;
  const guint64 first = earliest / frame_time (1) - 1;
  gfloat *pcm = g_new (gfloat, total);
  GstBuffer *buf;
  GstMessage *msg;
  guint64 n, processed, dropped;
  guint i;

  gst_harness_push_upstream_event (h,
      gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5, 2 * GST_SECOND, 0));
  for (i = 0; i < total; i++)
    pcm[i] = signal_at (i);
  for (i = 0; i < total; i += LA_SAMPLE_RATE)
    fail_unless_equals_int (push_samples (h, pcm + i, LA_SAMPLE_RATE,
            samples_time (i), FALSE), GST_FLOW_OK);
  g_free (pcm);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* what is pushed keeps its exact time; the first marks the jump */
  for (n = first; n < total / SPF; n++) {
    buf = gst_harness_pull (h);
    fail_unless (buf != NULL);
    check_frame (h, buf, n, 0, fabs (signal_at (n * SPF)));
    fail_unless (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT) ==
        (n != first), "DISCONT wrong on frame %" G_GUINT64_FORMAT, n);
    gst_buffer_unref (buf);
  }
  gst_event_unref (wait_eos (h, NULL));

  /* one stats message per block, dropped or not, with the counters so far */
  {
    const gchar *const devices[] = { "0", NULL };
    guint64 skipped = 0, b;

    for (b = 0; b < total / SPB; b++) {
      StatsExpect expect = { b, b * FPB, FPB, frame_time (b * FPB), devices,
        0, FALSE
      };
      const GstStructure *s;
      gboolean block_skipped;

      msg = pop_stats (bus);
      fail_unless (msg != NULL, "no stats for block %" G_GUINT64_FORMAT, b);
      s = check_stats (msg, &expect);
      /* counted as the first frame goes: it is dropped up to frame first */
      fail_unless_equals_uint64 (stats_uint64 (s, "frames-dropped"),
          MIN (b * FPB + 1, first));
      /* the engine may only skip blocks that are wholly late; it hears of
       * the lateness with the first frame, so the first blocks it may have
       * generated already */
      fail_unless (gst_structure_get_boolean (s, "skipped", &block_skipped));
      if (block_skipped)
        fail_unless ((b + 1) * FPB <= first, "block %" G_GUINT64_FORMAT
            " skipped", b);
      skipped += block_skipped;
      fail_unless_equals_uint64 (stats_uint64 (s, "blocks-skipped"), skipped);
      gst_message_unref (msg);
    }
    /* the tail of 10 s is a partial block, padded at EOS */
    msg = pop_stats (bus);
    fail_unless (msg != NULL);
    fail_unless_equals_uint64 (stats_uint64 (gst_message_get_structure (msg),
            "block"), total / SPB);
    gst_message_unref (msg);
    fail_unless (pop_stats (bus) == NULL);
  }

  /* one QoS message per dropped frame */
  for (n = 0; n < first; n++) {
    GstClockTime running_time, timestamp, duration;
    GstFormat format;

    msg = pop_message (bus, GST_MESSAGE_QOS);
    fail_unless (msg != NULL, "no QoS message for frame %" G_GUINT64_FORMAT, n);
    gst_message_parse_qos (msg, NULL, &running_time, NULL, &timestamp,
        &duration);
    fail_unless_equals_uint64 (timestamp, frame_time (n));
    fail_unless_equals_uint64 (running_time, frame_time (n));
    fail_unless_equals_uint64 (duration, frame_time (1));
    gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
    fail_unless_equals_int (format, GST_FORMAT_BUFFERS);
    fail_unless_equals_uint64 (processed, 0);
    fail_unless_equals_uint64 (dropped, n + 1);
    gst_message_unref (msg);
  }
  fail_unless (pop_message (bus, GST_MESSAGE_QOS) == NULL);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* qos=false: QoS events change nothing */
GST_START_TEST (test_qos_disabled)
{
  GstBus *bus;
  GstHarness *h = harness_for (new_filter (), &bus, NULL);
  Timeline *tl = timeline_new ();

  g_object_set (h->element, "qos", FALSE, NULL);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  gst_harness_push_upstream_event (h,
      gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5, 2 * GST_SECOND, 0));
  push_tone (h, tl, 2 * SPB, 0.1f, 0, 0);
  drain_frames (h, 0, 2 * FPB, 0, tl);
  fail_unless (pop_message (bus, GST_MESSAGE_QOS) == NULL);
  g_array_unref (tl);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* ---- stats on the bus ---- */

/* Pushes @n_blocks blocks and @tail samples on @h, drains, and checks that
 * each block's stats message is on the bus by the time its first frame is
 * pulled, in order, and that there are no others. (The element runs ahead
 * of the pulls: later blocks' messages may be there already.) */
static void
check_stats_stream (GstHarness * h, GstBus * bus, guint n_blocks, guint tail,
    const gchar * const *dit_devices, gint vae_device)
{
  const guint n_samples = n_blocks * SPB + tail;
  const guint n_frames = (n_samples + SPF - 1) / SPF;
  guint64 latency, n;
  gfloat *pcm = make_tone (n_samples, 0.1f);
  GstMessage *msg;

  fail_unless_equals_int (push_samples (h, pcm, n_samples, 0, FALSE),
      GST_FLOW_OK);
  g_free (pcm);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  for (n = 0; n < n_frames; n++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), n);
    if (n % FPB == 0) {
      StatsExpect expect = { n / FPB, n, MIN (FPB, n_frames - n),
        GST_BUFFER_PTS (buf), dit_devices, vae_device, FALSE
      };
      const GstStructure *s;
      gboolean skipped;

      /* posted before the frame was pushed */
      msg = pop_stats (bus);
      fail_unless (msg != NULL, "no stats before frame %" G_GUINT64_FORMAT, n);
      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (h->element));
      s = check_stats (msg, &expect);
      fail_unless (gst_structure_get_boolean (s, "skipped", &skipped));
      fail_if (skipped);
      fail_unless_equals_uint64 (stats_uint64 (s, "frames-dropped"), 0);
      fail_unless_equals_uint64 (stats_uint64 (s, "blocks-skipped"), 0);
      g_object_get (h->element, "latency", &latency, NULL);
      /* the figure only grows */
      fail_unless (stats_uint64 (s, "latency") <= latency);
      fail_unless (stats_uint64 (s, "latency") >= frame_time (FPB + 1));
      gst_message_unref (msg);
    }
    gst_buffer_unref (buf);
  }
  gst_event_unref (wait_eos (h, NULL));
  fail_unless (pop_stats (bus) == NULL);
}

GST_START_TEST (test_stats)
{
  const gchar *const devices[] = { "0", "1", NULL };
  GstElement *e = new_filter ();
  GstBus *bus;
  GstHarness *h;

  /* READY-only properties: before the harness starts it */
  gst_util_set_object_arg (G_OBJECT (e), "backend", "cpu");
  g_object_set (e, "dit-devices", "0,1", NULL);
  h = harness_for (e, &bus, NULL);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  check_stats_stream (h, bus, 3, 1000, devices, 1);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

GST_START_TEST (test_stats_ulysses)
{
  const gchar *const devices[] = { "0,1", NULL };
  GstElement *e = new_filter ();
  GstBus *bus;
  GstHarness *h;

  g_object_set (e, "dit-devices", "0,1", "ulysses-size", 2, "vae-device", 0,
      NULL);
  h = harness_for (e, &bus, NULL);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  check_stats_stream (h, bus, 2, 0, devices, 0);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

/* stats=false: no message, while playing too; the counters go on */
GST_START_TEST (test_stats_disabled)
{
  GstBus *bus;
  GstHarness *h = harness_for (new_filter (), &bus, NULL);
  gfloat *pcm = make_tone (SPB, 0.1f);
  GstMessage *msg;
  gboolean stats;
  guint b;

  g_object_get (h->element, "stats", &stats, NULL);
  fail_unless (stats);
  g_object_set (h->element, "stats", FALSE, NULL);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  for (b = 0; b < 4; b++) {
    /* on for block 2 only */
    if (b >= 2)
      g_object_set (h->element, "stats", b == 2, NULL);
    fail_unless_equals_int (push_samples (h, pcm, SPB, frame_time (b * FPB),
            FALSE), GST_FLOW_OK);
    pull_frames (h, b * FPB, FPB, 0, NULL);
    msg = pop_stats (bus);
    if (b != 2) {
      fail_unless (msg == NULL, "stats for block %u", b);
      continue;
    }
    fail_unless (msg != NULL);
    fail_unless_equals_uint64 (stats_uint64 (gst_message_get_structure (msg),
            "block"), 2);
    gst_message_unref (msg);
  }
  g_free (pcm);
  gst_harness_teardown (h);
  free_bus (bus);
}

GST_END_TEST;

static Suite *
liveavatarfilter_suite (void)
{
  Suite *s = suite_create ("liveavatarfilter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frame_counts);
  tcase_add_test (tc, test_long_stream);
  tcase_add_test (tc, test_formats);
  tcase_add_test (tc, test_no_common_format);
  tcase_add_test (tc, test_gap);
  tcase_add_test (tc, test_overlap);
  tcase_add_test (tc, test_flush_mid_block);
  tcase_add_test (tc, test_flush_blocked);
  tcase_add_test (tc, test_eos);
  tcase_add_test (tc, test_new_stream_after_eos);
  tcase_add_test (tc, test_event_order);
  tcase_add_test (tc, test_new_segment);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_state_stress);
  tcase_add_test (tc, test_bad_caps);
  tcase_add_test (tc, test_missing_model);
  tcase_add_test (tc, test_engine_error);
  tcase_add_test (tc, test_bad_devices);
  tcase_add_test (tc, test_properties_while_playing);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_qos);
  tcase_add_test (tc, test_qos_disabled);
  tcase_add_test (tc, test_stats);
  tcase_add_test (tc, test_stats_ulysses);
  tcase_add_test (tc, test_stats_disabled);
  return s;
}

GST_CHECK_MAIN (liveavatarfilter);
