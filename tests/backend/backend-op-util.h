/* liveavatar: what the op tables of the backend tests share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __BACKEND_OP_UTIL_H__
#define __BACKEND_OP_UTIL_H__

#include "la-backend.h"

G_BEGIN_DECLS

/* elements of a [ne[0], ..., ne[dims - 1]] tensor */
gint64          backend_test_count (gint dims, const gint64 * ne);

/* that many values offset + amp * la_test_rnd () (g_free) */
gfloat         *backend_test_values (gint dims, const gint64 * ne,
    gdouble amp, gdouble offset);

/* The shapes of a conv3d case from its knobs k = T, P (past frames),
 * Cin, Cout, H, W and geo = kernel[3], stride[3], pad[4]: x, past, w
 * (the spatial kernel dimensions merged) and y. */
void            backend_test_conv3d_shapes (const gint64 * k,
    const gint * geo, gint64 x_ne[4], gint64 p_ne[4], gint64 w_ne[4],
    gint64 y_ne[4]);
/* The same for conv1d: k = L, Cin, Cout, K; geo = stride, pad[2], groups */
void            backend_test_conv1d_shapes (const gint64 * k,
    const gint * geo, gint64 x_ne[2], gint64 w_ne[3], gint64 y_ne[2]);

/* Runs @op through its la_<op> () with @src in that function's argument
 * order (LaOpDesc's), absent optional ones NULL. @param is the op's one
 * float (eps, theta, scale, dt, clamp's lo), @param2 clamp's hi; @geo
 * conv3d's kernel[3], stride[3], pad[4] or conv1d's stride, pad[2],
 * groups. LA_OP_LINEAR_MIXED goes through la_linear (), which picks it
 * from the dtypes. */
gboolean        backend_test_run_op (LaBackend * be, LaOp op, LaTensor * y,
    LaTensor ** src, gfloat param, gfloat param2, const gint * geo,
    GError ** error);

G_END_DECLS

#endif /* __BACKEND_OP_UTIL_H__ */
