/* liveavatar: helpers shared by the audio front-end tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "audio-test-util.h"

#include <math.h>

static gchar *data_dir;
static LaCheckpoint *goldens;

void
audio_test_set_data_dir (const gchar * dir)
{
  g_free (data_dir);
  data_dir = g_strdup (dir);
}

gchar *
audio_test_data_path (const gchar * name)
{
  g_assert_nonnull (data_dir);
  return g_build_filename (data_dir, name, NULL);
}

LaCheckpoint *
audio_test_goldens (void)
{
  if (!goldens) {
    gchar *path = audio_test_data_path ("goldens.safetensors");
    GError *error = NULL;

    goldens = la_checkpoint_open (path, &error);
    g_assert_no_error (error);
    g_free (path);
  }
  return goldens;
}

void
audio_test_goldens_free (void)
{
  g_clear_pointer (&goldens, la_checkpoint_free);
  g_clear_pointer (&data_dir, g_free);
}

gfloat *
audio_test_golden (const gchar * name, gsize n)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (audio_test_goldens (),
      name);
  GError *error = NULL;
  gfloat *v;

  g_assert_nonnull (t);
  g_assert_cmpint (t->numel, ==, n);
  v = la_checkpoint_tensor_dup_f32 (t, &error);
  g_assert_no_error (error);
  return v;
}

gfloat *
audio_test_speech_like (gsize n, guint64 seed)
{
  gfloat *x = g_new (gfloat, n);
  gdouble phase = 0.0;
  gsize i;
  gint k;

  la_test_seed (seed);
  for (i = 0; i < n; i++) {
    gdouble t = i / 16000.0;
    gdouble f0 = 140.0 + 40.0 * sin (2.0 * G_PI * 1.3 * t);
    gdouble env = pow (MAX (sin (2.0 * G_PI * 3.1 * t), 0.0), 0.7);
    gdouble voiced = 0.0;

    phase += 2.0 * G_PI * f0 / 16000.0;
    for (k = 1; k < 12; k++)
      voiced += sin (k * phase) / k;
    x[i] = (gfloat) (0.25 * env * voiced + 0.02 * la_test_rnd () + 0.01);
  }
  return x;
}
