/* liveavatar: the restricted unpickler for torch.save state dicts
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Interprets data.pkl of a torch.save archive without running anything: a
 * small stack machine for the opcodes pickle protocol 2 (torch's default;
 * the few protocol 4 framing opcodes too) emits for dicts, tuples, strings,
 * numbers and tensors, and a fixed list of callables it knows by name:
 *
 *   collections.OrderedDict              -> an empty dict
 *   torch._utils._rebuild_tensor_v2      -> a tensor on a typed storage
 *   torch._utils._rebuild_tensor_v3      -> a tensor on an untyped storage
 *                                           with an explicit dtype (fp8)
 *   torch._utils._rebuild_parameter[_with_state] -> its tensor
 *   torch.<X>Storage, torch.storage.UntypedStorage, torch.<dtype>
 *
 * Any other global, or any other opcode, is an error naming it. Storages
 * come from persistent ids ('storage', type, key, location, numel); their
 * bytes are the archive's data/<key> records, resolved by the caller.
 *
 * The result is the top-level dict flattened into tensor references with
 * dotted names ({"model": {"a.b": t}} gives "model.a.b"; integer keys are
 * written in decimal). Non-tensor values (epochs, strings, lists, None) are
 * skipped. Nothing is checked against storage sizes here: that is the
 * caller's job, which knows the records.
 */

#ifndef __LA_TORCH_PICKLE_H__
#define __LA_TORCH_PICKLE_H__

#include <glib.h>

#include "la-io-tensor.h"

G_BEGIN_DECLS

/* limits against hostile input */
#define LA_TORCH_PICKLE_MAX_SIZE    (64 * 1024 * 1024)
#define LA_TORCH_PICKLE_MAX_OBJECTS (1024 * 1024)
#define LA_TORCH_PICKLE_MAX_DEPTH   32

typedef struct
{
  gchar          *name;         /* flattened, dotted */
  LaIoDType       dtype;
  gint            ndim;
  gint64          shape[LA_IO_MAX_DIMS];
  gint64          stride[LA_IO_MAX_DIMS];       /* in elements */
  gint64          storage_offset;       /* in elements of dtype */
  gchar          *storage_key;  /* the record is <prefix>/data/<key> */
  LaIoDType       storage_dtype;        /* U8 for an untyped storage */
  gint64          storage_numel;        /* declared, in storage_dtype units */
} LaTorchTensorRef;

/* Returns a GPtrArray of LaTorchTensorRef (freed with the array), in the
 * order the dicts hold them. Errors are LA_ERROR_MODEL_INVALID prefixed
 * with @what. */
GPtrArray      *la_torch_pickle_load (const guint8 * data, gsize size,
    const gchar * what, GError ** error);

G_END_DECLS

#endif /* __LA_TORCH_PICKLE_H__ */
