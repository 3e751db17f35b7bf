/* liveavatar: CPU reference: conv1d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* nn.Conv1d over time, grouped, zero padded (wav2vec2's feature extractor
 * and its positional convolution):
 *   y[t, co] = bias[co] + sum_{k < K, ci < Cin / G} w[co, ci, k]
 *              * x[t * stride + k - pad[0], g * (Cin / G) + ci]
 *   x    [l, cin]      time-major: one frame's channels are contiguous
 *   w    [cout, cin / G, kernel]   PyTorch's layout
 *   bias [cout] or NULL
 *   y    [lo, cout]
 * with g = co / (cout / G); taps before the start or past the end read
 * zero. Output frames are independent, so they are split over threads. */

#include "config.h"

#include "la-cpu-ops.h"

typedef struct
{
  gfloat *y;
  const gfloat *x, *w, *bias;
  gint64 l, cin, cout, kernel;
  const LaConv1dParams *p;
} Conv1d;

static void
conv1d_range (gpointer data, gint64 begin, gint64 end)
{
  const Conv1d *c = data;
  gint64 cin_g = c->cin / c->p->groups, cout_g = c->cout / c->p->groups;
  gint64 t, co, k, ci;

  for (t = begin; t < end; t++) {
    gint64 first = t * c->p->stride - c->p->pad[0];
    gfloat *y_t = c->y + t * c->cout;

    for (co = 0; co < c->cout; co++) {
      const gfloat *w_o = c->w + co * cin_g * c->kernel;
      gint64 ch0 = (co / cout_g) * cin_g;
      gfloat acc = c->bias ? c->bias[co] : 0.0f;

      for (k = 0; k < c->kernel; k++) {
        gint64 src = first + k;
        const gfloat *x_s;

        if (src < 0 || src >= c->l)
          continue;
        x_s = c->x + src * c->cin + ch0;
        for (ci = 0; ci < cin_g; ci++)
          acc += w_o[ci * c->kernel + k] * x_s[ci];
      }
      y_t[co] = acc;
    }
  }
}

void
la_cpu_conv1d (gfloat * y, const gfloat * x, const gfloat * w,
    const gfloat * bias, gint64 l, gint64 cin, gint64 lo, gint64 cout,
    gint64 kernel, const LaConv1dParams * params)
{
  Conv1d c = { y, x, w, bias, l, cin, cout, kernel, params };

  la_cpu_parallel_for (lo, lo * cout * (cin / params->groups) * kernel,
      conv1d_range, &c);
}
