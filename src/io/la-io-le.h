/* liveavatar: little-endian fields in byte buffers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * For the file formats read byte by byte (ZIP, WAV): unaligned and
 * independent of the host's byte order.
 */

#ifndef __LA_IO_LE_H__
#define __LA_IO_LE_H__

#include <glib.h>

G_BEGIN_DECLS

static inline guint16
la_io_le16 (const guint8 * p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
la_io_le32 (const guint8 * p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) |
      ((guint32) p[3] << 24);
}

static inline guint64
la_io_le64 (const guint8 * p)
{
  return (guint64) la_io_le32 (p) | ((guint64) la_io_le32 (p + 4) << 32);
}

G_END_DECLS

#endif /* __LA_IO_LE_H__ */
