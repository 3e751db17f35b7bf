/* liveavatar: helpers shared by the model and reader test suites
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Deterministic random data, host copies of tensors and the error
 * measures the op and parity tests compare with. Everything g_assert()s
 * on failure, so a test reads as what it checks.
 */

#ifndef __TEST_COMMON_H__
#define __TEST_COMMON_H__

#include "la-backend.h"

G_BEGIN_DECLS

/* a deterministic stream of doubles in [-1, 1) (splitmix64) */
void            la_test_seed (guint64 seed);
gdouble         la_test_rnd (void);
/* @n values amp * la_test_rnd () (g_free) */
gfloat         *la_test_rnd_array (gsize n, gdouble amp);

/* max |a - b| / max |b| over @n values (max |a - b| when @b is all zero;
 * infinite if @a has a non-finite value) */
gdouble         la_test_rel_error (const gfloat * a, const gfloat * b,
    gsize n);

/* every |got - want| <= tol * (1 + |want|), else g_error () naming the
 * first element that is not */
void            la_test_assert_close (const gfloat * got,
    const gdouble * want, gsize n, gdouble tol);

/* the CPU backend (device 0) */
LaBackend      *la_test_cpu (void);

/* a new fp32 tensor on @be, holding @data when non-NULL */
LaTensor       *la_test_tensor_f32 (LaBackend * be, gint n_dims,
    const gint64 * ne, const gfloat * data);

/* a tensor's values on the host (g_free) */
gfloat         *la_test_download (const LaTensor * t);

/* @ok is FALSE and *@error is LA_ERROR_INVALID_ARGUMENT (then cleared) */
void            la_test_expect_invalid (gboolean ok, GError ** error);

/* A safetensors file built in memory (la-safetensors-writer.h), for
 * checkpoints a test writes or rewrites: add tensors, then finish. A tensor
 * the writer refuses (duplicate name, byte count not matching the shape)
 * fails the test. */
typedef struct _LaTestSafetensors LaTestSafetensors;

LaTestSafetensors *la_test_safetensors_new (void);
/* @dtype in safetensors spelling ("F32"); @nbytes of @data follow */
void            la_test_safetensors_add (LaTestSafetensors * st,
    const gchar * name, const gchar * dtype, gint ndim, const gint64 * shape,
    gconstpointer data, gsize nbytes);
/* the file (frees @st) */
GBytes         *la_test_safetensors_finish (LaTestSafetensors * st);

G_END_DECLS

#endif /* __TEST_COMMON_H__ */
