/* liveavatar-cli: reading WAV audio
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * RIFF WAVE files as the engine wants its audio: 16 kHz mono, 16-bit
 * integer PCM or 32-bit float (plain or WAVE_FORMAT_EXTENSIBLE). Samples
 * come out as floats the way Live Avatar's librosa.load (soundfile) gives
 * them: int16 / 32768, floats as stored. Anything else (another rate,
 * stereo, 24-bit, A-law...) is refused with a message naming the file and
 * what it holds, rather than converted behind the user's back.
 */

#ifndef __LA_CLI_WAV_H__
#define __LA_CLI_WAV_H__

#include <glib.h>

G_BEGIN_DECLS

#define LA_CLI_WAV_RATE 16000

/* Parses a whole file's bytes; @name is for messages. Returns the samples
 * (g_free) and their count in @n_samples (0 is valid: an empty data
 * chunk). Errors: LA_ERROR_INVALID_DATA (not a WAV, truncated, corrupt),
 * LA_ERROR_NOT_SUPPORTED (a valid WAV in another format, rate or channel
 * count). */
gfloat         *la_cli_wav_parse (const guint8 * data, gsize size,
    const gchar * name, gsize * n_samples, GError ** error);

/* Reads @path (LA_ERROR_FAILED when it cannot be read), then as above. */
gfloat         *la_cli_wav_read (const gchar * path, gsize * n_samples,
    GError ** error);

G_END_DECLS

#endif /* __LA_CLI_WAV_H__ */
