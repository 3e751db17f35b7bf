/* liveavatar: PyTorch zip checkpoints (torch.save)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The format torch.save has written since PyTorch 1.6 (Wan2.1_VAE.pth,
 * models_t5_umt5-xxl-enc-bf16.pth, pytorch_model.bin): an uncompressed zip
 * whose entries share one top folder <prefix>/ ("archive" in recent torch,
 * the file's stem in older ones):
 *
 *   <prefix>/data.pkl        the pickled object (a dict of tensors)
 *   <prefix>/data/<key>      one raw storage each, native byte order
 *   <prefix>/byteorder       "little" (absent before torch 2.1)
 *   <prefix>/version         format version, decimal
 *
 * data.pkl goes through the restricted unpickler (la-torch-pickle.h); then
 * every tensor is checked: dtype known, contiguous (row-major strides, size
 * 1 dimensions excepted, as torch's is_contiguous), its elements inside its
 * storage and the storage inside its record. Tensors sharing a storage at
 * different offsets (views saved together) point into the same record.
 * Names are the dict keys, nested dicts joined with dots. Errors are
 * LA_ERROR_MODEL_INVALID naming the file and tensor.
 */

#ifndef __LA_TORCH_ZIP_H__
#define __LA_TORCH_ZIP_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

typedef struct _LaTorchZip LaTorchZip;

LaTorchZip     *la_torch_zip_open (const gchar * path, GError ** error);
LaTorchZip     *la_torch_zip_new_from_bytes (GBytes * bytes,
    const gchar * display_name, GError ** error);
void            la_torch_zip_free (LaTorchZip * tz);

const gchar    *la_torch_zip_get_name (LaTorchZip * tz);

/* tensors in the order the dict holds them */
guint           la_torch_zip_n_tensors (LaTorchZip * tz);
const LaCheckpointTensor *la_torch_zip_get (LaTorchZip * tz, guint i);
const LaCheckpointTensor *la_torch_zip_lookup (LaTorchZip * tz,
    const gchar * name);

G_END_DECLS

#endif /* __LA_TORCH_ZIP_H__ */
