/* liveavatar: writing PyTorch zip checkpoints
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Writes what torch.save (state_dict) writes for a dict of contiguous CPU
 * tensors: a stored (uncompressed) zip with
 *
 *   archive/data.pkl      pickle protocol 2: an OrderedDict of tensors,
 *                         each torch._utils._rebuild_tensor_v2 on a typed
 *                         storage with the persistent id ('storage',
 *                         torch.<X>Storage, key, 'cpu', numel)
 *   archive/byteorder     "little"
 *   archive/data/<key>    each tensor's bytes (key: its index, decimal),
 *                         aligned to 64 bytes in the file as torch does
 *   archive/version       "3"
 *
 * which torch.load (weights_only=True) and la-torch-zip.h both read. The
 * typed storages have no fp8 kind, so F8 dtypes are refused; archives are
 * limited to 4 GiB and 65534 entries (no ZIP64). Little-endian hosts
 * only.
 *
 * Usage:
 *
 *   LaTorchZipWriter *w = la_torch_zip_writer_new ();
 *   if (!la_torch_zip_writer_add_f32 (w, "encoder.conv1.weight",
 *           LA_IO_DTYPE_BF16, 5, shape, values, &err))
 *     goto error;
 *   ok = la_torch_zip_writer_save (w, "Wan2.1_VAE.pth", &err);
 *   la_torch_zip_writer_free (w);
 */

#ifndef __LA_TORCH_ZIP_WRITER_H__
#define __LA_TORCH_ZIP_WRITER_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

typedef struct _LaTorchZipWriter LaTorchZipWriter;

LaTorchZipWriter *la_torch_zip_writer_new (void);
void            la_torch_zip_writer_free (LaTorchZipWriter * w);

/* Copies @nbytes of @data stored as @dtype; the dict keeps the order of
 * the calls. A duplicate name, a bad shape, a byte count not matching it
 * or an F8 dtype is LA_ERROR_INVALID_ARGUMENT. */
gboolean        la_torch_zip_writer_add (LaTorchZipWriter * w,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    gconstpointer data, gsize nbytes, GError ** error);

/* Converts fp32 @data to @dtype: F32, F16 or BF16 (round to nearest
 * even). */
gboolean        la_torch_zip_writer_add_f32 (LaTorchZipWriter * w,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    const gfloat * data, GError ** error);

/* the whole file, NULL with LA_ERROR_INVALID_ARGUMENT past 4 GiB; the
 * writer stays usable */
GBytes         *la_torch_zip_writer_to_bytes (LaTorchZipWriter * w,
    GError ** error);

/* errors writing are LA_ERROR_FAILED naming the path */
gboolean        la_torch_zip_writer_save (LaTorchZipWriter * w,
    const gchar * path, GError ** error);

/* ---- the pieces, for a writer that streams its tensors
 * (la-tiny-stream.c): the same bytes as the writer above, plus the ZIP64
 * fields (APPNOTE 4.3.9.2, 4.5.3, 4.3.14-15) that torch's writer adds
 * past 4 GiB ---- */

/* one entry of the central directory */
typedef struct
{
  gchar          *name;
  guint32         crc;
  guint64         size, offset;
} LaTorchZipRecord;

/* the zip's CRC-32 of @n bytes, continuing @crc (0 to start) */
guint32         la_torch_zip_crc32 (guint32 crc, gconstpointer data,
    gsize n);

/* data.pkl: begin, then tensor @index of @count (key: @index) in the
 * dict's order, then end. @dtype must have a typed storage (F32, BF16,
 * ...): la_torch_zip_writer_add's check. */
void            la_torch_zip_pickle_begin (GString * p);
void            la_torch_zip_pickle_tensor (GString * p, guint index,
    guint count, const gchar * name, LaIoDType dtype, gint ndim,
    const gint64 * shape, gint64 numel);
void            la_torch_zip_pickle_end (GString * p);

/* where a local header holds its CRC, from the header's start */
#define LA_TORCH_ZIP_LOCAL_CRC_AT 14

/* Appends to @h the local header of stored entry @name, @size bytes,
 * the header starting at @pos in the file, padded so that its data is
 * 64-aligned as torch aligns it; ZIP64 sizes when @zip64. */
void            la_torch_zip_local_header (GByteArray * h, guint64 pos,
    const gchar * name, guint32 crc, guint64 size, gboolean zip64);

/* Appends to @cd the central directory of @records (@n) starting at
 * @cd_offset in the file, and the end records; ZIP64 fields for sizes
 * and offsets from @zip64_from (at most G_MAXUINT32) on, and for more
 * than 65534 records. */
void            la_torch_zip_central_directory (GByteArray * cd,
    const LaTorchZipRecord * records, guint n, guint64 cd_offset,
    guint64 zip64_from);

G_END_DECLS

#endif /* __LA_TORCH_ZIP_WRITER_H__ */
