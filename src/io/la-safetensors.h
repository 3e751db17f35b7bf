/* liveavatar: safetensors files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON
 * {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]},
 *  "__metadata__": {"key": "value"}}, then the data section; offsets are
 * relative to its start. Everything is checked on open (header size, JSON,
 * every field, shape products, offsets in range and matching the byte
 * count, no overlap or gap, data section size) so a tensor returned here
 * can be read without further checks. Errors are LA_ERROR_MODEL_INVALID
 * naming the file and the tensor.
 *
 * Usage:
 *
 *   LaSafetensors *st = la_safetensors_open ("model.safetensors", &err);
 *   const LaCheckpointTensor *t = la_safetensors_lookup (st, "head.bias");
 *   ...
 *   la_safetensors_free (st);       the tensors' data goes with it
 */

#ifndef __LA_SAFETENSORS_H__
#define __LA_SAFETENSORS_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

/* A header longer than this is refused (real ones are a few hundred KB). */
#define LA_SAFETENSORS_MAX_HEADER (100 * 1024 * 1024)

typedef struct _LaSafetensors LaSafetensors;

/* Maps @path (read-only, shared pages). */
LaSafetensors  *la_safetensors_open (const gchar * path, GError ** error);

/* Parses @bytes (kept referenced); @display_name names it in messages. */
LaSafetensors  *la_safetensors_new_from_bytes (GBytes * bytes,
    const gchar * display_name, GError ** error);

void            la_safetensors_free (LaSafetensors * st);

const gchar    *la_safetensors_get_name (LaSafetensors * st);

/* tensors in data-section order */
guint           la_safetensors_n_tensors (LaSafetensors * st);
const LaCheckpointTensor *la_safetensors_get (LaSafetensors * st, guint i);
const LaCheckpointTensor *la_safetensors_lookup (LaSafetensors * st,
    const gchar * name);

/* "__metadata__" entries (string values), NULL when absent */
const gchar    *la_safetensors_get_metadata (LaSafetensors * st,
    const gchar * key);

G_END_DECLS

#endif /* __LA_SAFETENSORS_H__ */
