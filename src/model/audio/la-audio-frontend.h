/* liveavatar: the streaming audio front-end (wav2vec2 on a sliding window)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar encodes the whole audio file at once: normalise it, run
 * wav2vec2 (bidirectional: every frame sees the whole file), interpolate
 * to 30 Hz, take one point per 25 fps video frame (la-audio-resample.h).
 * A live stream cannot wait for the end, so for each block of video frames
 * the front-end runs that same whole-file procedure on a window of the
 * stream around the block:
 *
 *          look-back            block (12 frames)      look-ahead
 *   |<-------------------->|<--------------------->|<----------->|
 *   start                  first * 640             end
 *
 * start = first * 640 - lookback rounded DOWN to a multiple of 3200
 * samples (200 ms, where the 50 Hz feature, 30 Hz and 25 fps grids meet,
 * so the block's frames fall on the same grid points as in the whole
 * file), and never before the stream's start; end = the block's last
 * sample + lookahead. The window's audio is normalised on its own (the
 * processor normalises what it is given) and the block's frames are
 * frames first - start / 640 ... of the window's result, taken on one of
 * two grids (la-audio-resample.h):
 *
 *   LA_AUDIO_GRID_CLIP    Live Avatar's interpolation over what was
 *                         encoded (the window): a window that covers the
 *                         whole stream gives exactly Live Avatar's
 *                         whole-file features. But its drift (up to 2
 *                         feature frames, 40 ms) depends on the window's
 *                         length, so it changes from block to block.
 *   LA_AUDIO_GRID_STREAM  the true 30 Hz grid, the same for every block:
 *                         Live Avatar's grid without that stretch (which
 *                         spreads up to 2 feature frames over whatever
 *                         was encoded, and a live stream has no length).
 *                         The default.
 *
 * Either way, a window covering everything equals la_audio_encode_whole ()
 * on the same grid, bit for bit; a shorter one approximates it.
 *
 * Defaults (provisional: the choice is to be measured on real speech with
 * the real weights, see docs/): 2.0 s of look-back (the positional
 * convolution alone reaches 1.28 s each way, and attention is global),
 * 0.4 s of look-ahead, the stream grid. The look-ahead is latency: a
 * block's features are ready only once its audio and the look-ahead have
 * arrived.
 */

#ifndef __LA_AUDIO_FRONTEND_H__
#define __LA_AUDIO_FRONTEND_H__

#include <glib.h>

#include "la-wav2vec2.h"

G_BEGIN_DECLS

/* 200 ms: 10 wav2vec2 frames, 6 points at 30 Hz, 5 video frames */
#define LA_AUDIO_WINDOW_ALIGN 3200
#define LA_AUDIO_DEFAULT_LOOKBACK 32000 /* samples, 2.0 s */
#define LA_AUDIO_DEFAULT_LOOKAHEAD 6400 /* samples, 0.4 s */

typedef enum
{
  LA_AUDIO_GRID_STREAM = 0,
  LA_AUDIO_GRID_CLIP
} LaAudioGrid;

typedef struct
{
  gint64          lookback;     /* samples before the block, at least */
  gint64          lookahead;    /* samples after the block */
  LaAudioGrid     grid;
} LaAudioWindow;

/* the defaults above, on the stream grid */
void            la_audio_window_init (LaAudioWindow * window);

/* The stream samples [*start, *end) the window for video frames
 * [first, first + n_frames) covers (before the end of the stream clips
 * it). The caller can drop audio before *start and must wait for audio up
 * to *end. */
void            la_audio_window_range (const LaAudioWindow * window,
    gint64 first, gint64 n_frames, gint64 * start, gint64 * end);

/* Features of video frames [first, first + n_frames) into @features
 * [n_frames, n_hidden_states, hidden_size] (host memory).
 * @pcm holds stream samples [pcm_start, pcm_start + n_pcm) at 16 kHz; it
 * must reach back to the window's start, and forward to its end unless
 * @eos (the stream ended: the window stops where the audio does, and
 * frames past it are zeros, as in the whole file). Otherwise
 * LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_audio_frontend_encode (LaWav2Vec2 * model,
    const LaAudioWindow * window, const gfloat * pcm, gint64 pcm_start,
    gint64 n_pcm, gboolean eos, gint64 first, gint64 n_frames,
    gfloat * features, GError ** error);

/* Whole-file features of video frames [first, first + n_frames) of @pcm
 * [n_pcm] (the stream from its start) on @grid, laid out as
 * la_audio_frontend_encode ()'s: the reference the window approximates.
 * With LA_AUDIO_GRID_CLIP, Live Avatar's encode_audio. */
gboolean        la_audio_encode_whole (LaWav2Vec2 * model, const gfloat * pcm,
    gint64 n_pcm, LaAudioGrid grid, gint64 first, gint64 n_frames,
    gfloat * features, GError ** error);

G_END_DECLS

#endif /* __LA_AUDIO_FRONTEND_H__ */
