/* liveavatar: wav2vec2 features at the video rate, as Live Avatar takes them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wan's linear_interpolation (50 -> 30 Hz) and get_audio_embed_bucket_fps
 * (30 Hz -> 25 fps, m = 0); see la-audio-resample.h. The interpolation
 * weights follow PyTorch's CPU upsample_linear1d (UpSampleKernel.cpp,
 * compute_source_index_and_lambda) step by step in float, so the points
 * match it to the last bit or so. */

#include "config.h"

#include "la-audio-resample.h"

#include <math.h>
#include <string.h>

/* one output point: x[i0] * l0 + x[i1] * l1 */
typedef struct
{
  gint64 i0, i1;
  gfloat l0, l1;
} Tap;

static Tap
interp_tap (gint64 n_in, gint64 n_out, gint64 j)
{
  Tap tap;
  gfloat scale, real;

  if (n_in == n_out) {
    tap.i0 = tap.i1 = j;
    tap.l0 = 1.0f;
    tap.l1 = 0.0f;
    return tap;
  }
  /* area_pixel_compute_scale with align_corners */
  scale = n_out > 1 ? (gfloat) (n_in - 1) / (gfloat) (n_out - 1) : 0.0f;
  /* area_pixel_compute_source_index, then guard_index_and_lambda */
  real = scale * (gfloat) j;
  tap.i0 = MIN ((gint64) floorf (real), n_in - 1);
  tap.l1 = MIN (MAX (real - (gfloat) tap.i0, 0.0f), 1.0f);
  tap.i1 = tap.i0 + (tap.i0 < n_in - 1 ? 1 : 0);
  tap.l0 = 1.0f - tap.l1;
  return tap;
}

static void
apply_tap (gfloat * dst, const gfloat * src, const Tap * tap, gint64 dim)
{
  const gfloat *x0 = src + tap->i0 * dim, *x1 = src + tap->i1 * dim;
  gint64 c;

  for (c = 0; c < dim; c++)
    dst[c] = x0[c] * tap->l0 + x1[c] * tap->l1;
}

gint64
la_audio_n_interp_frames (gint64 n_feature_frames)
{
  /* int (seq_len * output_fps) with seq_len = T / float (input_fps), in
   * double: its rounding matters (205 frames give int (122.99999999999999)
   * = 122, not 123) */
  return (gint64) ((gdouble) n_feature_frames / LA_AUDIO_FEATURE_RATE *
      LA_AUDIO_INTERP_RATE);
}

gint64
la_audio_interp_index (gint64 frame)
{
  /* round (6 f / 5): with 6 f = 5 q + r, r <= 2 rounds down and r >= 3 up */
  return (frame * LA_AUDIO_INTERP_RATE + LA_AUDIO_VIDEO_FPS / 2) /
      LA_AUDIO_VIDEO_FPS;
}

void
la_audio_interpolate (gfloat * dst, const gfloat * src, gint64 n_states,
    gint64 n_in, gint64 n_out, gint64 dim)
{
  gint64 s, j;

  for (j = 0; j < n_out; j++) {
    Tap tap = interp_tap (n_in, n_out, j);

    for (s = 0; s < n_states; s++)
      apply_tap (dst + (s * n_out + j) * dim, src + s * n_in * dim, &tap, dim);
  }
}

void
la_audio_video_features (gfloat * dst, const gfloat * src, gint64 n_states,
    gint64 n_feature_frames, gint64 dim, gint64 first, gint64 n_frames)
{
  gint64 n_interp = la_audio_n_interp_frames (n_feature_frames);
  gint64 f, s;

  for (f = 0; f < n_frames; f++) {
    gint64 point = la_audio_interp_index (first + f);
    gfloat *out = dst + f * n_states * dim;
    Tap tap;

    if (point >= n_interp) {
      memset (out, 0, sizeof (gfloat) * n_states * dim);
      continue;
    }
    tap = interp_tap (n_feature_frames, n_interp, point);
    for (s = 0; s < n_states; s++)
      apply_tap (out + s * dim, src + s * n_feature_frames * dim, &tap, dim);
  }
}

void
la_audio_video_features_stream (gfloat * dst, const gfloat * src,
    gint64 n_states, gint64 n_feature_frames, gint64 dim, gint64 first,
    gint64 n_frames)
{
  gint64 f, s;

  for (f = 0; f < n_frames; f++) {
    /* 5 b = 3 i0 + r: position i0 + r / 3 */
    gint64 five_b = 5 * la_audio_interp_index (first + f);
    gfloat *out = dst + f * n_states * dim;
    Tap tap;

    tap.i0 = five_b / 3;
    tap.l1 = (gfloat) (five_b % 3) / 3.0f;
    tap.l0 = 1.0f - tap.l1;
    tap.i1 = tap.l1 > 0.0f ? tap.i0 + 1 : tap.i0;
    if (tap.i1 >= n_feature_frames) {
      memset (out, 0, sizeof (gfloat) * n_states * dim);
      continue;
    }
    for (s = 0; s < n_states; s++)
      apply_tap (out + s * dim, src + s * n_feature_frames * dim, &tap, dim);
  }
}
