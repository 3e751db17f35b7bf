/* liveavatar: the streaming audio front-end (wav2vec2 on a sliding window)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* One procedure, Live Avatar's whole-file encode (on its own grid or the
 * true 30 Hz one), applied either to the whole stream or to a window of
 * it; see la-audio-frontend.h. */

#include "config.h"

#include "la-audio-frontend.h"
#include "la-audio-resample.h"
#include "liveavatar.h"

#include <string.h>

void
la_audio_window_init (LaAudioWindow * window)
{
  window->lookback = LA_AUDIO_DEFAULT_LOOKBACK;
  window->lookahead = LA_AUDIO_DEFAULT_LOOKAHEAD;
  window->grid = LA_AUDIO_GRID_STREAM;
}

void
la_audio_window_range (const LaAudioWindow * window, gint64 first,
    gint64 n_frames, gint64 * start, gint64 * end)
{
  gint64 s = first * LA_AUDIO_SAMPLES_PER_FRAME - window->lookback;

  *start = s <= 0 ? 0 : s / LA_AUDIO_WINDOW_ALIGN * LA_AUDIO_WINDOW_ALIGN;
  *end = (first + n_frames) * LA_AUDIO_SAMPLES_PER_FRAME + window->lookahead;
}

/* Whole-file encode of @pcm [n], then video frames [first, first + n_frames)
 * counted from pcm[0], on @grid */
static gboolean
encode_segment (LaWav2Vec2 * model, const gfloat * pcm, gint64 n,
    LaAudioGrid grid, gint64 first, gint64 n_frames, gfloat * features,
    GError ** error)
{
  const LaWav2Vec2Config *c = la_wav2vec2_get_config (model);
  gint64 t = la_wav2vec2_n_frames (c, n);
  gint n_states = la_wav2vec2_n_hidden_states (c);
  gfloat *hidden;
  gboolean ok;

  if (t < 1) {
    /* shorter than one wav2vec2 frame: nothing to interpolate, every frame
     * is past the features */
    memset (features, 0, sizeof (gfloat) * n_frames * n_states *
        c->hidden_size);
    return TRUE;
  }
  hidden = g_try_new (gfloat, n_states * t * c->hidden_size);
  if (!hidden) {
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "audio front-end: no memory for %" G_GINT64_FORMAT " frames of "
        "features", t);
    return FALSE;
  }
  ok = la_wav2vec2_encode (model, pcm, n, hidden, error);
  if (ok && grid == LA_AUDIO_GRID_CLIP)
    la_audio_video_features (features, hidden, n_states, t, c->hidden_size,
        first, n_frames);
  else if (ok)
    la_audio_video_features_stream (features, hidden, n_states, t,
        c->hidden_size, first, n_frames);
  g_free (hidden);
  return ok;
}

static gboolean
check_frames (gint64 first, gint64 n_frames, GError ** error)
{
  /* the bound keeps sample counts far from overflowing */
  if (first < 0 || n_frames < 1 || first > G_MAXINT64 / 4096
      || n_frames > G_MAXINT32) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: video frames [%" G_GINT64_FORMAT ", +%"
        G_GINT64_FORMAT ") are not a valid range", first, n_frames);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_grid (LaAudioGrid grid, GError ** error)
{
  if (grid != LA_AUDIO_GRID_STREAM && grid != LA_AUDIO_GRID_CLIP) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: unknown grid %d", (gint) grid);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_audio_encode_whole (LaWav2Vec2 * model, const gfloat * pcm,
    gint64 n_pcm, LaAudioGrid grid, gint64 first, gint64 n_frames,
    gfloat * features, GError ** error)
{
  if (!check_frames (first, n_frames, error) || !check_grid (grid, error))
    return FALSE;
  if (n_pcm < 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: negative sample count");
    return FALSE;
  }
  return encode_segment (model, pcm, n_pcm, grid, first, n_frames,
      features, error);
}

gboolean
la_audio_frontend_encode (LaWav2Vec2 * model, const LaAudioWindow * window,
    const gfloat * pcm, gint64 pcm_start, gint64 n_pcm, gboolean eos,
    gint64 first, gint64 n_frames, gfloat * features, GError ** error)
{
  gint64 start, end, pcm_end;

  if (!check_frames (first, n_frames, error)
      || !check_grid (window->grid, error))
    return FALSE;
  if (window->lookback < 0 || window->lookahead < 0
      || window->lookback > G_MAXINT32 || window->lookahead > G_MAXINT32
      || pcm_start < 0 || n_pcm < 0 || pcm_start > G_MAXINT64 - n_pcm)
    goto bad_window;
  la_audio_window_range (window, first, n_frames, &start, &end);
  pcm_end = pcm_start + n_pcm;
  if (pcm_start > start)
    goto dropped;
  if (eos)
    end = MIN (end, pcm_end);
  else if (pcm_end < end)
    goto not_yet;
  if (end <= start)
    end = start;

  /* the window's frames count from its start, a whole number of frames
   * (start is a multiple of 3200 = 5 video frames) */
  return encode_segment (model, pcm + (start - pcm_start), end - start,
      window->grid, first - start / LA_AUDIO_SAMPLES_PER_FRAME, n_frames,
      features, error);

  /* ERRORS */
bad_window:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: invalid window (look-back %" G_GINT64_FORMAT
        ", look-ahead %" G_GINT64_FORMAT ") or audio range (%"
        G_GINT64_FORMAT ", +%" G_GINT64_FORMAT ")", window->lookback,
        window->lookahead, pcm_start, n_pcm);
    return FALSE;
  }
dropped:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: the window for frame %" G_GINT64_FORMAT
        " starts at sample %" G_GINT64_FORMAT ", but the audio given starts "
        "at %" G_GINT64_FORMAT, first, start, pcm_start);
    return FALSE;
  }
not_yet:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "audio front-end: the window for frame %" G_GINT64_FORMAT
        " ends at sample %" G_GINT64_FORMAT ", but the audio given ends at %"
        G_GINT64_FORMAT " (and the stream has not ended)", first, end, pcm_end);
    return FALSE;
  }
}
