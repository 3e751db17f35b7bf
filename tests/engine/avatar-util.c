/* liveavatar engine tests: the session running Live Avatar (tiny model)
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

#include <math.h>
#include <string.h>

#include "avatar-util.h"
#include "la-avatar-generate.h"
#include "la-backend.h"
#include "test-tiny.h"

#define TINY_SEED 1
/* a frame can take a while under the sanitizers: the first ones wait for
 * a whole clip without online decode */
#define POP_TIMEOUT_US (120 * G_USEC_PER_SEC)

static gchar *model_dir;
static guint8 picture[AV_WIDTH * AV_HEIGHT * 3];

const gchar *
av_model_dir (void)
{
  if (model_dir != NULL)
    return model_dir;
  model_dir = la_test_tiny_model_new (TINY_SEED);
  return model_dir;
}

void
av_cleanup (void)
{
  la_test_tiny_model_free (model_dir);
  model_dir = NULL;
}

/* a face-sized smooth blob on a gradient: something the VAE can encode */
const guint8 *
av_picture (void)
{
  gint x, y;

  for (y = 0; y < AV_HEIGHT; y++) {
    for (x = 0; x < AV_WIDTH; x++) {
      guint8 *p = picture + ((gsize) y * AV_WIDTH + x) * 3;
      gdouble dx = (x - AV_WIDTH / 2) / 20.0, dy = (y - AV_HEIGHT / 2) / 24.0;
      gdouble blob = exp (-(dx * dx + dy * dy));

      p[0] = (guint8) (40 + 200 * blob);
      p[1] = (guint8) (30 + 120 * blob + x / 2);
      p[2] = (guint8) (90 + y * 2);
    }
  }
  return picture;
}

/* voiced-like bursts: a few harmonics whose loudness changes per frame */
gfloat *
av_audio_new (guint n_blocks, guint salt, gsize * n_samples)
{
  gsize n = (gsize) n_blocks * LA_SAMPLES_PER_BLOCK, i;
  gfloat *pcm = g_new (gfloat, n);

  for (i = 0; i < n; i++) {
    gsize frame = i / LA_SAMPLES_PER_FRAME;
    gdouble t = (gdouble) i / LA_SAMPLE_RATE;
    gdouble f0 = 110.0 + 15.0 * ((frame * 3 + salt) % 7);
    gdouble level = ((frame * 5 + salt) % 9) / 12.0;

    pcm[i] = (gfloat) (level * (0.6 * sin (2 * G_PI * f0 * t) +
            0.3 * sin (2 * G_PI * 2 * f0 * t) +
            0.1 * sin (2 * G_PI * 3 * f0 * t)));
  }
  *n_samples = n;
  return pcm;
}

void
av_engine_config_init (LaEngineConfig * cfg)
{
  la_engine_config_init (cfg);
  cfg->model = LA_MODEL_LIVEAVATAR;
  cfg->model_path = av_model_dir ();
  cfg->backend = LA_BACKEND_CPU;
  cfg->width = AV_WIDTH;
  cfg->height = AV_HEIGHT;
}

LaMemoryPlan *
av_plan_new (const gchar * model_dir, const LaMemoryPlanConfig * pc)
{
  LaMemoryModel m;
  LaMemoryPlan *p;
  GError *err = NULL;

  if (model_dir) {
    g_assert_true (la_memory_model_load (&m, model_dir, &err));
    g_assert_no_error (err);
  } else {
    la_memory_model_official (&m);
  }
  p = la_memory_plan_new (&m, pc, &err);
  g_assert_no_error (err);
  g_assert_nonnull (p);
  la_memory_model_clear (&m);
  return p;
}

LaEngine *
av_engine_new (const gchar * dit_devices, gint ulysses_size,
    gboolean online_decode)
{
  LaEngineConfig cfg;
  GError *err = NULL;
  LaEngine *e;

  av_engine_config_init (&cfg);
  cfg.dit_devices = dit_devices;
  cfg.ulysses_size = ulysses_size;
  cfg.online_decode = online_decode;
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  g_assert_nonnull (e);
  return e;
}

LaSession *
av_session_new (LaEngine * engine, const gchar * prompt)
{
  LaSessionConfig cfg;
  GError *err = NULL;
  LaSession *s;

  la_session_config_init (&cfg);
  cfg.format = LA_PIXEL_FORMAT_RGB;
  cfg.seed = AV_SEED;
  cfg.prompt = prompt;
  s = la_session_new (engine, &cfg, &err);
  g_assert_no_error (err);
  g_assert_true (la_session_set_reference_image (s, av_picture (), AV_WIDTH,
          AV_HEIGHT, AV_WIDTH * 3, &err));
  g_assert_no_error (err);
  return s;
}

typedef struct
{
  LaSession *session;
  const gfloat *pcm;
  gsize n;
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *p = data;
  GError *err = NULL;
  gsize done = 0;

  /* uneven chunks: blocks are cut wherever the audio falls */
  while (done < p->n) {
    gsize take = MIN (p->n - done, 3001);

    g_assert_true (la_session_push_audio (p->session, p->pcm + done, take,
            &err));
    g_assert_no_error (err);
    done += take;
  }
  la_session_drain (p->session);
  return NULL;
}

GPtrArray *
av_run (LaSession * session, const gfloat * pcm, gsize n)
{
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);

  av_run_into (session, pcm, n, frames);
  return frames;
}

void
av_run_into (LaSession * session, const gfloat * pcm, gsize n,
    GPtrArray * frames)
{
  Pusher p = { session, pcm, n };
  GThread *thread = g_thread_new ("av-pusher", push_thread, &p);

  for (;;) {
    LaFrame *frame = NULL;
    GError *err = NULL;
    LaPopResult res = la_session_pop_frame (session, &frame, POP_TIMEOUT_US,
        &err);

    g_assert_no_error (err);
    if (res == LA_POP_EOS)
      break;
    g_assert_cmpint (res, ==, LA_POP_FRAME);
    g_ptr_array_add (frames, frame);
  }
  g_thread_join (thread);
}

void
av_push (LaSession * session, const gfloat * pcm, gsize n)
{
  GError *err = NULL;

  g_assert_true (la_session_push_audio (session, pcm, n, &err));
  g_assert_no_error (err);
}

void
av_pop (LaSession * session, guint n, GPtrArray * into)
{
  guint i;

  for (i = 0; i < n; i++) {
    LaFrame *frame = NULL;
    GError *err = NULL;

    g_assert_cmpint (la_session_pop_frame (session, &frame, POP_TIMEOUT_US,
            &err), ==, LA_POP_FRAME);
    g_assert_no_error (err);
    if (into != NULL)
      g_ptr_array_add (into, frame);
    else
      la_frame_unref (frame);
  }
}

static gboolean
collect (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  GPtrArray *out = user_data;
  gsize size = (gsize) AV_WIDTH * AV_HEIGHT * 3;
  guint i;

  g_assert_cmpuint (first_frame, ==, out->len);
  for (i = 0; i < n_frames; i++)
    g_ptr_array_add (out, g_bytes_new (rgb + i * size, size));
  return TRUE;
}

GPtrArray *
av_reference (const gfloat * pcm, gsize n, guint n_blocks,
    gboolean online_decode, const gchar * prompt)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  LaAvatarGenerateParams p;
  LaAvatarConfig cfg;
  GError *err = NULL;
  LaBackend *be;
  LaAvatar *a;

  be = la_backend_new (LA_BACKEND_CPU, 0, &err);
  g_assert_no_error (err);
  la_avatar_config_init (&cfg);
  cfg.model_dir = av_model_dir ();
  cfg.width = AV_WIDTH;
  cfg.height = AV_HEIGHT;
  cfg.sample_steps = LA_DEFAULT_SAMPLE_STEPS;
  cfg.load_text_encoder = TRUE;
  cfg.load_audio_encoder = TRUE;
  a = la_avatar_new (be, &cfg, &err);
  g_assert_no_error (err);

  la_avatar_generate_params_init (&p);
  p.seed = AV_SEED;
  p.n_blocks = n_blocks;
  p.online_decode = online_decode;
  p.cond = la_avatar_cond_new (a, av_picture (), AV_WIDTH * 3, &err);
  g_assert_no_error (err);
  p.prompt = la_avatar_prompt_new (a, prompt ? prompt : "", &err);
  g_assert_no_error (err);
  p.pcm = pcm;
  p.n_pcm = n;
  p.on_frames = collect;
  p.user_data = out;
  g_assert_true (la_avatar_generate (a, &p, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (out->len, ==, n_blocks * LA_FRAMES_PER_BLOCK);

  la_avatar_cond_unref (p.cond);
  la_avatar_prompt_unref (p.prompt);
  la_avatar_free (a);
  la_backend_free (be);
  return out;
}

void
av_assert_frames (GPtrArray * frames, GPtrArray * ref, guint first, guint n)
{
  guint i;

  g_assert_cmpuint (frames->len, >=, first + n);
  g_assert_cmpuint (ref->len, >=, first + n);
  for (i = first; i < first + n; i++) {
    const LaFrame *f = g_ptr_array_index (frames, i);
    gsize size;
    const guint8 *want = g_bytes_get_data (g_ptr_array_index (ref, i), &size);

    g_assert_cmpuint (f->index, ==, i);
    g_assert_cmpint (f->format, ==, LA_PIXEL_FORMAT_RGB);
    g_assert_cmpuint (f->size, ==, size);
    if (memcmp (f->data, want, size) != 0)
      g_error ("frame %u differs from la_avatar_generate's", i);
  }
}

gboolean
av_frame_differs (GPtrArray * frames, GPtrArray * ref, guint i)
{
  const LaFrame *f = g_ptr_array_index (frames, i);
  gsize size;
  const guint8 *want = g_bytes_get_data (g_ptr_array_index (ref, i), &size);

  g_assert_cmpuint (f->size, ==, size);
  return memcmp (f->data, want, size) != 0;
}
