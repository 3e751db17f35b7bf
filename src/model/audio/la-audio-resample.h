/* liveavatar: wav2vec2 features at the video rate, as Live Avatar takes them
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar (liveavatar/models/wan/causal_s2v_pipeline_tpp.py,
 * encode_audio) goes from wav2vec2's 50 Hz to its 25 fps video in two
 * steps of Wan's wan/modules/s2v/audio_encoder.py, which it imports
 * unchanged:
 *
 *  1. linear_interpolation (feat, input_fps=50, output_fps=video_rate=30):
 *     T30 = int (T50 / 50 * 30) points, F.interpolate (mode='linear',
 *     align_corners=True): point j sits at j * (T50 - 1) / (T30 - 1) on
 *     the 50 Hz axis (so not exactly on a 30 Hz grid: the ratio depends on
 *     the length of what was encoded).
 *  2. get_audio_embed_bucket_fps (fps=25, m=0): video frame i takes 30 Hz
 *     point round (i * 30 / 25), or zeros when that is >= T30 (the bucket
 *     is padded to whole clips of frames).
 *
 * Live Avatar's fps = 25 changes only step 2 (Wan's S2V used 16); the
 * 30 Hz intermediate stays.
 *
 * The align_corners ratio (T50 - 1) / (T30 - 1) is not 5 / 3: point j
 * lands j (2 + 5 d) / (3 (T30 - 1)) feature frames late, d in [0, 0.8)
 * being what int () dropped, so the drift grows from 0 at the start to
 * between 2/3 and 2 feature frames (13 to 40 ms) at the end of whatever
 * was encoded, by an amount that depends on its length. A live stream has
 * no length: la_audio_video_features_stream () samples the true grid
 * (point b at 50 Hz position 5 b / 3 exactly), Live Avatar's without the
 * stretch, the same for every block.
 *
 * Features are [S, T, C] (S hidden states, T
 * frames, C channels) as wav2vec2 returns them; the video-rate result is
 * frame-major [frames, S, C], as the bucket function builds it before the
 * pipeline permutes it to [1, S, C, frames].
 */

#ifndef __LA_AUDIO_RESAMPLE_H__
#define __LA_AUDIO_RESAMPLE_H__

#include <glib.h>

G_BEGIN_DECLS

#define LA_AUDIO_FEATURE_RATE 50        /* wav2vec2 frames per second */
#define LA_AUDIO_INTERP_RATE 30 /* Wan's AudioEncoder.video_rate */
#define LA_AUDIO_VIDEO_FPS 25   /* Live Avatar's sample_fps */
/* 16 kHz samples per video frame */
#define LA_AUDIO_SAMPLES_PER_FRAME 640

/* T30 = int (T50 / 50.0 * 30), in double as Python computes it */
gint64          la_audio_n_interp_frames (gint64 n_feature_frames);

/* The 30 Hz point video frame @frame (>= 0) samples:
 * round (frame * 30 / 25), as np.round of Wan's linspace (no ties occur:
 * the fraction is a multiple of 0.2). */
gint64          la_audio_interp_index (gint64 frame);

/* linear_interpolation: @src [n_states, n_in, dim] -> @dst [n_states,
 * n_out, dim], F.interpolate (mode='linear', align_corners=True) along the
 * frames, in float as PyTorch's CPU kernel does it. n_in >= 1, n_out >= 1. */
void            la_audio_interpolate (gfloat * dst, const gfloat * src,
    gint64 n_states, gint64 n_in, gint64 n_out, gint64 dim);

/* Both steps for video frames [first, first + n_frames) of a sequence
 * whose 50 Hz features are @src [n_states, n_feature_frames, dim]: @dst
 * [n_frames, n_states, dim]. Only the points the frames take are
 * interpolated (each one exactly as step 1 would). Frames past the
 * features (and every frame when n_feature_frames < 2, where T30 is 0)
 * are zeros, as Live Avatar pads. */
void            la_audio_video_features (gfloat * dst, const gfloat * src,
    gint64 n_states, gint64 n_feature_frames, gint64 dim, gint64 first,
    gint64 n_frames);

/* la_audio_video_features () on the true 30 Hz grid: video frame f takes
 * the point b = round (f * 30 / 25) at 50 Hz position p = 5 b / 3, i.e.
 * features[floor (p)] and [floor (p) + 1] weighted by the fraction (0,
 * 1/3 or 2/3); zeros once p is past the last feature frame. */
void            la_audio_video_features_stream (gfloat * dst,
    const gfloat * src, gint64 n_states, gint64 n_feature_frames,
    gint64 dim, gint64 first, gint64 n_frames);

G_END_DECLS

#endif /* __LA_AUDIO_RESAMPLE_H__ */
