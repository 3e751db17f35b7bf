/* liveavatar: test helpers for the umT5 text encoder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The goldens and the tiny checkpoint of make_goldens.py, read with the
 * project's own checkpoint reader (the same one the encoder loads with),
 * and a small safetensors writer for checkpoints a test breaks on purpose.
 */

#ifndef __T5_TEST_UTIL_H__
#define __T5_TEST_UTIL_H__

#include "la-checkpoint.h"
#include "la-t5.h"
#include "test-common.h"

G_BEGIN_DECLS

/* tests/t5/data/<name>, tests/text/data/<name> (g_free) */
gchar          *t5_test_data_path (const gchar * name);
gchar          *t5_test_text_data_path (const gchar * name);

/* tests/t5/data/models_t5_umt5-xxl-enc-bf16.pth, goldens.safetensors */
LaCheckpoint   *t5_test_open_weights (void);
LaCheckpoint   *t5_test_open_goldens (void);

/* tensor @name of @ck, g_assert()ed to exist with @numel elements (-1:
 * any, *numel set when non-NULL) as new arrays (g_free) */
gfloat         *t5_test_f32 (LaCheckpoint * ck, const gchar * name,
    gint64 * numel);
gint32         *t5_test_i32 (LaCheckpoint * ck, const gchar * name,
    gint64 * numel);
/* an I32 0/1 golden mask as bytes */
guint8         *t5_test_mask (LaCheckpoint * ck, const gchar * name,
    gint64 * numel);

/* the tiny model's configuration, as make_goldens.py writes it */
void            t5_test_tiny_config (LaT5Config * config);

/* A safetensors file in memory: the tensors of @ck, except that @drop is
 * left out, @rename is written as @rename_to, only the first @rows rows of
 * @cut are kept and, when @extra is set, one more F32 [1] tensor of that
 * name is added (each may be NULL). */
GBytes         *t5_test_rewrite (LaCheckpoint * ck, const gchar * drop,
    const gchar * rename, const gchar * rename_to, const gchar * cut,
    gint64 rows, const gchar * extra);

G_END_DECLS

#endif /* __T5_TEST_UTIL_H__ */
