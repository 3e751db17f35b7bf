/* liveavatar engine tests: the session running Live Avatar (tiny model)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The tiny model is written to a temporary folder once per test program.
 * The reference for the engine's frames is la_avatar_generate, Live
 * Avatar's generation in one thread, on a model loaded separately: the
 * session must give the same bytes whatever its stages and devices.
 */

#ifndef __AVATAR_UTIL_H__
#define __AVATAR_UTIL_H__

#include <glib.h>

#include "liveavatar.h"
#include "la-avatar.h"
#include "la-memory-plan.h"

G_BEGIN_DECLS

/* the engine's smallest size: 8x8 latents, 4x4 patches */
#define AV_WIDTH 64
#define AV_HEIGHT 64
#define AV_SEED 7
#define AV_PROMPT "a person talking to the camera"

/* writes the tiny model (once); its folder */
const gchar *av_model_dir (void);
/* removes it; call at the end of main */
void av_cleanup (void);

/* the reference picture, packed RGB at AV_WIDTH x AV_HEIGHT (static) */
const guint8 *av_picture (void);

/* speech-like audio for @n_blocks blocks exactly; g_free it */
gfloat *av_audio_new (guint n_blocks, guint salt, gsize * n_samples);

/* la_engine_config_init (), then the tiny Live Avatar model on the CPU at
 * AV_WIDTH x AV_HEIGHT */
void av_engine_config_init (LaEngineConfig * cfg);

/* la_memory_plan_new () for the model in @model_dir (NULL: the official
 * constants), asserting success */
LaMemoryPlan *av_plan_new (const gchar * model_dir,
    const LaMemoryPlanConfig * pc);

LaEngine *av_engine_new (const gchar * dit_devices, gint ulysses_size,
    gboolean online_decode);
/* RGB frames, AV_SEED, @prompt, the picture set */
LaSession *av_session_new (LaEngine * engine, const gchar * prompt);

/* pushes @pcm from a second thread, drains, pops every frame until EOS */
GPtrArray *av_run (LaSession * session, const gfloat * pcm, gsize n);
/* the same, the frames appended to @frames */
void av_run_into (LaSession * session, const gfloat * pcm, gsize n,
    GPtrArray * frames);
/* pushes @n samples of @pcm, from this thread */
void av_push (LaSession * session, const gfloat * pcm, gsize n);
/* pops @n frames into @into (NULL: dropped) */
void av_pop (LaSession * session, guint n, GPtrArray * into);

/* la_avatar_generate's frames (GBytes of packed RGB, one per frame) for
 * @pcm, on its own copy of the model */
GPtrArray *av_reference (const gfloat * pcm, gsize n, guint n_blocks,
    gboolean online_decode, const gchar * prompt);

/* @frames[first, first + n) are byte-identical to @ref's, indices exact */
void av_assert_frames (GPtrArray * frames, GPtrArray * ref, guint first,
    guint n);
/* TRUE when frame @i differs from @ref's */
gboolean av_frame_differs (GPtrArray * frames, GPtrArray * ref, guint i);

G_END_DECLS

#endif /* __AVATAR_UTIL_H__ */
