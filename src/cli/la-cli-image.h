/* liveavatar-cli: reading the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The picture as Live Avatar gets it from Image.open (path).convert
 * ('RGB'): 8-bit RGB, alpha dropped (not composited), grey replicated,
 * palettes expanded, gamma and colour profiles ignored. Formats: Netpbm
 * (P1..P6: PBM, PGM, PPM, ASCII or binary; maxval 255 as is, 65535 by its
 * high byte as PIL reads "RGB;16B", any other scaled by round (v * 255 /
 * maxval)) and PNG when built with libpng (16-bit samples by their high
 * byte, as PIL). Known difference: PIL clips 16-bit grey PNGs to 255
 * where we take the high byte.
 */

#ifndef __LA_CLI_IMAGE_H__
#define __LA_CLI_IMAGE_H__

#include <glib.h>

G_BEGIN_DECLS

/* pictures larger than this are refused, as PIL refuses them
 * (DecompressionBombError at Image.MAX_IMAGE_PIXELS * 2) */
#define LA_CLI_IMAGE_MAX_PIXELS G_GINT64_CONSTANT (178956970)

typedef struct
{
  gint width, height;
  guint8 *rgb;                  /* packed, width * 3 bytes a row */
} LaCliImage;

/* From a file's bytes (@name for messages): the format by its magic.
 * LA_ERROR_INVALID_DATA for a corrupt or truncated file,
 * LA_ERROR_NOT_SUPPORTED for an unknown format (or PNG without libpng). */
LaCliImage     *la_cli_image_parse (const guint8 * data, gsize size,
    const gchar * name, GError ** error);
LaCliImage     *la_cli_image_read (const gchar * path, GError ** error);
void            la_cli_image_free (LaCliImage * image);

/* Writes binary PPM (P6, maxval 255). */
gboolean        la_cli_image_write_ppm (const gchar * path,
    const guint8 * rgb, gint width, gint height, GError ** error);

G_END_DECLS

#endif /* __LA_CLI_IMAGE_H__ */
