/* liveavatar: inputs, a DiT forward and a generation for the avatar tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "avatar-test-util.h"
#include "la-backend-impl.h"
#include "la-dit.h"
#include "test-common.h"

#include <math.h>
#include <string.h>

void
avatar_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_unsetenv ("LIVEAVATAR_COMPUTE");
}

void
avatar_test_config_init (LaAvatarConfig * cfg, const gchar * dir,
    gint width, gint height)
{
  la_avatar_config_init (cfg);
  cfg->model_dir = dir;
  cfg->width = width;
  cfg->height = height;
  cfg->load_text_encoder = FALSE;
  cfg->load_audio_encoder = FALSE;
}

void
avatar_test_picture (guint8 * rgb, gint width, gint height, guint mul,
    guint row_mul)
{
  gsize i, n = (gsize) width * height * 3;

  for (i = 0; i < n; i++)
    rgb[i] = (guint8) ((i * mul + (i / (width * 3)) * row_mul) % 256);
}

void
avatar_test_inputs_init (AvatarTestInputs * in, LaAvatar * a, gint width,
    gint height, guint64 seed, guint n_blocks, guint mul, guint row_mul)
{
  gsize blk = la_avatar_block_latent_size (a);
  gint text_dim = la_dit_get_config (la_avatar_get_dit (a))->text_dim;

  in->width = width;
  in->height = height;
  la_test_seed (seed);
  in->latents = la_test_rnd_array (blk / 3 * (1 + LA_AVATAR_MOTION_LATENTS),
      1.0);
  in->context = la_test_rnd_array (5 * (gsize) text_dim, 1.0);
  in->features = la_test_rnd_array (la_avatar_block_features_size (a)
      * n_blocks, 1.0);
  in->picture = g_new (guint8, (gsize) width * height * 3);
  avatar_test_picture (in->picture, width, height, mul, row_mul);
}

void
avatar_test_inputs_clear (AvatarTestInputs * in)
{
  g_clear_pointer (&in->features, g_free);
  g_clear_pointer (&in->latents, g_free);
  g_clear_pointer (&in->context, g_free);
  g_clear_pointer (&in->picture, g_free);
}

LaAvatarCond *
avatar_test_cond_new (LaAvatar * a, const AvatarTestInputs * in)
{
  GError *err = NULL;
  LaAvatarCond *c = la_avatar_cond_new_from_latents (a, in->latents,
      in->latents + la_avatar_block_latent_size (a) / 3, in->picture, &err);

  g_assert_no_error (err);
  return c;
}

LaAvatarPrompt *
avatar_test_prompt_new (LaAvatar * a, const AvatarTestInputs * in)
{
  GError *err = NULL;
  LaAvatarPrompt *p = la_avatar_prompt_new_from_context (a, in->context, 5,
      &err);

  g_assert_no_error (err);
  return p;
}

gfloat *
avatar_test_velocity (LaAvatar * a, const AvatarTestInputs * in, guint64 seed)
{
  gsize n = la_avatar_block_latent_size (a), i;
  gfloat *lat = g_new (gfloat, n), *v = g_new (gfloat, n);
  LaAvatarCond *c = avatar_test_cond_new (a, in);
  LaAvatarPrompt *p = avatar_test_prompt_new (a, in);
  LaAvatarSink sink = { c, 0, NULL };
  GError *err = NULL;
  LaAvatarStep *s = la_avatar_step_new (a, 0, seed, &err);

  g_assert_no_error (err);
  la_avatar_noise (a, seed, 0, lat);
  memcpy (v, lat, n * sizeof (gfloat));
  g_assert_true (la_avatar_step_prepare (s, 0, &sink, p, &err));
  g_assert_true (la_avatar_step_run (s, lat, 0, in->features, 17, &err));
  g_assert_no_error (err);
  for (i = 0; i < n; i++)
    v[i] -= lat[i];
  la_avatar_step_free (s);
  la_avatar_prompt_unref (p);
  la_avatar_cond_unref (c);
  g_free (lat);
  return v;
}

typedef struct
{
  GByteArray *frames;
  gsize frame_bytes;
} Frames;

static gboolean
on_frames (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  Frames *f = user_data;

  g_byte_array_append (f->frames, rgb, n_frames * f->frame_bytes);
  return TRUE;
}

GByteArray *
avatar_test_generate (LaAvatar * a, const AvatarTestInputs * in,
    guint64 seed, guint n_blocks)
{
  LaAvatarCond *c = avatar_test_cond_new (a, in);
  GByteArray *frames = avatar_test_generate_from (a, c, in, seed, n_blocks);

  la_avatar_cond_unref (c);
  return frames;
}

GByteArray *
avatar_test_generate_from (LaAvatar * a, LaAvatarCond * c,
    const AvatarTestInputs * in, guint64 seed, guint n_blocks)
{
  LaAvatarPrompt *p = avatar_test_prompt_new (a, in);
  Frames f = { g_byte_array_new (), (gsize) in->width * in->height * 3 };
  LaAvatarGenerateParams params;
  GError *err = NULL;

  la_avatar_generate_params_init (&params);
  params.seed = seed;
  params.n_blocks = n_blocks;
  params.online_decode = TRUE;
  params.cond = c;
  params.prompt = p;
  params.features = in->features;
  params.on_frames = on_frames;
  params.user_data = &f;
  g_assert_true (la_avatar_generate (a, &params, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (f.frames->len, ==, n_blocks
      * LA_AVATAR_FRAMES_PER_BLOCK * f.frame_bytes);
  la_avatar_prompt_unref (p);
  return f.frames;
}

gdouble
avatar_test_psnr (GByteArray * ref, GByteArray * got, gsize skip)
{
  gdouble se = 0;
  gsize i;

  g_assert_cmpuint (ref->len, ==, got->len);
  for (i = skip; i < ref->len; i++) {
    gdouble d = (gdouble) ref->data[i] - got->data[i];

    se += d * d;
  }
  if (se == 0)
    return INFINITY;
  return 10.0 * log10 (255.0 * 255.0 / (se / (ref->len - skip)));
}

static const LaBackendIface *limited_saved;
static LaBackendIface limited_iface;
static AvatarTestRefuse limited_refuse;

static gboolean
limited_supports_op (LaBackend * backend, LaOp op, LaDType dtype)
{
  return !limited_refuse (op, dtype)
      && limited_saved->supports_op (backend, op, dtype);
}

LaBackend *
avatar_test_limited_new (gint device, AvatarTestRefuse refuse)
{
  GError *err = NULL;
  LaBackend *limited = la_backend_new (LA_BACKEND_CPU, device, &err);

  g_assert_no_error (err);
  g_assert_null (limited_saved);
  limited_saved = limited->iface;
  limited_iface = *limited_saved;
  limited_iface.supports_op = limited_supports_op;
  limited_refuse = refuse;
  limited->iface = &limited_iface;
  return limited;
}

void
avatar_test_limited_free (LaBackend * backend)
{
  backend->iface = limited_saved;
  limited_saved = NULL;
  la_backend_free (backend);
}
