/* liveavatar: tensor records shared by the checkpoint readers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Every reader (safetensors, PyTorch zip) describes a tensor the same way:
 * a LaCheckpointTensor pointing into the mapped file. The element types are
 * the file formats' (safetensors spelling); the four weight types convert
 * to fp32 and map onto the backend's LaDType, the others are read and
 * listed but a model cannot use them as weights.
 */

#ifndef __LA_IO_TENSOR_H__
#define __LA_IO_TENSOR_H__

#include <glib.h>

#include "la-backend.h"

G_BEGIN_DECLS

/* Deeper tensors are refused (the models use at most 5 dimensions). */
#define LA_IO_MAX_DIMS 8

typedef enum
{
  /* weight types: convert to fp32, have a backend LaDType */
  LA_IO_DTYPE_F32 = 0,
  LA_IO_DTYPE_F16,
  LA_IO_DTYPE_BF16,
  LA_IO_DTYPE_F8_E4M3,          /* OCP e4m3fn (torch.float8_e4m3fn) */
  /* other floats: convert to fp32, but no backend type */
  LA_IO_DTYPE_F64,
  LA_IO_DTYPE_F8_E5M2,
  /* flagged: listed and readable as bytes, never converted */
  LA_IO_DTYPE_I64,
  LA_IO_DTYPE_I32,
  LA_IO_DTYPE_I16,
  LA_IO_DTYPE_I8,
  LA_IO_DTYPE_U8,
  LA_IO_DTYPE_BOOL,
  LA_IO_DTYPE_COUNT
} LaIoDType;

/* dtype masks for la_checkpoint_expect () */
#define LA_IO_DTYPE_BIT(d)      (1u << (d))
#define LA_IO_DTYPES_WEIGHT     (LA_IO_DTYPE_BIT (LA_IO_DTYPE_F32) | \
    LA_IO_DTYPE_BIT (LA_IO_DTYPE_F16) | LA_IO_DTYPE_BIT (LA_IO_DTYPE_BF16) | \
    LA_IO_DTYPE_BIT (LA_IO_DTYPE_F8_E4M3))
#define LA_IO_DTYPES_FLOAT      (LA_IO_DTYPES_WEIGHT | \
    LA_IO_DTYPE_BIT (LA_IO_DTYPE_F64) | LA_IO_DTYPE_BIT (LA_IO_DTYPE_F8_E5M2))
#define LA_IO_DTYPES_ANY        ((1u << LA_IO_DTYPE_COUNT) - 1)

/* bytes per element */
gsize           la_io_dtype_size (LaIoDType dtype);

/* safetensors spelling: "F32", "BF16", "F8_E4M3", "I64", "BOOL", ... */
const gchar    *la_io_dtype_name (LaIoDType dtype);
gboolean        la_io_dtype_from_name (const gchar * name, LaIoDType * dtype);

/* TRUE for the types la_checkpoint_tensor_to_f32 () converts */
gboolean        la_io_dtype_is_float (LaIoDType dtype);

/* The backend type with the same bytes (F32, F16, BF16, F8_E4M3), so a
 * model can upload a tensor's data without converting it. */
gboolean        la_io_dtype_to_backend (LaIoDType dtype, LaDType * out);

/* "F32|BF16" for a mask, g_free the result */
gchar          *la_io_dtype_mask_to_string (guint mask);

/* One tensor of an open checkpoint. Everything points into the reader that
 * returned it and stays valid until that reader is freed; readers are never
 * modified after opening, so several threads may read at once. @data may be
 * unaligned in a safetensors file (the format does not promise alignment):
 * use the conversions below or memcpy. */
typedef struct
{
  const gchar    *name;
  const gchar    *file;         /* name of the file holding it (basename) */
  LaIoDType       dtype;
  gint            ndim;         /* 0 for a scalar */
  gint64          shape[LA_IO_MAX_DIMS];
  gint64          numel;        /* product of shape (1 for a scalar) */
  gconstpointer   data;         /* row-major, contiguous, little-endian */
  gsize           nbytes;       /* numel * la_io_dtype_size (dtype) */
} LaCheckpointTensor;

/* "[5120, 16, 1, 2, 2]" (a scalar is "[]"); g_free the result */
gchar          *la_io_shape_to_string (gint ndim, const gint64 * shape);

/* numel and bytes of a shape, FALSE when a dimension is negative or the
 * product overflows (either out argument may be NULL) */
gboolean        la_io_shape_numel (gint ndim, const gint64 * shape,
    LaIoDType dtype, gint64 * numel, gsize * nbytes);

/* The whole tensor as fp32 into @dst (@n must be its numel). Any float
 * type; integer types are refused with LA_ERROR_MODEL_INVALID naming the
 * tensor. */
gboolean        la_checkpoint_tensor_to_f32 (const LaCheckpointTensor * t,
    gfloat * dst, gsize n, GError ** error);

/* Same into a new g_malloc'ed array (g_free it); NULL on error. */
gfloat         *la_checkpoint_tensor_dup_f32 (const LaCheckpointTensor * t,
    GError ** error);

/* What a single-file reader (safetensors, PyTorch zip) owns: the file's
 * bytes and the tensors pointing into them. The reader fills @tensors,
 * @n_tensors and @by_name while parsing. */
typedef struct
{
  gchar          *name;         /* basename, for messages */
  GBytes         *bytes;        /* the whole file */
  LaCheckpointTensor *tensors;
  guint           n_tensors;
  GStringChunk   *strings;      /* tensor names */
  GHashTable     *by_name;      /* name -> LaCheckpointTensor *, borrowed */
} LaIoTensorFile;

/* Maps @path read-only (shared pages); LA_ERROR_MODEL_NOT_FOUND when it
 * cannot. */
GBytes         *la_io_map_file (const gchar * path, GError ** error);

/* Takes @bytes; @display_name names the file in messages. */
void            la_io_tensor_file_init (LaIoTensorFile * file, GBytes * bytes,
    const gchar * display_name);
void            la_io_tensor_file_clear (LaIoTensorFile * file);

G_END_DECLS

#endif /* __LA_IO_TENSOR_H__ */
