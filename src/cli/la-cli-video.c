/* liveavatar-cli: writing the frames
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "liveavatar.h"
#include "la-cli-video.h"

struct _LaCliVideo
{
  FILE *file;
  gchar *path;
  gboolean is_stdout;
  LaCliVideoFormat format;
  gint width, height;
  guint8 *planes;               /* Y4M: one frame's Y, U, V */
  guint64 n_frames;
};

gboolean
la_cli_video_format_for (const gchar * path, LaCliVideoFormat * format)
{
  if (g_str_equal (path, "-") || g_str_has_suffix (path, ".y4m")) {
    *format = LA_CLI_VIDEO_Y4M;
    return TRUE;
  }
  if (g_str_has_suffix (path, ".rgb")) {
    *format = LA_CLI_VIDEO_RGB;
    return TRUE;
  }
  return FALSE;
}

void
la_cli_rgb_to_yuv (guint8 r, guint8 g, guint8 b, guint8 * y, guint8 * u,
    guint8 * v)
{
  /* every result is within [16, 240] for 8-bit input: no clamping */
  *y = (guint8) (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
  *u = (guint8) (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
  *v = (guint8) (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}

static gboolean
write_failed (LaCliVideo * video, GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "%s: cannot write: %s",
      video->path, g_strerror (errno));
  return FALSE;
}

LaCliVideo *
la_cli_video_open (const gchar * path, LaCliVideoFormat format, gint width,
    gint height, GError ** error)
{
  LaCliVideo *video = g_new0 (LaCliVideo, 1);

  video->path = g_strdup (path);
  video->format = format;
  video->width = width;
  video->height = height;
  video->is_stdout = g_str_equal (path, "-");
  video->file = video->is_stdout ? stdout : g_fopen (path, "wb");
  if (video->file == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "%s: cannot create: %s",
        path, g_strerror (errno));
    goto failed;
  }
  if (format == LA_CLI_VIDEO_Y4M) {
    video->planes = g_malloc ((gsize) width * height * 3);
    if (fprintf (video->file, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C444\n",
            width, height) < 0) {
      write_failed (video, error);
      goto failed;
    }
  }
  return video;

failed:
  la_cli_video_close (video, NULL);
  return NULL;
}

gboolean
la_cli_video_write (LaCliVideo * video, const guint8 * rgb, guint n_frames,
    GError ** error)
{
  gsize n = (gsize) video->width * video->height, i;
  guint f;

  for (f = 0; f < n_frames; f++) {
    const guint8 *p = rgb + f * n * 3;

    if (video->format == LA_CLI_VIDEO_RGB) {
      if (fwrite (p, 3, n, video->file) != n)
        return write_failed (video, error);
    } else {
      guint8 *y = video->planes, *u = y + n, *v = u + n;

      for (i = 0; i < n; i++)
        la_cli_rgb_to_yuv (p[3 * i], p[3 * i + 1], p[3 * i + 2], y + i,
            u + i, v + i);
      if (fputs ("FRAME\n", video->file) < 0 ||
          fwrite (video->planes, 3, n, video->file) != n)
        return write_failed (video, error);
    }
    video->n_frames++;
  }
  return TRUE;
}

guint64
la_cli_video_get_n_frames (LaCliVideo * video)
{
  return video->n_frames;
}

gboolean
la_cli_video_close (LaCliVideo * video, GError ** error)
{
  gboolean ok = TRUE;

  if (video == NULL)
    return TRUE;
  if (video->file != NULL) {
    if (fflush (video->file) != 0 || ferror (video->file))
      ok = write_failed (video, error);
    if (!video->is_stdout && fclose (video->file) != 0 && ok)
      ok = write_failed (video, error);
  }
  g_free (video->planes);
  g_free (video->path);
  g_free (video);
  return ok;
}
