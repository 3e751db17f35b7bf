/* liveavatar engine tests: shared helpers and the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The reference renderer here is written from the picture rules of the
 * test model (docs: common context, "The test model") and shares no code
 * with the engine, so a test comparing the two checks the engine.
 */

#ifndef __TEST_UTIL_H__
#define __TEST_UTIL_H__

#include <glib.h>

#include "liveavatar.h"

G_BEGIN_DECLS

/* ---- test audio */

/* Deterministic audio whose RMS differs from frame to frame (a square wave
 * of amplitude ((f * 7 + @salt) % 11) / 40 in frame f, so levels 0 .. 1).
 * g_free the result. */
gfloat *test_audio_new (gsize n_samples, guint salt);

/* ---- reference picture */

/* mouth height for one frame's 640 samples (NULL: silence) */
gint ref_mouth_height (gint width, gint height, const gfloat * frame_pcm);

/* The expected bytes of frame @index in @format; @pcm is all the audio
 * pushed (@n_pcm samples, the frame's samples past the end count as
 * silence), or NULL for a closed mouth. g_free the result. */
guint8 *ref_frame_bytes (LaPixelFormat format, gint width, gint height,
    guint64 index, const gfloat * pcm, gsize n_pcm, gsize * size);

/* Reads the index bits back from an RGB/RGBA/I420 frame's pixels. */
guint64 ref_decode_index (const LaFrame * frame);

/* ---- checks */

/* ceil (n_samples / 640) */
guint64 test_expected_frames (gsize n_samples);

/* @frames are the whole output of @n_samples samples: indices 0.., DISCONT
 * on the first, PADDING exactly on a frame that goes past the audio,
 * nothing repeated, index bits readable */
void test_check_sequence (GPtrArray * frames, gsize n_samples);

/* every frame byte-identical to the reference picture for @pcm */
void test_check_pictures (GPtrArray * frames, const gfloat * pcm,
    gsize n_samples);

/* runs @pcm through @session as test_run_stream () does and checks the
 * whole output: test_check_sequence () and test_check_pictures () */
void test_check_stream (LaSession * session, const gfloat * pcm,
    gsize n_samples, gsize chunk);

/* ---- engine and session */

/* the test model on the CPU at 64x64, otherwise the defaults */
void test_engine_config_init (LaEngineConfig * cfg);

LaEngine *test_engine_new (const gchar * dit_devices, gint ulysses_size,
    gint sample_steps, gint width, gint height);
LaSession *test_session_new (LaEngine * engine, LaPixelFormat format,
    guint queue_blocks);

/* Pushes @pcm in chunks of @chunk from a second thread, then drains, while
 * this thread pops every frame until EOS. Returns the frames (an array of
 * LaFrame, unref'ed by the array). */
GPtrArray *test_run_stream (LaSession * session, const gfloat * pcm,
    gsize n_samples, gsize chunk);

/* Pops until EOS (5 s per frame at most) and returns the frames. */
GPtrArray *test_pop_until_eos (LaSession * session);

/* Pops @n frames (5 s each at most) into @into, or drops them when @into
 * is NULL. */
void test_pop_frames (LaSession * session, guint n, GPtrArray * into);

/* Waits up to @timeout_us for @done to become TRUE under @lock/@cond. */
gboolean test_wait_flag (GMutex * lock, GCond * cond, const gboolean * done,
    gint64 timeout_us);

G_END_DECLS

#endif /* __TEST_UTIL_H__ */
