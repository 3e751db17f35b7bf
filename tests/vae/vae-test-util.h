/* liveavatar: test helpers for the video VAE (safetensors goldens)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A minimal safetensors reader for the files make_goldens.py writes (F32
 * and F8_E4M3 only), kept in the tests so that they do not depend on the
 * checkpoint readers of src/io; it also counts how often each tensor was
 * read, so a test can check that a model used every weight of a file.
 */

#ifndef __VAE_TEST_UTIL_H__
#define __VAE_TEST_UTIL_H__

#include "la-backend.h"
#include "la-vae.h"
#include "test-common.h"

G_BEGIN_DECLS

typedef struct _VaeTestFile VaeTestFile;

/* g_assert()s that the file exists and parses */
VaeTestFile    *vae_test_file_open (const gchar * path);
void            vae_test_file_free (VaeTestFile * file);

/* LaVaeReadFunc: tensor @name as new fp32 data, if it has @ndim dims equal
 * to @shape; NULL and LA_ERROR_MODEL_INVALID naming it otherwise */
gfloat         *vae_test_file_read_f32 (VaeTestFile * file,
    const gchar * name, gint ndim, const gint64 * shape, GError ** error);

/* names never read, or read more than once (NULL when none; g_free) */
gchar          *vae_test_file_misused (VaeTestFile * file);

/* tensor @name (at most 4 dims) on @backend, as stored */
LaTensor       *vae_test_file_tensor (VaeTestFile * file, LaBackend * backend,
    const gchar * name);

/* file @name of the data folder @dir (vae_test_file_open) */
VaeTestFile    *vae_test_data_open (const gchar * dir, const gchar * name);

/* the tiny VAE (dim 4) of @dir's weights.safetensors computing in @dtype,
 * its @parts on @backend; g_assert()s that it loads */
LaVae          *vae_test_tiny_vae_new (LaBackend * backend,
    const gchar * dir, LaVaeParts parts, LaDType dtype);

G_END_DECLS

#endif /* __VAE_TEST_UTIL_H__ */
