/* liveavatar: writing safetensors files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Builds a safetensors file in memory, laid out as the reference Python
 * writer (safetensors.torch.save_file) lays it out: tensors sorted by
 * element alignment (widest first), then by name; the header JSON has
 * "__metadata__" first, then the tensors in data order, and is padded with
 * spaces to a multiple of 8 bytes. Little-endian hosts only, like the
 * readers.
 *
 * Usage:
 *
 *   LaSafetensorsWriter *w = la_safetensors_writer_new ();
 *   static const gint64 shape[] = { 4, 8 };
 *   if (!la_safetensors_writer_add_f32 (w, "proj.weight", LA_IO_DTYPE_BF16,
 *           2, shape, values, &err))
 *     goto error;
 *   la_safetensors_writer_set_metadata (w, "format", "pt");
 *   ok = la_safetensors_writer_save (w, "model.safetensors", &err);
 *   la_safetensors_writer_free (w);
 */

#ifndef __LA_SAFETENSORS_WRITER_H__
#define __LA_SAFETENSORS_WRITER_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

typedef struct _LaSafetensorsWriter LaSafetensorsWriter;

LaSafetensorsWriter *la_safetensors_writer_new (void);
void            la_safetensors_writer_free (LaSafetensorsWriter * w);

/* Copies @nbytes of @data stored as @dtype (shape checked against nbytes).
 * A duplicate name, a bad shape or a byte count that does not match is
 * LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_safetensors_writer_add (LaSafetensorsWriter * w,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    gconstpointer data, gsize nbytes, GError ** error);

/* Converts fp32 @data (numel of @shape values) to @dtype: F32, F16, BF16
 * (round to nearest even) or F8_E4M3 (saturating to +-448); any other
 * dtype is LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_safetensors_writer_add_f32 (LaSafetensorsWriter * w,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    const gfloat * data, GError ** error);

/* a "__metadata__" entry (replaces one with the same key) */
void            la_safetensors_writer_set_metadata (LaSafetensorsWriter * w,
    const gchar * key, const gchar * value);

/* the whole file; the writer stays usable */
GBytes         *la_safetensors_writer_to_bytes (LaSafetensorsWriter * w);

/* writes the file atomically (g_file_set_contents); errors are
 * LA_ERROR_FAILED naming the path */
gboolean        la_safetensors_writer_save (LaSafetensorsWriter * w,
    const gchar * path, GError ** error);

G_END_DECLS

#endif /* __LA_SAFETENSORS_WRITER_H__ */
