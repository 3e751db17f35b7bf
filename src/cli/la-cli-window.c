/* liveavatar-cli audio-window: how far streaming audio features are from
 * whole-file ones
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar runs wav2vec2 over the whole file at once; the engine runs it
 * over a window around each block as the audio arrives (la-audio-frontend.h).
 * This measures the price, block by block, for a grid of look-backs and
 * look-aheads: the distance between the block's windowed features and the
 * same frames of the whole-file features, all 25 hidden states,
 *
 *   d (block) = || windowed - whole || / || whole ||   (Frobenius)
 *
 * printed as a Markdown table of the mean and the worst block. The
 * look-ahead is latency (docs/latency.md): pick the smallest that keeps d
 * small on real speech with the real weights. Make speech with espeak-ng
 * and resample it with sox (16 kHz mono).
 */

#include <math.h>
#include <string.h>

#include "liveavatar.h"
#include "la-audio-frontend.h"
#include "la-avatar.h"
#include "la-cli.h"
#include "la-cli-wav.h"
#include "la-wav2vec2.h"

#define DEFAULT_LOOKBACKS "0.4,1,2,4"
#define DEFAULT_LOOKAHEADS "0,0.2,0.4,0.8"
#define MAX_VALUES 16

typedef struct
{
  gchar *model;
  gchar *audio;
  gchar *lookbacks;
  gchar *lookaheads;
  gchar *backend;
} Options;

/* "0.4,1,2" in seconds into samples; FALSE on anything else */
static gboolean
parse_seconds (const gchar * text, gint64 * samples, guint * n)
{
  gchar **parts = g_strsplit (text, ",", -1);
  gboolean ok = TRUE;
  guint i;

  *n = 0;
  for (i = 0; parts[i] != NULL && ok; i++) {
    gchar *end = NULL;
    gdouble s = g_ascii_strtod (parts[i], &end);

    ok = end != parts[i] && *end == 0 && s >= 0 && s <= 60 && *n < MAX_VALUES;
    if (ok)
      samples[(*n)++] = (gint64) llround (s * LA_SAMPLE_RATE);
  }
  g_strfreev (parts);
  return ok && *n > 0;
}

static gdouble
block_distance (const gfloat * a, const gfloat * b, gsize n)
{
  gdouble num = 0, den = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    gdouble d = (gdouble) a[i] - b[i];

    num += d * d;
    den += (gdouble) b[i] * b[i];
  }
  return den > 0 ? sqrt (num / den) : sqrt (num);
}

/* mean and worst distance over the whole blocks of the stream */
static gboolean
measure (LaWav2Vec2 * w2v, const gfloat * pcm, gsize n_pcm,
    const gfloat * whole, gint64 n_blocks, gsize frame_floats,
    gint64 lookback, gint64 lookahead, gdouble * mean, gdouble * worst,
    GError ** error)
{
  gsize block_floats = LA_FRAMES_PER_BLOCK * frame_floats;
  gfloat *feat = g_new (gfloat, block_floats);
  LaAudioWindow window;
  gint64 b;

  la_audio_window_init (&window);
  window.lookback = lookback;
  window.lookahead = lookahead;
  *mean = *worst = 0;
  for (b = 0; b < n_blocks; b++) {
    gdouble d;

    if (!la_audio_frontend_encode (w2v, &window, pcm, 0, (gint64) n_pcm,
            TRUE, b * LA_FRAMES_PER_BLOCK, LA_FRAMES_PER_BLOCK, feat, error)) {
      g_free (feat);
      return FALSE;
    }
    d = block_distance (feat, whole + b * block_floats, block_floats);
    *mean += d / n_blocks;
    *worst = MAX (*worst, d);
  }
  g_free (feat);
  return TRUE;
}

gint
la_cli_audio_window (gint argc, gchar ** argv)
{
  static const gchar *cmd = "audio-window";
  Options o = { 0 };
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model,
        "Wan2.2-S2V-14B folder (its wav2vec2 folder is used), or a wav2vec2 "
          "folder", "DIR"},
    {"audio", 'a', 0, G_OPTION_ARG_FILENAME, &o.audio,
        "Speech: WAV, 16 kHz mono", "FILE"},
    {"lookback", 0, 0, G_OPTION_ARG_STRING, &o.lookbacks,
        "Look-backs to try, seconds (default " DEFAULT_LOOKBACKS ")", "S,S,.."},
    {"lookahead", 0, 0, G_OPTION_ARG_STRING, &o.lookaheads,
          "Look-aheads to try, seconds (default " DEFAULT_LOOKAHEADS ")",
        "S,S,.."},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &o.backend,
        "cpu (default), cuda[:N] or auto", "NAME"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new (NULL);
  gint64 lookbacks[MAX_VALUES], lookaheads[MAX_VALUES], n_frames, n_blocks;
  guint n_back, n_ahead, i, j;
  LaBackendKind kind = LA_BACKEND_CPU;
  gint device = 0, rc = LA_CLI_EXIT_FAILURE;
  LaBackend *be = NULL;
  LaWav2Vec2 *w2v = NULL;
  gfloat *pcm = NULL, *whole = NULL;
  gsize n_pcm = 0, frame_floats;
  gchar *dir = NULL;
  GError *err = NULL;

  g_option_context_set_summary (ctx, "Measures how far the streaming audio "
      "front-end's features (wav2vec2 on a window around each block) are "
      "from whole-file features, as Live Avatar computes them, for several "
      "look-backs and look-aheads. Prints a Markdown table: mean and worst "
      "block of ||windowed - whole|| / ||whole|| over all 25 hidden states.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!la_cli_parse (ctx, cmd, &argc, &argv)) {
    rc = LA_CLI_EXIT_USAGE;
    goto done;
  }
  if (o.model == NULL || o.audio == NULL) {
    rc = la_cli_usage_error (cmd, "--model and --audio are required");
    goto done;
  }
  if (!parse_seconds (o.lookbacks ? o.lookbacks : DEFAULT_LOOKBACKS,
          lookbacks, &n_back) ||
      !parse_seconds (o.lookaheads ? o.lookaheads : DEFAULT_LOOKAHEADS,
          lookaheads, &n_ahead)) {
    rc = la_cli_usage_error (cmd, "look-backs and look-aheads are lists of "
        "up to %d durations of 0 to 60 s, e.g. 0.4,1,2", MAX_VALUES);
    goto done;
  }
  if (o.backend && !la_cli_parse_backend (o.backend, &kind, &device)) {
    rc = la_cli_usage_error (cmd, "unknown backend '%s'", o.backend);
    goto done;
  }

  if (!(pcm = la_cli_wav_read (o.audio, &n_pcm, &err)))
    goto failed;
  n_frames = (gint64) n_pcm / LA_SAMPLES_PER_FRAME;
  n_blocks = n_frames / LA_FRAMES_PER_BLOCK;
  if (n_blocks < 1) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: %" G_GSIZE_FORMAT " samples, less than one block (%d)",
        o.audio, n_pcm, LA_SAMPLES_PER_BLOCK);
    goto failed;
  }
  dir = g_build_filename (o.model, LA_AVATAR_WAV2VEC2_DIR, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_free (dir);
    dir = g_strdup (o.model);
  }
  if (!(be = la_backend_new (kind, device, &err)) ||
      !(w2v = la_wav2vec2_new (be, dir, &err)))
    goto failed;
  frame_floats = (gsize) la_wav2vec2_n_hidden_states
      (la_wav2vec2_get_config (w2v)) *
      la_wav2vec2_get_config (w2v)->hidden_size;

  whole = g_new (gfloat, (gsize) n_blocks * LA_FRAMES_PER_BLOCK * frame_floats);
  if (!la_audio_encode_whole (w2v, pcm, (gint64) n_pcm, LA_AUDIO_GRID_STREAM,
          0, n_blocks * LA_FRAMES_PER_BLOCK, whole, &err))
    goto failed;

  g_print ("%s: %" G_GINT64_FORMAT " blocks of %.2f s; mean / worst block "
      "of ||windowed - whole|| / ||whole||\n\n", o.audio, n_blocks,
      LA_SAMPLES_PER_BLOCK / (gdouble) LA_SAMPLE_RATE);
  g_print ("| look-back \\ look-ahead |");
  for (j = 0; j < n_ahead; j++)
    g_print (" %.2f s |", lookaheads[j] / (gdouble) LA_SAMPLE_RATE);
  g_print ("\n|---|");
  for (j = 0; j < n_ahead; j++)
    g_print ("---|");
  g_print ("\n");
  for (i = 0; i < n_back; i++) {
    g_print ("| %.2f s |", lookbacks[i] / (gdouble) LA_SAMPLE_RATE);
    for (j = 0; j < n_ahead; j++) {
      gdouble mean, worst;

      if (!measure (w2v, pcm, n_pcm, whole, n_blocks, frame_floats,
              lookbacks[i], lookaheads[j], &mean, &worst, &err))
        goto failed;
      g_print (" %.2e / %.2e |", mean, worst);
    }
    g_print ("\n");
  }
  rc = LA_CLI_EXIT_OK;
  goto done;

failed:
  rc = la_cli_fail (cmd, err);
  err = NULL;
done:
  g_clear_error (&err);
  g_free (whole);
  g_free (pcm);
  g_free (dir);
  if (w2v)
    la_wav2vec2_free (w2v);
  if (be)
    la_backend_free (be);
  g_free (o.model);
  g_free (o.audio);
  g_free (o.lookbacks);
  g_free (o.lookaheads);
  g_free (o.backend);
  g_option_context_free (ctx);
  return rc;
}
