/* liveavatar: reference image tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The reference image: Live Avatar's resize and centre crop (worked out by
 * hand from torchvision's Resize and CenterCrop), decoding with
 * GStreamer's own decoders on files made here with its encoders, the
 * errors, and both elements with a picture: the output size, and a change
 * while playing (shown from a clip boundary, frames unchanged in number
 * and time; a bad file is a warning).
 *
 * Decoding needs system plugins, which the other element tests keep out
 * (LeakSanitizer). This one loads exactly the ones it uses: main () links
 * them into a folder of its own and makes that the system plugin path, so
 * the suppressions in tests/lsan.supp can name them. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "liveavatar.h"
#include "gstliveavatarimage.h"
#include "check-util.h"
#include "test-tiny.h"

#define SPB LA_SAMPLES_PER_BLOCK
#define FPB LA_FRAMES_PER_BLOCK
#define FRAMES_PER_CLIP (FPB * LA_BLOCKS_PER_CLIP)
#define BLOCK_TIME (GST_SECOND * SPB / LA_SAMPLE_RATE)

/* the system plugins this test loads, and nothing else */
static const gchar *const system_plugins[] = {
  "coreelements", "typefindfunctions", "playback", "videoconvertscale",
  "png", "jpeg", "videotestsrc", "audiotestsrc", "wavenc", "wavparse",
};

static gchar *files_dir;        /* pictures made by the tests */

/* ---- making files ---- */

static gchar *
file_path (const gchar * name)
{
  return g_build_filename (files_dir, name, NULL);
}

typedef void (*PixelFunc) (gint x, gint y, guint8 * rgb);

/* A PNG of @width x @height whose pixels @pixel gives, encoded by pngenc */
static gchar *
make_png (const gchar * name, gint width, gint height, PixelFunc pixel)
{
  gchar *path = file_path (name);
  GstHarness *h = gst_harness_new ("pngenc");
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  GstMapInfo map;
  gint x, y;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, width, height);
  GST_VIDEO_INFO_FPS_N (&info) = 0;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));

  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++)
      pixel (x, y, (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x * 3);
  gst_video_frame_unmap (&frame);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);

  buf = gst_harness_pull (h);
  fail_unless (buf != NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless (g_file_set_contents (path, (const gchar *) map.data,
          map.size, NULL));
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
  return path;
}

/* runs "@desc ! filesink location=<file>" to its end */
static gchar *
make_file (const gchar * name, const gchar * desc)
{
  gchar *path = file_path (name);
  gchar *full = g_strdup_printf ("%s ! filesink name=sink", desc);
  GstElement *pipeline, *sink;
  GError *err = NULL;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_parse_launch (full, &err);
  fail_unless (pipeline != NULL, "%s: %s", full, err ? err->message : "?");
  g_clear_error (&err);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (sink, "location", path, NULL);
  gst_object_unref (sink);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%s did not run to its end", full);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (full);
  return path;
}

/* a solid-colour picture from videotestsrc, encoded by @encoder */
static gchar *
make_solid (const gchar * name, gint width, gint height, guint32 argb,
    const gchar * encoder)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 "
      "pattern=solid-color foreground-color=0x%08x ! "
      "video/x-raw,format=RGB,width=%d,height=%d ! %s", argb, width, height,
      encoder);
  gchar *path = make_file (name, desc);

  g_free (desc);
  return path;
}

static void
ramp_pixel (gint x, gint y, guint8 * rgb)
{
  rgb[0] = x;
  rgb[1] = 2 * y + 1;
  rgb[2] = 255 - x;
}

static void
solid_pixel (gint x, gint y, guint8 * rgb)
{
  rgb[0] = 200;
  rgb[1] = 100;
  rgb[2] = 50;
}

/* ---- geometry ---- */

typedef struct
{
  gint sw, sh, w, h;            /* picture, output */
  LaCrop crop;                  /* expected */
} CropCase;

/* Resize (min (H, W)): the picture's short side (the width when square)
 * becomes min (H, W), the long one int (min * long / short). CenterCrop
 * ((H, W)): where the scaled picture is larger, the crop starts at
 * int (round ((scaled - out) / 2.0)), Python's round taking halves to the
 * even neighbour; where smaller, it is padded with black, (out - scaled)
 * // 2 before. */
static const CropCase crop_cases[] = {
  /* 300x200 to 320x256: min 256 = the height, width int (256 * 300 / 200)
   * = 384; crop 320 from 384 at round (32.0) = 32 */
  {300, 200, 320, 256, {384, 256, 32, 0, 0, 0, 320, 256}},
  /* 301x517 to 320x576: min 320 = the width, height int (320 * 517 / 301)
   * = int (549.63) = 549 < 576: 27 rows of black, 13 above, 14 below */
  {301, 517, 320, 576, {320, 549, 0, 0, 0, 13, 320, 549}},
  /* 16:9 at Live Avatar's 704x384: height 384, width int (384 * 1280 /
   * 720) = int (682.67) = 682 < 704: black bars of 11 columns each side */
  {1280, 720, 704, 384, {682, 384, 0, 0, 11, 0, 682, 384}},
  /* already at the size */
  {704, 384, 704, 384, {704, 384, 0, 0, 0, 0, 704, 384}},
  /* square: 1024 -> 512, nothing to crop */
  {1024, 1024, 512, 512, {512, 512, 0, 0, 0, 0, 512, 512}},
  /* round half to even: 37 / 2 = 18.5 -> 18, 39 / 2 = 19.5 -> 20,
   * 41 / 2 = 20.5 -> 20, 43 / 2 = 21.5 -> 22 */
  {101, 64, 64, 64, {101, 64, 18, 0, 0, 0, 64, 64}},
  {103, 64, 64, 64, {103, 64, 20, 0, 0, 0, 64, 64}},
  {105, 64, 64, 64, {105, 64, 20, 0, 0, 0, 64, 64}},
  {64, 107, 64, 64, {64, 107, 0, 22, 0, 0, 64, 64}},
  /* truncation of the long side: 3x7 to 64x64, height int (64 * 7 / 3) =
   * int (149.33) = 149, crop from round (42.5) = 42 */
  {3, 7, 64, 64, {64, 149, 0, 42, 0, 0, 64, 64}},
  /* the picture's short side is not the output's: 500x490 to 512x448,
   * min 448 = the height of both, width int (448 * 500 / 490) =
   * int (457.14) = 457 < 512: 55 columns of black, 27 before */
  {500, 490, 512, 448, {457, 448, 0, 0, 27, 0, 457, 448}},
};

GST_START_TEST (test_crop_geometry)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (crop_cases); i++) {
    const CropCase *c = &crop_cases[i];
    LaCrop crop;

    memset (&crop, 0xff, sizeof (crop));
    fail_unless (la_crop_for (c->sw, c->sh, c->w, c->h, &crop));
    GST_INFO ("%dx%d -> %dx%d: scaled %dx%d, (%d,%d) -> (%d,%d), %dx%d",
        c->sw, c->sh, c->w, c->h, crop.scaled_width, crop.scaled_height,
        crop.src_x, crop.src_y, crop.dst_x, crop.dst_y, crop.copy_width,
        crop.copy_height);
    fail_unless (memcmp (&crop, &c->crop, sizeof (crop)) == 0,
        "case %u: %dx%d to %dx%d", i, c->sw, c->sh, c->w, c->h);
  }
}

GST_END_TEST;

/* ---- decoding ---- */

static GstLiveAvatarImage *
load_ok (const gchar * path, gint width, gint height, GstLiveAvatarImageFit fit)
{
  GError *err = NULL;
  GstLiveAvatarImage *image =
      gst_live_avatar_image_load (path, width, height, fit, &err);

  fail_unless (image != NULL, "%s: %s", path, err ? err->message : "?");
  fail_unless_equals_string (image->path, path);
  return image;
}

static const guint8 *
pixel_at (const GstLiveAvatarImage * image, gint x, gint y)
{
  return image->rgb + ((gsize) y * image->width + x) * 3;
}

/* A lossless picture that needs no scaling: exactly the pixels of the
 * crop, which starts at the half-to-even offset. */
GST_START_TEST (test_png_crop_exact)
{
  static const gint widths[] = { 101, 103 };
  static const gint offsets[] = { 18, 20 };     /* round (18.5), round (19.5) */
  guint i;

  for (i = 0; i < G_N_ELEMENTS (widths); i++) {
    gchar *name = g_strdup_printf ("ramp-%d.png", widths[i]);
    gchar *path = make_png (name, widths[i], 64, ramp_pixel);
    GstLiveAvatarImage *image = load_ok (path, 64, 64,
        GST_LIVE_AVATAR_IMAGE_FIT_SIZE);
    gint x, y;

    fail_unless_equals_int (image->source_width, widths[i]);
    fail_unless_equals_int (image->source_height, 64);
    fail_unless_equals_int (image->width, 64);
    fail_unless_equals_int (image->height, 64);
    for (y = 0; y < 64; y++) {
      for (x = 0; x < 64; x++) {
        const guint8 *p = pixel_at (image, x, y);

        fail_unless (p[0] == x + offsets[i] && p[1] == 2 * y + 1 &&
            p[2] == 255 - (x + offsets[i]), "%s (%d,%d) is %u,%u,%u", path,
            x, y, p[0], p[1], p[2]);
      }
    }
    gst_live_avatar_image_free (image);
    g_free (path);
    g_free (name);
  }
}

GST_END_TEST;

/* An odd-sized PNG whose aspect decides the size: 301x517 in an area of
 * 704x384 (270336 pixels) is no larger than it (155617), so Live Avatar
 * keeps the scale 1 and pads the sides up to multiples of 64: 320x576
 * (184320 <= 270336). The picture is then scaled to 320x549 (crop case
 * above): black rows 0..12 and 562..575. */
GST_START_TEST (test_png_area)
{
  gchar *path = make_png ("solid-301x517.png", 301, 517, solid_pixel);
  GstLiveAvatarImage *image = load_ok (path, 704, 384,
      GST_LIVE_AVATAR_IMAGE_FIT_AREA);
  gint x, y;

  fail_unless_equals_int (image->source_width, 301);
  fail_unless_equals_int (image->source_height, 517);
  fail_unless_equals_int (image->width, 320);
  fail_unless_equals_int (image->height, 576);
  for (y = 0; y < 576; y++) {
    gboolean bar = y < 13 || y >= 13 + 549;

    for (x = 0; x < 320; x++) {
      const guint8 *p = pixel_at (image, x, y);

      if (bar)
        fail_unless (p[0] == 0 && p[1] == 0 && p[2] == 0,
            "(%d,%d) is %u,%u,%u, not black", x, y, p[0], p[1], p[2]);
      else
        fail_unless (p[0] == 200 && p[1] == 100 && p[2] == 50,
            "(%d,%d) is %u,%u,%u, not 200,100,50", x, y, p[0], p[1], p[2]);
    }
  }
  gst_live_avatar_image_free (image);
  g_free (path);
}

GST_END_TEST;

/* A JPEG (YUV inside, lossy) at an odd size: 333x199 in 704x384 is under
 * the area, scale 1: 199 -> 256, 333 -> 384 (98304 <= 270336), so
 * 384x256; scaled to int (256 * 333 / 199) = 428 x 256, crop from 22. A
 * solid colour comes back within JPEG's error. */
GST_START_TEST (test_jpeg_area)
{
  gchar *path = make_solid ("solid-333x199.jpg", 333, 199, 0xff3080c0,
      "jpegenc quality=95");
  GstLiveAvatarImage *image = load_ok (path, 704, 384,
      GST_LIVE_AVATAR_IMAGE_FIT_AREA);
  gint i;

  fail_unless_equals_int (image->source_width, 333);
  fail_unless_equals_int (image->source_height, 199);
  fail_unless_equals_int (image->width, 384);
  fail_unless_equals_int (image->height, 256);
  for (i = 0; i < 384 * 256; i++) {
    const guint8 *p = image->rgb + i * 3;

    fail_unless (ABS (p[0] - 0x30) <= 6 && ABS (p[1] - 0x80) <= 6 &&
        ABS (p[2] - 0xc0) <= 6, "pixel %d is %u,%u,%u, not 48,128,192", i,
        p[0], p[1], p[2]);
  }
  gst_live_avatar_image_free (image);
  g_free (path);
}

GST_END_TEST;

/* Shrinking: a 1280x720 PNG in the default area is 704x384 (worked out in
 * tests/engine/test-reference.c), scaled to 682x384 with 11 black columns
 * each side; the solid colour stays exact. */
GST_START_TEST (test_png_shrink)
{
  gchar *path = make_solid ("solid-1280x720.png", 1280, 720, 0xff10e070,
      "pngenc");
  GstLiveAvatarImage *image = load_ok (path, 704, 384,
      GST_LIVE_AVATAR_IMAGE_FIT_AREA);
  gint x, y;

  fail_unless_equals_int (image->width, 704);
  fail_unless_equals_int (image->height, 384);
  for (y = 0; y < 384; y++) {
    for (x = 0; x < 704; x++) {
      const guint8 *p = pixel_at (image, x, y);

      if (x < 11 || x >= 11 + 682)
        fail_unless (p[0] == 0 && p[1] == 0 && p[2] == 0, "(%d,%d)", x, y);
      else
        fail_unless (p[0] == 0x10 && p[1] == 0xe0 && p[2] == 0x70,
            "(%d,%d) is %u,%u,%u", x, y, p[0], p[1], p[2]);
    }
  }
  gst_live_avatar_image_free (image);
  g_free (path);
}

GST_END_TEST;

/* ---- errors ---- */

static void
check_load_error (const gchar * path, GstLiveAvatarImageFit fit,
    GQuark domain, gint code, const gchar * reason)
{
  GError *err = NULL;

  fail_unless (gst_live_avatar_image_load (path, 64, 64, fit, &err) == NULL,
      "%s decoded", path);
  fail_unless (err != NULL);
  GST_INFO ("%s: %s", path, err->message);
  fail_unless (g_error_matches (err, domain, code), "%s: %s (%s %d)", path,
      err->message, g_quark_to_string (err->domain), err->code);
  fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
  if (reason != NULL)
    fail_unless (strstr (err->message, reason) != NULL, "%s", err->message);
  g_error_free (err);
}

GST_START_TEST (test_load_errors)
{
  gchar *missing = file_path ("missing.png");
  gchar *text = file_path ("text.png");
  gchar *empty = file_path ("empty.png");
  gchar *wav = make_file ("tone.wav",
      "audiotestsrc num-buffers=4 ! audio/x-raw,rate=16000 ! wavenc");
  gchar *thin = make_png ("thin-1x600.png", 1, 600, solid_pixel);

  fail_unless (g_file_set_contents (text, "not a picture\n", -1, NULL));
  fail_unless (g_file_set_contents (empty, "", 0, NULL));

  /* not readable: GStreamer's reason comes along */
  check_load_error (missing, GST_LIVE_AVATAR_IMAGE_FIT_AREA,
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, "not found");
  check_load_error (files_dir, GST_LIVE_AVATAR_IMAGE_FIT_SIZE,
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, NULL);
  /* read, but no picture in it */
  check_load_error (text, GST_LIVE_AVATAR_IMAGE_FIT_AREA,
      GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, NULL);
  check_load_error (empty, GST_LIVE_AVATAR_IMAGE_FIT_SIZE,
      GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, NULL);
  check_load_error (wav, GST_LIVE_AVATAR_IMAGE_FIT_AREA,
      GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, "audio/x-raw");
  /* a picture, but Live Avatar's size for it has a side of 0: 1x600 in
   * 64x64 is under the area; scale 1 gives 64x640 > 4096 pixels, scale
   * 0.991 int (0.991) = 0 columns */
  check_load_error (thin, GST_LIVE_AVATAR_IMAGE_FIT_AREA,
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "1x600");
  /* fitted to 64x64 it would be scaled to 64x38400 first */
  check_load_error (thin, GST_LIVE_AVATAR_IMAGE_FIT_SIZE,
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "64x38400");

  g_free (missing);
  g_free (text);
  g_free (empty);
  g_free (wav);
  g_free (thin);
}

GST_END_TEST;

/* ---- the elements ---- */

static GstElement *
new_element (const gchar * factory, const gchar * image, gint width,
    gint height)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  fail_unless (e != NULL, "%s not found (GST_PLUGIN_PATH?)", factory);
  gst_util_set_object_arg (G_OBJECT (e), "model", "test");
  gst_util_set_object_arg (G_OBJECT (e), "backend", "cpu");
  g_object_set (e, "width", width, "height", height, "reference-image",
      image, NULL);
  return e;
}

static GstBuffer *
silent_block (guint64 index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, SPB * sizeof (gfloat), NULL);

  gst_buffer_memset (buf, 0, 0, SPB * sizeof (gfloat));
  GST_BUFFER_PTS (buf) = index * BLOCK_TIME;
  GST_BUFFER_DURATION (buf) = BLOCK_TIME;
  return buf;
}

static void
caps_size (GstHarness * h, gint * width, gint * height)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstStructure *s;

  fail_unless (caps != NULL);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "width", width));
  fail_unless (gst_structure_get_int (s, "height", height));
  gst_caps_unref (caps);
}

/* Pushes block @index and pulls its 12 frames, each at its exact place. */
static void
block_through (GstHarness * h, guint64 index)
{
  guint i;

  fail_unless_equals_int (gst_harness_push (h, silent_block (index)),
      GST_FLOW_OK);
  for (i = 0; i < FPB; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    guint64 n = index * FPB + i;

    fail_unless (buf != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), n);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        gst_util_uint64_scale (n, GST_SECOND, LA_FPS));
    gst_buffer_unref (buf);
  }
}

/* the next "liveavatar-reference-image" message's frame number, or -1 */
static gint64
pop_shown (GstBus * bus)
{
  GstMessage *msg;
  gint64 offset = -1;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 frame, timestamp;

    if (gst_structure_has_name (s, "liveavatar-reference-image")) {
      fail_unless (offset < 0, "two pictures shown at once");
      fail_unless (gst_structure_get_uint64 (s, "offset", &frame));
      fail_unless (gst_structure_get_uint64 (s, "timestamp", &timestamp));
      fail_unless_equals_uint64 (timestamp,
          gst_util_uint64_scale (frame, GST_SECOND, LA_FPS));
      offset = (gint64) frame;
    }
    gst_message_unref (msg);
  }
  return offset;
}

static void
check_warning (GstBus * bus, GQuark domain, gint code)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_WARNING);
  GError *err = NULL;

  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &err, NULL);
  GST_INFO ("warning: %s", err->message);
  fail_unless (g_error_matches (err, domain, code), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
}

/* The picture sets the aspect: width x height is the area. */
GST_START_TEST (test_filter_size)
{
  gchar *landscape = make_solid ("l-1280x720.png", 1280, 720, 0xff808080,
      "pngenc");
  gchar *portrait = make_solid ("p-720x1280.png", 720, 1280, 0xff808080,
      "pngenc");
  const gchar *images[] = { landscape, portrait };
  const gint sizes[][2] = { {704, 384}, {384, 704} };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (images); i++) {
    GstHarness *h;
    gint width, height;

    h = gst_harness_new_with_element (new_element ("liveavatarfilter",
            images[i], 704, 384), "sink", "src");
    gst_object_unref (h->element);
    gst_harness_set_src_caps_str (h, AUDIO_CAPS);
    block_through (h, 0);
    caps_size (h, &width, &height);
    fail_unless_equals_int (width, sizes[i][0]);
    fail_unless_equals_int (height, sizes[i][1]);
    gst_harness_teardown (h);
  }
  g_free (landscape);
  g_free (portrait);
}

GST_END_TEST;

/* A file that cannot be used fails NULL->READY with the picture's error. */
GST_START_TEST (test_filter_bad_image)
{
  gchar *missing = file_path ("missing.jpg");
  gchar *text = file_path ("text.jpg");
  const gchar *paths[] = { missing, text };
  const gint codes[] = { GST_RESOURCE_ERROR_OPEN_READ,
    GST_STREAM_ERROR_DECODE
  };
  guint i;

  fail_unless (g_file_set_contents (text, "not a picture\n", -1, NULL));
  for (i = 0; i < G_N_ELEMENTS (paths); i++) {
    GstElement *e = new_element ("liveavatarfilter", paths[i], 704, 384);
    GstBus *bus = gst_bus_new ();
    GstMessage *msg;
    GError *err = NULL;

    gst_element_set_bus (e, bus);
    fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (err->domain == (i == 0 ? GST_RESOURCE_ERROR :
            GST_STREAM_ERROR) && err->code == codes[i], "%s", err->message);
    fail_unless (strstr (err->message, paths[i]) != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (msg);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
  g_free (missing);
  g_free (text);
}

GST_END_TEST;

/* Pushes blocks from *@block on until a new picture is shown (at most
 * 500 blocks, a few seconds: the decode runs on its own thread) and
 * returns the frame that shows it. */
static guint64
run_until_shown (GstHarness * h, GstBus * bus, guint64 * block)
{
  gint64 shown = -1;
  guint i;

  for (i = 0; i < 500 && shown < 0; i++) {
    block_through (h, (*block)++);
    shown = pop_shown (bus);
    if (shown < 0)
      g_usleep (5000);
  }
  fail_unless (shown >= 0, "the new picture was never shown");
  return (guint64) shown;
}

/* While playing: a new picture is shown from a clip boundary after the
 * change, frame numbers and times go on unchanged; a bad file or none
 * gives a warning and nothing changes. */
static void
check_change_while_playing (GstHarness * h, GstBus * bus, const gchar * next)
{
  gchar *missing = file_path ("missing-too.png");
  guint64 block = 0, before, shown;
  guint i;

  /* the first picture shows from frame 0 */
  block_through (h, block++);
  fail_unless_equals_int64 (pop_shown (bus), 0);
  block_through (h, block++);
  before = block * FPB;

  g_object_set (h->element, "reference-image", next, NULL);
  shown = run_until_shown (h, bus, &block);
  GST_INFO ("changed before frame %" G_GUINT64_FORMAT ", shown from %"
      G_GUINT64_FORMAT, before, shown);
  fail_unless (shown % FRAMES_PER_CLIP == 0, "shown from frame %"
      G_GUINT64_FORMAT ", not a clip boundary", shown);
  fail_unless (shown >= before);

  g_object_set (h->element, "reference-image", missing, NULL);
  check_warning (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ);
  g_object_set (h->element, "reference-image", NULL, NULL);
  check_warning (bus, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  /* a whole clip later, still the same picture and timeline */
  for (i = 0; i < 2 * LA_BLOCKS_PER_CLIP; i++)
    block_through (h, block++);
  fail_unless_equals_int64 (pop_shown (bus), -1);
  g_free (missing);
}

GST_START_TEST (test_filter_change_while_playing)
{
  gchar *first = make_solid ("first.png", 64, 64, 0xff102030, "pngenc");
  gchar *next = make_solid ("next.jpg", 90, 50, 0xffa0b0c0, "jpegenc");
  GstElement *e = new_element ("liveavatarfilter", first, 64, 64);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gint width, height;

  gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);

  check_change_while_playing (h, bus, next);
  caps_size (h, &width, &height);
  fail_unless_equals_int (width, 64);
  fail_unless_equals_int (height, 64);

  gst_harness_push_event (h, gst_event_new_eos ());
  gst_event_unref (wait_eos (h, NULL));
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  g_free (first);
  g_free (next);
}

GST_END_TEST;

static GstStaticPadTemplate audio_src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));
static GstStaticPadTemplate rgb_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format=RGB"));

/* The source too; it paces itself on the audio when not live. A picture
 * changed in READY is decoded again before PAUSED: its aspect counts. */
GST_START_TEST (test_src_change_while_playing)
{
  gchar *first = make_solid ("first-src.png", 64, 64, 0xff102030, "pngenc");
  gchar *wide = make_solid ("wide-src.png", 384, 128, 0xff102030, "pngenc");
  gchar *next = make_solid ("next-src.png", 50, 90, 0xffa0b0c0, "pngenc");
  GstElement *e = new_element ("liveavatarsrc", first, 64, 64);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gint width, height;

  g_object_set (e, "is-live", FALSE, NULL);
  gst_element_set_bus (e, bus);
  /* 64x64 in 64x64: scale 1, no padding, 64x64 */
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  /* 384x128 in an area of 192x64 (12288 < 49152): max = sqrt (12288 /
   * 49152) = 0.5 exactly, and i = 0 fits at once: 64 rows, 192 columns,
   * 12288 <= 12288. The engine is made again at 192x64. */
  g_object_set (e, "reference-image", wide, "width", 192, "height", 64, NULL);
  h = gst_harness_new_full (e, &audio_src_template, "audio",
      &rgb_sink_template, "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);

  check_change_while_playing (h, bus, next);
  caps_size (h, &width, &height);
  fail_unless_equals_int (width, 192);
  fail_unless_equals_int (height, 64);

  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  g_free (first);
  g_free (wide);
  g_free (next);
}

GST_END_TEST;

/* model=liveavatar on the tiny model (the official layout, random
 * weights): one frame per 40 ms at its exact place, the first 3 frames
 * (which Live Avatar's streaming decoder drops) are the reference picture
 * as GStreamer decoded it, the frames after it are generated; the latency
 * covers the audio window's 0.4 s look-ahead (docs/latency.md). */
GST_START_TEST (test_filter_tiny_model)
{
  const gint size = 64;
  gchar *model = la_test_tiny_model_new (3);
  gchar *png = make_png ("tiny-ref.png", size, size, ramp_pixel);
  GstElement *e = new_element ("liveavatarfilter", png, size, size);
  guint8 *picture = g_malloc ((gsize) size * size * 3);
  GstClockTime latency;
  GstHarness *h;
  guint64 n;
  gint x, y;

  for (y = 0; y < size; y++)
    for (x = 0; x < size; x++)
      ramp_pixel (x, y, picture + ((gsize) y * size + x) * 3);
  gst_util_set_object_arg (G_OBJECT (e), "model", "liveavatar");
  g_object_set (e, "model-path", model, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_sink_caps_str (h, "video/x-raw,format=RGB");
  gst_harness_set_src_caps_str (h, AUDIO_CAPS);
  g_object_get (h->element, "latency", &latency, NULL);
  fail_unless_equals_uint64 (latency,
      400 * GST_MSECOND + BLOCK_TIME + GST_SECOND / LA_FPS);

  fail_unless_equals_int (gst_harness_push (h, silent_block (0)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, silent_block (1)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (n = 0; n < 2 * FPB; n++) {
    GstBuffer *buf = gst_harness_pull (h);
    GstMapInfo map;
    gboolean same;

    fail_unless (buf != NULL, "frame %" G_GUINT64_FORMAT " missing", n);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), n);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        gst_util_uint64_scale (n, GST_SECOND, LA_FPS));
    fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
    fail_unless_equals_uint64 (map.size, (gsize) size * size * 3);
    same = memcmp (map.data, picture, map.size) == 0;
    if (n < 3)
      fail_unless (same, "frame %" G_GUINT64_FORMAT " is not the picture", n);
    else
      fail_if (same, "frame %" G_GUINT64_FORMAT " is the picture", n);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  gst_harness_teardown (h);
  la_test_tiny_model_free (model);
  g_free (picture);
  g_free (png);
}

GST_END_TEST;

static Suite *
liveavatarimage_suite (void)
{
  Suite *s = suite_create ("liveavatarimage");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_crop_geometry);
  tcase_add_test (tc, test_png_crop_exact);
  tcase_add_test (tc, test_png_area);
  tcase_add_test (tc, test_jpeg_area);
  tcase_add_test (tc, test_png_shrink);
  tcase_add_test (tc, test_load_errors);
  tcase_add_test (tc, test_filter_size);
  tcase_add_test (tc, test_filter_bad_image);
  tcase_add_test (tc, test_filter_change_while_playing);
  tcase_add_test (tc, test_src_change_while_playing);
  tcase_add_test (tc, test_filter_tiny_model);
  return s;
}

/* A folder of links to exactly the system plugins used, as the system
 * plugin path: nothing else is scanned or loaded. */
static gchar *
link_system_plugins (void)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("liveavatar-plugins-XXXXXX", &err);
  guint i;

  g_assert_no_error (err);
  for (i = 0; i < G_N_ELEMENTS (system_plugins); i++) {
    gchar *file = g_strdup_printf ("libgst%s.so", system_plugins[i]);
    gchar *target = g_build_filename (SYSTEM_PLUGINS_DIR, file, NULL);
    gchar *link = g_build_filename (dir, file, NULL);

    if (symlink (target, link) != 0)
      g_error ("cannot link %s: %s", target, g_strerror (errno));
    g_free (file);
    g_free (target);
    g_free (link);
  }
  return dir;
}

static void
remove_dir (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *file = g_build_filename (path, name, NULL);

    g_unlink (file);
    g_free (file);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  gchar *plugins = link_system_plugins ();
  GError *err = NULL;
  Suite *s;
  int failed;

  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", plugins, TRUE);
  files_dir = g_dir_make_tmp ("liveavatar-images-XXXXXX", &err);
  g_assert_no_error (err);

  gst_check_init (&argc, &argv);
  s = liveavatarimage_suite ();
  failed = gst_check_run_suite (s, "liveavatarimage", __FILE__);

  remove_dir (files_dir);
  remove_dir (plugins);
  g_free (files_dir);
  g_free (plugins);
  return failed;
}
