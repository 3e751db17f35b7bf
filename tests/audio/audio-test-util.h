/* liveavatar: helpers shared by the audio front-end tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __AUDIO_TEST_UTIL_H__
#define __AUDIO_TEST_UTIL_H__

#include <glib.h>

#include "la-checkpoint.h"
#include "test-common.h"

G_BEGIN_DECLS

/* tests/audio/data/@name (argv[1] names the data folder); g_free */
gchar          *audio_test_data_path (const gchar * name);
void            audio_test_set_data_dir (const gchar * dir);

/* data/goldens.safetensors, opened once per test program */
LaCheckpoint   *audio_test_goldens (void);
void            audio_test_goldens_free (void);
/* golden @name as fp32 (g_free), asserting it is there with @n values */
gfloat         *audio_test_golden (const gchar * name, gsize n);

/* Speech-like test audio: a voiced sound with a moving pitch, syllable
 * envelope and some noise, @n samples at 16 kHz (g_free) */
gfloat         *audio_test_speech_like (gsize n, guint64 seed);

G_END_DECLS

#endif /* __AUDIO_TEST_UTIL_H__ */
