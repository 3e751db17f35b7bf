/* liveavatar-cli: reading WAV audio
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <math.h>
#include <string.h>

#include "liveavatar.h"
#include "la-cli-wav.h"
#include "la-io-le.h"

#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE

/* a data chunk of this size was written by a program that could not seek
 * back (a pipe): it runs to the end of the file */
#define SIZE_UNKNOWN 0xFFFFFFFFu

#define RESAMPLE_HINT "convert it with: sox in.wav -r 16000 -c 1 -e signed " \
    "-b 16 out.wav (or ffmpeg -i in.wav -ar 16000 -ac 1 out.wav)"

typedef struct
{
  guint16 tag;
  guint16 channels;
  guint32 rate;
  guint16 bits;
} Format;

static gboolean
parse_fmt (const guint8 * p, guint32 size, const gchar * name, Format * f,
    GError ** error)
{
  if (size < 16)
    goto bad_size;
  f->tag = la_io_le16 (p);
  f->channels = la_io_le16 (p + 2);
  f->rate = la_io_le32 (p + 4);
  f->bits = la_io_le16 (p + 14);
  /* the sub-format GUID's first two bytes are the real format tag */
  if (f->tag == WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40)
      goto bad_size;
    f->tag = la_io_le16 (p + 24);
  }
  return TRUE;

bad_size:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: corrupt WAV: 'fmt ' chunk of %u bytes is too short", name, size);
    return FALSE;
  }
}

static gboolean
check_format (const Format * f, const gchar * name, GError ** error)
{
  gboolean known = (f->tag == WAVE_FORMAT_PCM && f->bits == 16) ||
      (f->tag == WAVE_FORMAT_IEEE_FLOAT && f->bits == 32);

  if (!known) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: WAV sample format %s with %u bits is not supported (16-bit "
        "integer or 32-bit float only); %s", name,
        f->tag == WAVE_FORMAT_PCM ? "integer PCM" :
        f->tag == WAVE_FORMAT_IEEE_FLOAT ? "float" : "(compressed)",
        f->bits, RESAMPLE_HINT);
    return FALSE;
  }
  if (f->rate != LA_CLI_WAV_RATE || f->channels != 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: the audio is %u Hz with %u channel%s; Live Avatar needs "
        "16000 Hz mono: %s", name, f->rate, f->channels,
        f->channels == 1 ? "" : "s", RESAMPLE_HINT);
    return FALSE;
  }
  return TRUE;
}

gfloat *
la_cli_wav_parse (const guint8 * data, gsize size, const gchar * name,
    gsize * n_samples, GError ** error)
{
  Format fmt = { 0 };
  gboolean have_fmt = FALSE;
  gsize pos = 12, n, i, sample_size;
  gfloat *out;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (n_samples != NULL, NULL);

  *n_samples = 0;
  if (size < 12 || memcmp (data, "RIFF", 4) != 0 ||
      memcmp (data + 8, "WAVE", 4) != 0)
    goto not_wav;

  /* chunks: id, size, payload padded to an even length */
  while (TRUE) {
    const guint8 *chunk;
    guint32 csize;

    if (size - pos < 8)
      goto no_data;
    chunk = data + pos;
    csize = la_io_le32 (chunk + 4);
    pos += 8;

    if (memcmp (chunk, "data", 4) == 0) {
      gsize avail = size - pos;

      if (!have_fmt)
        goto no_fmt;
      if (!check_format (&fmt, name, error))
        return NULL;
      if (csize == SIZE_UNKNOWN)
        csize = (guint32) MIN (avail, G_MAXUINT32 - 1);
      else if (csize > avail)
        goto truncated;
      sample_size = fmt.bits / 8;
      n = csize / sample_size;
      out = g_new (gfloat, MAX (n, 1));
      for (i = 0; i < n; i++) {
        const guint8 *s = data + pos + i * sample_size;

        if (fmt.tag == WAVE_FORMAT_PCM) {
          out[i] = (gfloat) (gint16) la_io_le16 (s) / 32768.0f;
        } else {
          guint32 bits = la_io_le32 (s);

          memcpy (&out[i], &bits, 4);
          if (!isfinite (out[i])) {
            g_free (out);
            g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
                "%s: sample %" G_GSIZE_FORMAT " is not a finite number",
                name, i);
            return NULL;
          }
        }
      }
      *n_samples = n;
      return out;
    }

    if (csize > size - pos)
      goto truncated;
    if (memcmp (chunk, "fmt ", 4) == 0) {
      if (!parse_fmt (data + pos, csize, name, &fmt, error))
        return NULL;
      have_fmt = TRUE;
    }
    pos += csize;
    if ((csize & 1) && pos < size)
      pos++;
  }

not_wav:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: not a WAV file (no RIFF/WAVE header)", name);
  return NULL;
no_data:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: corrupt WAV: no 'data' chunk", name);
  return NULL;
no_fmt:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: corrupt WAV: 'data' chunk before any 'fmt ' chunk", name);
  return NULL;
truncated:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: truncated WAV: a chunk runs past the end of the file", name);
  return NULL;
}

gfloat *
la_cli_wav_read (const gchar * path, gsize * n_samples, GError ** error)
{
  GError *err = NULL;
  gchar *contents = NULL;
  gsize length = 0;
  gfloat *out;

  if (!g_file_get_contents (path, &contents, &length, &err)) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "%s", err->message);
    g_error_free (err);
    return NULL;
  }
  out = la_cli_wav_parse ((const guint8 *) contents, length, path,
      n_samples, error);
  g_free (contents);
  return out;
}
