/* liveavatar: what the file writers share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Internal to the writers (safetensors, PyTorch zip, SentencePiece
 * model): a named tensor list in insertion order with the checks both
 * checkpoint writers make, little-endian fields and saving a file.
 */

#ifndef __LA_IO_WRITE_H__
#define __LA_IO_WRITE_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

typedef struct
{
  gchar          *name;
  LaIoDType       dtype;
  gint            ndim;
  gint64          shape[LA_IO_MAX_DIMS];
  gint64          numel;
  guint8         *data;         /* nbytes, at least one byte allocated */
  gsize           nbytes;
} LaIoWriteTensor;

/* tensors in the order they were added, names unique */
typedef struct
{
  GPtrArray      *tensors;      /* LaIoWriteTensor *, owned */
  GHashTable     *names;        /* borrowed from the tensors */
} LaIoWriteTensors;

void            la_io_write_tensors_init (LaIoWriteTensors * t);
void            la_io_write_tensors_clear (LaIoWriteTensors * t);

/* Appends a copy of @nbytes of @data as tensor @name. The writer has
 * checked @dtype (valid, and one its format stores); this checks the rest,
 * LA_ERROR_INVALID_ARGUMENT with a message starting with @what: a
 * non-empty UTF-8 name not added before, up to LA_IO_MAX_DIMS sizes whose
 * byte size is at most @max_bytes, @nbytes being that size. */
gboolean        la_io_write_tensors_add (LaIoWriteTensors * t,
    const gchar * what, const gchar * name, LaIoDType dtype, gint ndim,
    const gint64 * shape, gsize max_bytes, gconstpointer data, gsize nbytes,
    GError ** error);
/* The same from the shape's numel fp32 values, converted to @dtype: F32,
 * F16, BF16 (round to nearest even) or F8_E4M3 (saturating) */
gboolean        la_io_write_tensors_add_f32 (LaIoWriteTensors * t,
    const gchar * what, const gchar * name, LaIoDType dtype, gint ndim,
    const gint64 * shape, gsize max_bytes, const gfloat * data,
    GError ** error);

void            la_io_put_le16 (GByteArray * a, guint16 v);
void            la_io_put_le32 (GByteArray * a, guint32 v);
void            la_io_put_le64 (GByteArray * a, guint64 v);

/* writes @bytes to @path and unrefs them; a failure is LA_ERROR_FAILED
 * naming the path. NULL @bytes is FALSE, *@error left as the caller set it */
gboolean        la_io_save_bytes (GBytes * bytes, const gchar * path,
    GError ** error);

G_END_DECLS

#endif /* __LA_IO_WRITE_H__ */
