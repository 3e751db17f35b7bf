/* liveavatar: one read-only view over any checkpoint format
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Model loaders open a checkpoint and ask for tensors by name; which
 * format holds them is decided here:
 *
 *   a folder                   its one *.safetensors.index.json (sharded),
 *                              else its one *.safetensors file
 *   *.safetensors.index.json   sharded safetensors
 *   a file starting "PK\3\4"   PyTorch zip (torch.save, .pth / .bin / .pt)
 *   any other file             safetensors (checked as such)
 *
 * The legacy pre-1.6 torch.save format (a bare pickle) is refused with
 * LA_ERROR_NOT_SUPPORTED. Data stays in the mapped files; a checkpoint is
 * immutable once open, so threads may share it.
 *
 * Usage (a model loader):
 *
 *   LaCheckpoint *ck = la_checkpoint_open ("Wan2.1_VAE.pth", &err);
 *   static const gint64 shape[] = { 96, 3, 3, 3, 3 };
 *   const LaCheckpointTensor *w = la_checkpoint_expect (ck,
 *       "encoder.conv1.weight", LA_IO_DTYPES_WEIGHT, 5, shape, &err);
 *   if (!w) goto error;         err names the tensor and both shapes
 *   gfloat *host = la_checkpoint_tensor_dup_f32 (w, &err);
 *   ...
 *   la_checkpoint_free (ck);    after the last use of any tensor's data
 */

#ifndef __LA_CHECKPOINT_H__
#define __LA_CHECKPOINT_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

typedef enum
{
  LA_CHECKPOINT_SAFETENSORS,
  LA_CHECKPOINT_SAFETENSORS_SHARDED,
  LA_CHECKPOINT_TORCH_ZIP
} LaCheckpointFormat;

typedef struct _LaCheckpoint LaCheckpoint;

/* A missing path is LA_ERROR_MODEL_NOT_FOUND; a malformed file
 * LA_ERROR_MODEL_INVALID naming the file (and tensor). */
LaCheckpoint   *la_checkpoint_open (const gchar * path, GError ** error);

/* A single-file checkpoint from memory (either format, by magic). */
LaCheckpoint   *la_checkpoint_new_from_bytes (GBytes * bytes,
    const gchar * display_name, GError ** error);

void            la_checkpoint_free (LaCheckpoint * ck);

LaCheckpointFormat la_checkpoint_get_format (LaCheckpoint * ck);

/* the path as opened (or the display name) */
const gchar    *la_checkpoint_get_path (LaCheckpoint * ck);

/* Tensors sorted by name: for (i = 0; i < n; i++) la_checkpoint_get (ck, i) */
guint           la_checkpoint_n_tensors (LaCheckpoint * ck);
const LaCheckpointTensor *la_checkpoint_get (LaCheckpoint * ck, guint i);

/* NULL when absent */
const LaCheckpointTensor *la_checkpoint_lookup (LaCheckpoint * ck,
    const gchar * name);

/* The tensor @name, checked: present, its dtype in @dtype_mask
 * (LA_IO_DTYPE_BIT (..) | ..., or LA_IO_DTYPES_WEIGHT), @ndim dimensions
 * equal to @shape (-1 in @shape accepts any size there). Otherwise NULL and
 * LA_ERROR_MODEL_INVALID: "<file>: tensor '<name>': shape [a, b], expected
 * [c, d]" (or dtype / missing). */
const LaCheckpointTensor *la_checkpoint_expect (LaCheckpoint * ck,
    const gchar * name, guint dtype_mask, gint ndim, const gint64 * shape,
    GError ** error);

/* la_checkpoint_expect () with any float dtype, then the data as a new
 * fp32 array (g_free it). */
gfloat         *la_checkpoint_read_f32 (LaCheckpoint * ck, const gchar * name,
    gint ndim, const gint64 * shape, GError ** error);

G_END_DECLS

#endif /* __LA_CHECKPOINT_H__ */
