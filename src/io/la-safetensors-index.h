/* liveavatar: sharded safetensors (*.safetensors.index.json)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The index (as written by transformers / diffusers save_pretrained) is
 * {"metadata": {"total_size": N}, "weight_map": {"tensor": "shard file"}};
 * shard names are relative to the index's folder. Opening maps every shard
 * named, checks each one (la-safetensors.h) and that every tensor of the
 * weight map is in the shard it is mapped to; the result is one lookup
 * table over all shards. Tensors a shard holds beyond the weight map are
 * not listed, as the Python loaders ignore them too.
 */

#ifndef __LA_SAFETENSORS_INDEX_H__
#define __LA_SAFETENSORS_INDEX_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

/* index JSON larger than this is refused (Wan's is about 100 KB) */
#define LA_SAFETENSORS_INDEX_MAX_SIZE (64 * 1024 * 1024)

typedef struct _LaSafetensorsIndex LaSafetensorsIndex;

LaSafetensorsIndex *la_safetensors_index_open (const gchar * index_path,
    GError ** error);
void            la_safetensors_index_free (LaSafetensorsIndex * index);

guint           la_safetensors_index_n_shards (LaSafetensorsIndex * index);

/* the weight map's tensors, sorted by name */
guint           la_safetensors_index_n_tensors (LaSafetensorsIndex * index);
const LaCheckpointTensor *la_safetensors_index_get (LaSafetensorsIndex *
    index, guint i);
const LaCheckpointTensor *la_safetensors_index_lookup (LaSafetensorsIndex *
    index, const gchar * name);

G_END_DECLS

#endif /* __LA_SAFETENSORS_INDEX_H__ */
