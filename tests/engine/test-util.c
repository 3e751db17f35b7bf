/* liveavatar engine tests: shared helpers and the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <math.h>
#include <string.h>

#include "test-util.h"

/* ---- test audio */

gfloat *
test_audio_new (gsize n_samples, guint salt)
{
  gfloat *pcm = g_new (gfloat, MAX (n_samples, 1));
  gsize k;

  for (k = 0; k < n_samples; k++) {
    guint64 f = k / 640;
    gfloat amplitude = (gfloat) ((f * 7 + salt) % 11) / 40.0f;

    pcm[k] = (k & 1) ? amplitude : -amplitude;
  }
  return pcm;
}

/* ---- reference picture, one pixel at a time, topmost layer first */

typedef struct
{
  guint8 r, g, b;
} RefRgb;

static RefRgb
ref_pixel (gint w, gint h, guint64 index, gint mouth_h, gint x, gint y)
{
  static const RefRgb white = { 255, 255, 255 }, black = { 0, 0, 0 };
  static const RefRgb mouth = { 120, 20, 30 }, eye = { 30, 30, 30 };
  static const RefRgb face = { 230, 190, 150 }, background = { 40, 40, 60 };
  gint r = MIN (w, h - 8) * 3 / 8;
  gint side = MAX (2, r / 6);
  gint eye_top = h / 2 + 4 - r / 3 - side / 2;
  gint eye_left[2] = { w / 2 - r / 2 - side / 2, w / 2 + r / 2 - side / 2 };
  gint mouth_top = h / 2 + 4 + r / 3;
  long long dx = 2 * x + 1 - w, dy = 2 * y + 1 - (h + 8);
  gint e;

  if (x < 64 && y < 8) {
    gint bit = (y / 4) * 16 + x / 4;

    return ((index >> bit) & 1) ? white : black;
  }
  if (x >= w / 2 - r / 2 && x < w / 2 + r / 2 && y >= mouth_top &&
      y < mouth_top + mouth_h)
    return mouth;
  for (e = 0; e < 2; e++) {
    if (x >= eye_left[e] && x < eye_left[e] + side && y >= eye_top &&
        y < eye_top + side)
      return eye;
  }
  if (dx * dx + dy * dy <= 4LL * r * r)
    return face;
  return background;
}

gint
ref_mouth_height (gint width, gint height, const gfloat * frame_pcm)
{
  gint r = MIN (width, height - 8) * 3 / 8;
  gdouble sum = 0.0, rms, level;
  gint i;

  if (frame_pcm == NULL)
    return 0;
  for (i = 0; i < 640; i++)
    sum += (gdouble) frame_pcm[i] * (gdouble) frame_pcm[i];
  rms = sqrt (sum / 640.0);
  level = MIN (1.0, rms / 0.25);
  return (gint) floor (level * (r / 2) + 0.5);
}

guint8 *
ref_frame_bytes (LaPixelFormat format, gint w, gint h, guint64 index,
    const gfloat * pcm, gsize n_pcm, gsize * size)
{
  gfloat frame_pcm[640] = { 0, };
  RefRgb *rgb = g_new (RefRgb, (gsize) w * h);
  guint8 *out = NULL;
  gint mouth_h = 0;
  gint x, y;

  if (pcm) {
    gsize start = index * 640, i;

    for (i = 0; i < 640 && start + i < n_pcm; i++)
      frame_pcm[i] = pcm[start + i];
    mouth_h = ref_mouth_height (w, h, frame_pcm);
  }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      rgb[y * w + x] = ref_pixel (w, h, index, mouth_h, x, y);

  switch (format) {
    case LA_PIXEL_FORMAT_RGB:
    case LA_PIXEL_FORMAT_RGBA:{
      gint bpp = format == LA_PIXEL_FORMAT_RGBA ? 4 : 3;

      *size = (gsize) w *h * bpp;
      out = g_malloc (*size);
      for (x = 0; x < w * h; x++) {
        out[bpp * x] = rgb[x].r;
        out[bpp * x + 1] = rgb[x].g;
        out[bpp * x + 2] = rgb[x].b;
        if (bpp == 4)
          out[bpp * x + 3] = 255;
      }
      break;
    }
    case LA_PIXEL_FORMAT_I420:{
      guint8 *u, *v;

      *size = (gsize) w *h * 3 / 2;
      out = g_malloc (*size);
      u = out + w * h;
      v = u + (w / 2) * (h / 2);
      for (x = 0; x < w * h; x++)
        out[x] = ((66 * rgb[x].r + 129 * rgb[x].g + 25 * rgb[x].b + 128) >> 8)
            + 16;
      for (y = 0; y < h / 2; y++) {
        for (x = 0; x < w / 2; x++) {
          const RefRgb *p[4] = {
            &rgb[(2 * y) * w + 2 * x], &rgb[(2 * y) * w + 2 * x + 1],
            &rgb[(2 * y + 1) * w + 2 * x], &rgb[(2 * y + 1) * w + 2 * x + 1]
          };
          gint R = (p[0]->r + p[1]->r + p[2]->r + p[3]->r + 2) / 4;
          gint G = (p[0]->g + p[1]->g + p[2]->g + p[3]->g + 2) / 4;
          gint B = (p[0]->b + p[1]->b + p[2]->b + p[3]->b + 2) / 4;

          u[y * (w / 2) + x] = ((-38 * R - 74 * G + 112 * B + 128) >> 8) + 128;
          v[y * (w / 2) + x] = ((112 * R - 94 * G - 18 * B + 128) >> 8) + 128;
        }
      }
      break;
    }
  }
  g_free (rgb);
  return out;
}

guint64
ref_decode_index (const LaFrame * frame)
{
  guint64 index = 0;
  gint i;

  for (i = 0; i < 32; i++) {
    gint x = 4 * (i % 16) + 2, y = 4 * (i / 16) + 2;
    guint8 v = 0;

    switch (frame->format) {
      case LA_PIXEL_FORMAT_RGB:
        v = frame->data[frame->offset[0] + y * frame->stride[0] + 3 * x];
        break;
      case LA_PIXEL_FORMAT_RGBA:
        v = frame->data[frame->offset[0] + y * frame->stride[0] + 4 * x];
        break;
      case LA_PIXEL_FORMAT_I420:
        v = frame->data[frame->offset[0] + y * frame->stride[0] + x];
        break;
    }
    if (v >= 128)
      index |= G_GUINT64_CONSTANT (1) << i;
  }
  return index;
}

/* ---- checks */

guint64
test_expected_frames (gsize n_samples)
{
  return (n_samples + 639) / 640;
}

/* indices 0.., DISCONT on the first, PADDING exactly on a frame that goes
 * past the audio, nothing repeated */
void
test_check_sequence (GPtrArray * frames, gsize n_samples)
{
  guint i;

  g_assert_cmpuint (frames->len, ==, test_expected_frames (n_samples));
  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    guint expected_flags = 0;

    if (i == 0)
      expected_flags |= LA_FRAME_FLAG_DISCONT;
    if ((gsize) (i + 1) * 640 > n_samples)
      expected_flags |= LA_FRAME_FLAG_PADDING;
    g_assert_cmpuint (f->index, ==, i);
    g_assert_cmpuint (f->flags, ==, expected_flags);
    g_assert_cmpuint (ref_decode_index (f), ==, i);
  }
}

void
test_check_pictures (GPtrArray * frames, const gfloat * pcm, gsize n_samples)
{
  guint i;

  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    gsize size;
    guint8 *ref = ref_frame_bytes (f->format, f->width, f->height, f->index,
        pcm, n_samples, &size);

    g_assert_cmpuint (f->size, ==, size);
    if (memcmp (f->data, ref, size) != 0)
      g_error ("frame %u (format %d, %dx%d) differs from the reference", i,
          f->format, f->width, f->height);
    g_free (ref);
  }
}

void
test_check_stream (LaSession * session, const gfloat * pcm, gsize n_samples,
    gsize chunk)
{
  GPtrArray *frames = test_run_stream (session, pcm, n_samples, chunk);

  test_check_sequence (frames, n_samples);
  test_check_pictures (frames, pcm, n_samples);
  g_ptr_array_unref (frames);
}

/* ---- engine and session */

void
test_engine_config_init (LaEngineConfig * cfg)
{
  la_engine_config_init (cfg);
  cfg->model = LA_MODEL_TEST;
  cfg->backend = LA_BACKEND_CPU;
  cfg->width = 64;
  cfg->height = 64;
}

LaEngine *
test_engine_new (const gchar * dit_devices, gint ulysses_size,
    gint sample_steps, gint width, gint height)
{
  LaEngineConfig cfg;
  GError *err = NULL;
  LaEngine *engine;

  test_engine_config_init (&cfg);
  cfg.dit_devices = dit_devices;
  cfg.ulysses_size = ulysses_size;
  cfg.sample_steps = sample_steps;
  cfg.width = width;
  cfg.height = height;
  engine = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  g_assert_nonnull (engine);
  return engine;
}

LaSession *
test_session_new (LaEngine * engine, LaPixelFormat format, guint queue_blocks)
{
  LaSessionConfig cfg;
  GError *err = NULL;
  LaSession *session;

  la_session_config_init (&cfg);
  cfg.format = format;
  cfg.queue_blocks = queue_blocks;
  session = la_session_new (engine, &cfg, &err);
  g_assert_no_error (err);
  g_assert_nonnull (session);
  return session;
}

typedef struct
{
  LaSession *session;
  const gfloat *pcm;
  gsize n_samples, chunk;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *p = data;
  gsize done = 0;

  while (done < p->n_samples) {
    gsize n = MIN (p->chunk, p->n_samples - done);
    GError *err = NULL;

    g_assert_true (la_session_push_audio (p->session, p->pcm + done, n, &err));
    g_assert_no_error (err);
    done += n;
  }
  la_session_drain (p->session);
  return NULL;
}

GPtrArray *
test_run_stream (LaSession * session, const gfloat * pcm, gsize n_samples,
    gsize chunk)
{
  Pusher p = { session, pcm, n_samples, chunk };
  GThread *thread = g_thread_new ("test-pusher", pusher_thread, &p);
  GPtrArray *frames = test_pop_until_eos (session);

  g_thread_join (thread);
  return frames;
}

GPtrArray *
test_pop_until_eos (LaSession * session)
{
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);

  for (;;) {
    LaFrame *frame = NULL;
    GError *err = NULL;
    LaPopResult res =
        la_session_pop_frame (session, &frame, 10 * G_USEC_PER_SEC,
        &err);

    g_assert_no_error (err);
    if (res == LA_POP_EOS)
      break;
    g_assert_cmpint (res, ==, LA_POP_FRAME);
    g_ptr_array_add (frames, frame);
  }
  return frames;
}

void
test_pop_frames (LaSession * session, guint n, GPtrArray * into)
{
  guint i;

  for (i = 0; i < n; i++) {
    LaFrame *frame = NULL;
    GError *err = NULL;

    g_assert_cmpint (la_session_pop_frame (session, &frame,
            5 * G_USEC_PER_SEC, &err), ==, LA_POP_FRAME);
    g_assert_no_error (err);
    if (into != NULL)
      g_ptr_array_add (into, frame);
    else
      la_frame_unref (frame);
  }
}

gboolean
test_wait_flag (GMutex * lock, GCond * cond, const gboolean * done,
    gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  gboolean ok;

  g_mutex_lock (lock);
  while (!*done) {
    if (!g_cond_wait_until (cond, lock, deadline))
      break;
  }
  ok = *done;
  g_mutex_unlock (lock);
  return ok;
}
