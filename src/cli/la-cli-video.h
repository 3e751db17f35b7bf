/* liveavatar-cli: writing the frames
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Two formats, chosen by the file name:
 *
 *   *.y4m   YUV4MPEG2, 25 fps, progressive, square pixels, 4:4:4 (C444:
 *           no chroma subsampling), BT.601 limited range (what ffmpeg and
 *           GStreamer's y4mdec assume for a Y4M file without colour tags):
 *             Y = ((66 R + 129 G + 25 B + 128) >> 8) + 16
 *             U = ((-38 R - 74 G + 112 B + 128) >> 8) + 128
 *             V = ((112 R - 94 G - 18 B + 128) >> 8) + 128
 *           (arithmetic shift). Header:
 *             "YUV4MPEG2 W<w> H<h> F25:1 Ip A1:1 C444\n"
 *           then per frame "FRAME\n", the Y, U and V planes.
 *   *.rgb   the model's RGB bytes as they are, packed (w * 3 bytes a row),
 *           frame after frame, no header: exact, for comparisons
 *           (ffmpeg -f rawvideo -pix_fmt rgb24 -s WxH -r 25 -i out.rgb).
 *
 * "-" writes Y4M to the standard output.
 */

#ifndef __LA_CLI_VIDEO_H__
#define __LA_CLI_VIDEO_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LA_CLI_VIDEO_Y4M,
  LA_CLI_VIDEO_RGB
} LaCliVideoFormat;

/* The format @path asks for; FALSE for a name ending otherwise. */
gboolean        la_cli_video_format_for (const gchar * path,
    LaCliVideoFormat * format);

typedef struct _LaCliVideo LaCliVideo;

/* Creates (truncates) @path; LA_ERROR_FAILED naming it when it cannot. */
LaCliVideo     *la_cli_video_open (const gchar * path,
    LaCliVideoFormat format, gint width, gint height, GError ** error);
/* @n_frames packed RGB pictures, one after the other */
gboolean        la_cli_video_write (LaCliVideo * video, const guint8 * rgb,
    guint n_frames, GError ** error);
guint64         la_cli_video_get_n_frames (LaCliVideo * video);
/* Flushes and closes; FALSE when the last writes failed. Frees @video. */
gboolean        la_cli_video_close (LaCliVideo * video, GError ** error);

/* one pixel as the Y4M writer converts it */
void            la_cli_rgb_to_yuv (guint8 r, guint8 g, guint8 b, guint8 * y,
    guint8 * u, guint8 * v);

G_END_DECLS

#endif /* __LA_CLI_VIDEO_H__ */
