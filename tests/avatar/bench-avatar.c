/* liveavatar: blocks per second of the tiny model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-avatar [WIDTH HEIGHT [BLOCKS]]: writes the tiny model, then times
 * la_avatar_generate from pcm (audio front-end included) with online
 * decode. Real time is 1 / 0.48 = 2.08 blocks per second. */

#include "config.h"

#include "la-audio-frontend.h"
#include "la-avatar-generate.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <stdlib.h>
#include <string.h>

/* the same blocks again through the pieces, timed one by one */
static void
breakdown (LaAvatar * avatar, LaAvatarCond * cond, LaAvatarPrompt * prompt,
    const gfloat * pcm, gsize n_pcm, guint n_blocks)
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  LaAvatarStep *steps[LA_SAMPLER_MAX_STEPS];
  LaAvatarSink sink = { cond, 0, NULL };
  LaAvatarDecoder *dec = la_avatar_decoder_new (avatar, NULL);
  gint width, height;
  gsize nf = la_avatar_block_features_size (avatar);
  gfloat *feat = g_new (gfloat, nf);
  gfloat *lat = g_new (gfloat, la_avatar_block_latent_size (avatar));
  gfloat *gen = g_new (gfloat, la_avatar_block_latent_size (avatar) / 3);
  guint8 *rgb;
  gint64 t, t_audio = 0, t_dit = 0, t_vae = 0;
  LaAudioWindow window;
  GError *err = NULL;
  guint64 b;
  gint i;

  la_avatar_get_size (avatar, &width, &height);
  rgb = g_new (guint8, (gsize) width * height * 3 * 12);
  sink.generated_ref = gen;
  memcpy (gen, cond->ref_latent, la_avatar_block_latent_size (avatar) / 3
      * sizeof (gfloat));
  la_audio_window_init (&window);
  for (i = 0; i < S; i++)
    steps[i] = la_avatar_step_new (avatar, i, 1, NULL);
  if (!la_avatar_decoder_prime (dec, cond, &err))
    g_error ("%s", err->message);
  for (b = 0; b < n_blocks; b++) {
    t = g_get_monotonic_time ();
    if (!la_audio_frontend_encode (la_avatar_get_wav2vec2 (avatar), &window,
            pcm, 0, n_pcm, TRUE, b * 12, 12, feat, &err))
      g_error ("%s", err->message);
    t_audio += g_get_monotonic_time () - t;
    t = g_get_monotonic_time ();
    la_avatar_noise (avatar, 1, b, lat);
    for (i = 0; i < S; i++)
      if (!la_avatar_step_prepare (steps[i], b, &sink, prompt, &err)
          || !la_avatar_step_run (steps[i], lat, b, feat, -1, &err))
        g_error ("%s", err->message);
    t_dit += g_get_monotonic_time () - t;
    t = g_get_monotonic_time ();
    if (!la_avatar_decoder_decode (dec, lat, 3, rgb, NULL, &err))
      g_error ("%s", err->message);
    t_vae += g_get_monotonic_time () - t;
  }
  g_print ("per block: audio %.3f s, DiT (%d steps) %.3f s, VAE %.3f s\n",
      t_audio / 1e6 / n_blocks, S, t_dit / 1e6 / n_blocks,
      t_vae / 1e6 / n_blocks);
  for (i = 0; i < S; i++)
    la_avatar_step_free (steps[i]);
  la_avatar_decoder_free (dec);
  g_free (feat);
  g_free (lat);
  g_free (gen);
  g_free (rgb);
}

int
main (int argc, char **argv)
{
  gint width = argc > 2 ? atoi (argv[1]) : 256;
  gint height = argc > 2 ? atoi (argv[2]) : 128;
  guint n_blocks = argc > 3 ? (guint) atoi (argv[3]) : 8;
  gchar *dir = la_test_tiny_model_new (1);
  LaAvatarGenerateParams p;
  LaAvatarConfig cfg;
  LaAvatarCond *cond;
  LaAvatarPrompt *prompt;
  LaAvatar *avatar;
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  guint8 *rgb;
  gfloat *pcm;
  gsize n_pcm = (gsize) n_blocks * 7680, i;
  gint64 t0, t1, t2;

  la_avatar_config_init (&cfg);
  cfg.model_dir = dir;
  cfg.width = width;
  cfg.height = height;
  t0 = g_get_monotonic_time ();
  avatar = la_avatar_new (be, &cfg, &err);
  if (!avatar)
    g_error ("%s", err->message);
  rgb = g_new (guint8, (gsize) width * height * 3);
  for (i = 0; i < (gsize) width * height * 3; i++)
    rgb[i] = (guint8) (i * 31 % 251);
  t1 = g_get_monotonic_time ();
  cond = la_avatar_cond_new (avatar, rgb, width * 3, &err);
  prompt = cond ? la_avatar_prompt_new (avatar, "a person talking", &err)
      : NULL;
  if (!prompt)
    g_error ("%s", err->message);
  t2 = g_get_monotonic_time ();
  la_test_seed (3);
  pcm = la_test_rnd_array (n_pcm, 0.3);

  la_avatar_generate_params_init (&p);
  p.seed = 1;
  p.n_blocks = n_blocks;
  p.online_decode = TRUE;
  p.cond = cond;
  p.prompt = prompt;
  p.pcm = pcm;
  p.n_pcm = n_pcm;
  {
    gint64 s = g_get_monotonic_time (), e;

    if (!la_avatar_generate (avatar, &p, &err))
      g_error ("%s", err->message);
    e = g_get_monotonic_time ();
    g_print ("%dx%d: load %.2f s, picture + prompt %.2f s, %u blocks in "
        "%.2f s: %.2f blocks/s (real time 2.08)\n", width, height,
        (t1 - t0) / 1e6, (t2 - t1) / 1e6, n_blocks, (e - s) / 1e6,
        n_blocks / ((e - s) / 1e6));
  }
  breakdown (avatar, cond, prompt, pcm, n_pcm, n_blocks);
  g_free (pcm);
  g_free (rgb);
  la_avatar_prompt_unref (prompt);
  la_avatar_cond_unref (cond);
  la_avatar_free (avatar);
  la_backend_free (be);
  la_test_tiny_model_free (dir);
  return 0;
}
