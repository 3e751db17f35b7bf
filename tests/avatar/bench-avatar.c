/* liveavatar: end-to-end speed of the assembled model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 *   bench-avatar [--model DIR] [--backend cpu|cuda] [--size WxH]
 *                [--blocks N] [--precision auto|fp32|bf16|fp8]
 *   bench-avatar WIDTH HEIGHT BLOCKS       (the old form)
 *
 * Without --model it writes the tiny model to a temporary folder. It runs
 * la_avatar_generate (online decode, as the engine streams) and prints the
 * time to first frame (from the first block's start, audio encode
 * included, to its first decoded frames), the steady-state blocks/s and
 * fps (from the first block's frames to the last's: what a live stream
 * sustains; real time is 25 fps, 2.08 blocks/s), then runs the same
 * blocks again piece by piece, with la_backend_synchronize between the
 * pieces, for the DiT's ms per step and the VAE's ms per block. The last
 * line, "RESULT key=value ...", is for tools/bench-e2e.sh. A CUDA backend
 * in a build or on a machine without one exits 77.
 */

#include "config.h"

#include "la-audio-frontend.h"
#include "la-avatar-generate.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES_PER_BLOCK 12

typedef struct
{
  gint64 start, first, last;
  guint64 frames, first_frames;
} Clock;

static gboolean
on_frames (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  Clock *c = user_data;
  gint64 now = g_get_monotonic_time ();

  if (c->frames == 0) {
    c->first = now;
    c->first_frames = n_frames;
  }
  c->last = now;
  c->frames += n_frames;
  return TRUE;
}

static void
sync_or_die (LaBackend * be)
{
  GError *err = NULL;

  if (!la_backend_synchronize (be, &err))
    g_error ("%s", err->message);
}

/* the pieces of each block, timed apart: seconds per block into @out
 * (audio, DiT, VAE) */
static void
breakdown (LaAvatar * avatar, LaAvatarCond * cond, LaAvatarPrompt * prompt,
    const gfloat * pcm, gsize n_pcm, guint n_blocks, gdouble out[3])
{
  const gint S = la_avatar_get_schedule (avatar)->n_steps;
  LaBackend *be = la_avatar_get_backend (avatar);
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
  rgb = g_new (guint8, (gsize) width * height * 3 * FRAMES_PER_BLOCK);
  sink.generated_ref = gen;
  memcpy (gen, cond->ref_latent, la_avatar_block_latent_size (avatar) / 3
      * sizeof (gfloat));
  la_audio_window_init (&window);
  for (i = 0; i < S; i++)
    steps[i] = la_avatar_step_new (avatar, i, 1, NULL);
  if (!la_avatar_decoder_prime (dec, cond, &err))
    g_error ("%s", err->message);
  sync_or_die (be);
  for (b = 0; b < n_blocks; b++) {
    t = g_get_monotonic_time ();
    if (!la_audio_frontend_encode (la_avatar_get_wav2vec2 (avatar), &window,
            pcm, 0, n_pcm, TRUE, b * FRAMES_PER_BLOCK, FRAMES_PER_BLOCK,
            feat, &err))
      g_error ("%s", err->message);
    sync_or_die (be);
    t_audio += g_get_monotonic_time () - t;
    t = g_get_monotonic_time ();
    la_avatar_noise (avatar, 1, b, lat);
    for (i = 0; i < S; i++)
      if (!la_avatar_step_prepare (steps[i], b, &sink, prompt, &err)
          || !la_avatar_step_run (steps[i], lat, b, feat, -1, &err))
        g_error ("%s", err->message);
    sync_or_die (be);
    t_dit += g_get_monotonic_time () - t;
    t = g_get_monotonic_time ();
    if (!la_avatar_decoder_decode (dec, lat, 3, rgb, NULL, &err))
      g_error ("%s", err->message);
    sync_or_die (be);
    t_vae += g_get_monotonic_time () - t;
  }
  out[0] = t_audio / 1e6 / n_blocks;
  out[1] = t_dit / 1e6 / n_blocks;
  out[2] = t_vae / 1e6 / n_blocks;
  g_print ("per block: audio %.1f ms, DiT (%d steps) %.1f ms = %.1f ms per "
      "step, VAE %.1f ms\n", out[0] * 1e3, S, out[1] * 1e3,
      out[1] * 1e3 / S, out[2] * 1e3);
  for (i = 0; i < S; i++)
    la_avatar_step_free (steps[i]);
  la_avatar_decoder_free (dec);
  g_free (feat);
  g_free (lat);
  g_free (gen);
  g_free (rgb);
}

static gboolean
parse_precision (const gchar * s, LaPrecision * p)
{
  static const gchar *const names[] = { "auto", "fp32", "bf16", "fp8" };
  static const LaPrecision values[] = { LA_PRECISION_AUTO, LA_PRECISION_FP32,
    LA_PRECISION_BF16, LA_PRECISION_FP8
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (s, names[i]) == 0) {
      *p = values[i];
      return TRUE;
    }
  return FALSE;
}

static G_GNUC_NORETURN void
usage (const gchar * msg)
{
  g_printerr ("bench-avatar: %s\n", msg);
  exit (2);
}

int
main (int argc, char **argv)
{
  gchar *model = NULL, *backend_name = NULL, *size = NULL, *prec = NULL;
  gint n_blocks_opt = 0;
  GOptionEntry entries[] = {
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &model,
          "Model folder (default: the tiny model, written to a temporary one)",
        "DIR"},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &backend_name,
        "cpu (default) or cuda", "NAME"},
    {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size (256x128)", "WxH"},
    {"blocks", 0, 0, G_OPTION_ARG_INT, &n_blocks_opt, "Blocks (8)", "N"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &prec,
        "auto (default), fp32, bf16 or fp8", "P"},
    {NULL}
  };
  GOptionContext *context = g_option_context_new ("[WIDTH HEIGHT BLOCKS]");
  gint width = 256, height = 128;
  guint n_blocks = 8;
  gchar *dir;
  LaBackendKind kind = LA_BACKEND_CPU;
  LaAvatarGenerateParams p;
  LaAvatarConfig cfg;
  LaAvatarCond *cond;
  LaAvatarPrompt *prompt;
  LaAvatar *avatar;
  LaBackend *be;
  GError *err = NULL;
  guint8 *rgb;
  gfloat *pcm;
  gsize n_pcm, i;
  gint64 t0, t1, t2;
  gdouble pieces[3], ttff, steady_bps, steady_fps, gen_s;
  Clock clock = { 0 };
  LaPrecision precision;
  LaDitCompute compute;
  gint S;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &err))
    usage (err->message);
  g_option_context_free (context);
  if (argc == 4) {
    width = atoi (argv[1]);
    height = atoi (argv[2]);
    n_blocks = (guint) atoi (argv[3]);
  } else if (argc != 1) {
    usage ("give WIDTH HEIGHT BLOCKS, or the options (--help)");
  }
  if (size && sscanf (size, "%dx%d", &width, &height) != 2)
    usage ("--size must be WxH");
  if (n_blocks_opt > 0)
    n_blocks = (guint) n_blocks_opt;
  if (width < 16 || height < 16 || width > 4096 || height > 4096
      || n_blocks < 2 || n_blocks > 10000)
    usage ("sizes from 16 to 4096, and 2 blocks at least");
  la_avatar_config_init (&cfg);
  if (prec && !parse_precision (prec, &cfg.precision))
    usage ("--precision must be auto, fp32, bf16 or fp8");
  if (backend_name && g_ascii_strcasecmp (backend_name, "cuda") == 0)
    kind = LA_BACKEND_CUDA;
  else if (backend_name && g_ascii_strcasecmp (backend_name, "cpu") != 0)
    usage ("--backend must be cpu or cuda");

  if (kind == LA_BACKEND_CUDA) {
    be = la_backend_new (kind, 0, &err);
    if (!be) {
      g_print ("SKIP: no CUDA device: %s\n", err->message);
      g_error_free (err);
      return 77;
    }
  } else {
    be = la_test_cpu ();
  }
  dir = model ? g_strdup (model) : la_test_tiny_model_new (1);
  g_print ("device: %s (%s)\n", la_backend_get_description (be),
      la_backend_get_name (be));

  cfg.model_dir = dir;
  cfg.width = width;
  cfg.height = height;
  t0 = g_get_monotonic_time ();
  avatar = la_avatar_new (be, &cfg, &err);
  if (!avatar)
    g_error ("%s", err->message);
  S = la_avatar_get_schedule (avatar)->n_steps;
  precision = cfg.precision;
  compute = cfg.compute;
  la_avatar_resolve_compute (&precision, &compute, kind);
  rgb = g_new (guint8, (gsize) width * height * 3);
  for (i = 0; i < (gsize) width * height * 3; i++)
    rgb[i] = (guint8) (i * 31 % 251);
  t1 = g_get_monotonic_time ();
  cond = la_avatar_cond_new (avatar, rgb, width * 3, &err);
  prompt = cond ? la_avatar_prompt_new (avatar, "a person talking", &err)
      : NULL;
  if (!prompt)
    g_error ("%s", err->message);
  sync_or_die (be);
  t2 = g_get_monotonic_time ();
  la_test_seed (3);
  n_pcm = (gsize) n_blocks *7680;
  pcm = la_test_rnd_array (n_pcm, 0.3);

  la_avatar_generate_params_init (&p);
  p.seed = 1;
  p.n_blocks = n_blocks;
  p.online_decode = TRUE;
  p.cond = cond;
  p.prompt = prompt;
  p.pcm = pcm;
  p.n_pcm = n_pcm;
  p.on_frames = on_frames;
  p.user_data = &clock;
  clock.start = g_get_monotonic_time ();
  if (!la_avatar_generate (avatar, &p, &err))
    g_error ("%s", err->message);
  sync_or_die (be);
  gen_s = (g_get_monotonic_time () - clock.start) / 1e6;
  ttff = (clock.first - clock.start) / 1e6;
  /* after the first block's frames: each later block's share */
  steady_bps = (n_blocks - 1) / ((clock.last - clock.first) / 1e6);
  steady_fps = (clock.frames - clock.first_frames)
      / ((clock.last - clock.first) / 1e6);
  g_print ("%dx%d, %s weights, %d steps: load %.2f s, picture + prompt "
      "%.2f s, %u blocks in %.2f s\n", width, height,
      la_precision_name (precision), S, (t1 - t0) / 1e6,
      (t2 - t1) / 1e6, n_blocks, gen_s);
  g_print ("time to first frame %.3f s; steady state %.2f blocks/s, %.1f "
      "fps (real time: 2.08 blocks/s, 25 fps)\n", ttff, steady_bps, steady_fps);
  breakdown (avatar, cond, prompt, pcm, n_pcm, n_blocks, pieces);
  g_print ("RESULT device=\"%s\" size=%dx%d precision=%s blocks=%u "
      "ttff_s=%.4f blocks_per_s=%.4f fps=%.3f dit_ms_per_step=%.3f "
      "vae_ms_per_block=%.3f audio_ms_per_block=%.3f steps=%d\n",
      la_backend_get_description (be), width, height,
      la_precision_name (precision), n_blocks, ttff, steady_bps,
      steady_fps, pieces[1] * 1e3 / S, pieces[2] * 1e3, pieces[0] * 1e3, S);
  g_free (pcm);
  g_free (rgb);
  la_avatar_prompt_unref (prompt);
  la_avatar_cond_unref (cond);
  la_avatar_free (avatar);
  la_backend_free (be);
  if (model)
    g_free (dir);
  else
    la_test_tiny_model_free (dir);
  g_free (model);
  g_free (backend_name);
  g_free (size);
  g_free (prec);
  return 0;
}
