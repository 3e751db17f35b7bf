/* liveavatar: the central directory of an uncompressed zip archive
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Just enough zip for torch.save archives: entries must be stored (method
 * 0), unencrypted, on one disk; ZIP64 sizes and offsets are understood.
 * Each entry's data is located through its local header (torch pads the
 * local extra field so data lands on 64-byte boundaries) and checked to lie
 * inside the archive. Nothing is copied: entries point into @data.
 */

#ifndef __LA_ZIP_H__
#define __LA_ZIP_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const gchar    *name;
  const guint8   *data;
  gsize           size;
} LaZipEntry;

typedef struct _LaZip LaZip;

/* @data stays owned by the caller and must outlive the LaZip. Errors are
 * LA_ERROR_MODEL_INVALID prefixed with @display_name. */
LaZip          *la_zip_new (const guint8 * data, gsize size,
    const gchar * display_name, GError ** error);
void            la_zip_free (LaZip * zip);

guint           la_zip_n_entries (LaZip * zip);
const LaZipEntry *la_zip_get (LaZip * zip, guint i);
const LaZipEntry *la_zip_lookup (LaZip * zip, const gchar * name);

G_END_DECLS

#endif /* __LA_ZIP_H__ */
