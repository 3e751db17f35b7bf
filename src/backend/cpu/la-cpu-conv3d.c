/* liveavatar: CPU reference: conv3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Causal 3D convolution over concat (past, x) in time, zero padding in
 * space:
 *   y[to, co, oy, ox] = bias[co] + sum_{dt, ci, dy, dx}
 *       w[co, ci, dt, dy * kw + dx] * in[to * st + dt, ci, iy, ix]
 *   iy = oy * sh + dy - top, ix = ox * sw + dx - left (zero outside)
 *   past [P, Cin, H, W], x [T, Cin, H, W]: in = past's frames, then x's
 *   w    [Cout, Cin, kt, kh * kw]   (PyTorch's Conv3d layout)
 *   y    [To, Cout, Ho, Wo]
 * Every output sums its taps in that order (dt, ci, dy, dx), in fp32.
 *
 * Work items are (output frame, band of output rows). An item first copies
 * the input rows its band reads into a zero-bordered scratch, so the inner
 * loops need no bounds checks, then computes tiles of OC output channels x
 * OW output columns kept in local accumulators: each input value loaded
 * serves OC channels, each weight OW columns. Items run on several threads
 * when the convolution is big enough to pay for them; an item's result
 * does not depend on which thread runs it. */

#include "config.h"

#include "la-cpu-ops.h"

#include <string.h>

#define ROWS_PER_BAND 8
#define OC 4                    /* output channels per tile */
#define OW 8                    /* output columns per tile */

typedef struct
{
  gfloat *y;
  const gfloat *x, *past, *w, *bias;
  gint64 p, cin, h, wd, cout, ho, wo, n_bands;
  gint64 wp;                    /* padded row length */
  LaConv3dParams prm;
} Conv3d;

/* Input rows [iy0, iy0 + rows) of frames to * st .. + kt - 1, every
 * channel, with left/right zero columns and zero rows outside the picture:
 * scratch [kt][cin][rows][wp]. */
static void
fill_scratch (const Conv3d * c, gfloat * s, gint64 o, gint64 iy0, gint64 rows)
{
  const gint *k = c->prm.kernel;
  gint64 frame_size = c->cin * c->h * c->wd, left = c->prm.pad[2];
  gint64 dt, ci, r;

  for (dt = 0; dt < k[0]; dt++) {
    gint64 ti = o * c->prm.stride[0] + dt;
    const gfloat *frame = ti < c->p ? c->past + ti * frame_size
        : c->x + (ti - c->p) * frame_size;

    for (ci = 0; ci < c->cin; ci++) {
      for (r = 0; r < rows; r++) {
        gfloat *dst = s + ((dt * c->cin + ci) * rows + r) * c->wp;
        gint64 iy = iy0 + r;

        memset (dst, 0, (gsize) c->wp * sizeof (gfloat));
        if (iy >= 0 && iy < c->h)
          memcpy (dst + left, frame + (ci * c->h + iy) * c->wd,
              (gsize) c->wd * sizeof (gfloat));
      }
    }
  }
}

/* tile () for a whole OC x OW tile at column stride 1, the common case:
 * separate accumulator rows and hoisted weight pointers let the compiler
 * keep the tile in vector registers */
static inline void
tile_full (const Conv3d * c, const gfloat * in, gint64 rows, gint64 oy,
    gint64 co, gint64 ox)
{
  const gint *k = c->prm.kernel;
  gint64 ktaps = (gint64) k[0] * k[1] * k[2], plane = rows * c->wp;
  gint64 w_stride = c->cin * ktaps, j, dt, ci, dy, dx;
  gfloat acc0[OW], acc1[OW], acc2[OW], acc3[OW];
  gfloat b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;

  if (c->bias) {
    b0 = c->bias[co];
    b1 = c->bias[co + 1];
    b2 = c->bias[co + 2];
    b3 = c->bias[co + 3];
  }
  for (j = 0; j < OW; j++) {
    acc0[j] = b0;
    acc1[j] = b1;
    acc2[j] = b2;
    acc3[j] = b3;
  }

  for (dt = 0; dt < k[0]; dt++) {
    for (ci = 0; ci < c->cin; ci++) {
      const gfloat *w0 = c->w + (co * c->cin + ci) * ktaps + dt * k[1] * k[2];
      const gfloat *w1 = w0 + w_stride, *w2 = w1 + w_stride;
      const gfloat *w3 = w2 + w_stride;

      for (dy = 0; dy < k[1]; dy++) {
        const gfloat *row = in + (dt * c->cin + ci) * plane + dy * c->wp + ox;

        for (dx = 0; dx < k[2]; dx++) {
          const gfloat *r = row + dx;
          gint64 t = dy * k[2] + dx;
          gfloat v0 = w0[t], v1 = w1[t], v2 = w2[t], v3 = w3[t];

          for (j = 0; j < OW; j++) {
            acc0[j] += v0 * r[j];
            acc1[j] += v1 * r[j];
            acc2[j] += v2 * r[j];
            acc3[j] += v3 * r[j];
          }
        }
      }
    }
  }

  for (j = 0; j < OW; j++) {
    gfloat *y_r = c->y + (co * c->ho + oy) * c->wo + ox + j;
    gint64 ch = c->ho * c->wo;

    y_r[0] = acc0[j];
    y_r[ch] = acc1[j];
    y_r[2 * ch] = acc2[j];
    y_r[3 * ch] = acc3[j];
  }
}

/* One output row segment: channels [co, co + n_co), columns
 * [ox, ox + n_ox), n_co <= OC and n_ox <= OW. @in points at the scratch
 * row of (dt 0, ci 0, dy 0) for this output row. */
static inline void
tile (const Conv3d * c, const gfloat * in, gint64 rows, gint64 oy,
    gint64 co, gint64 n_co, gint64 ox, gint64 n_ox)
{
  const gint *k = c->prm.kernel;
  gint64 sw = c->prm.stride[2], ktaps = (gint64) k[0] * k[1] * k[2];
  gint64 plane = rows * c->wp;
  gfloat acc[OC][OW];
  gint64 a, j, dt, ci, dy, dx;

  for (a = 0; a < OC; a++)
    for (j = 0; j < OW; j++)
      acc[a][j] = a < n_co && c->bias ? c->bias[co + a] : 0.0f;

  for (dt = 0; dt < k[0]; dt++) {
    for (ci = 0; ci < c->cin; ci++) {
      const gfloat *w_ci = c->w + (co * c->cin + ci) * ktaps + dt * k[1]
          * k[2];

      for (dy = 0; dy < k[1]; dy++) {
        const gfloat *row = in + (dt * c->cin + ci) * plane + dy * c->wp
            + ox * sw;

        for (dx = 0; dx < k[2]; dx++) {
          const gfloat *r = row + dx;
          gfloat wv[OC];

          for (a = 0; a < OC; a++)
            wv[a] = a < n_co ? w_ci[a * c->cin * ktaps + dy * k[2] + dx]
                : 0.0f;
          for (a = 0; a < OC; a++)
            for (j = 0; j < n_ox; j++)
              acc[a][j] += wv[a] * r[j * sw];
        }
      }
    }
  }

  for (a = 0; a < n_co; a++) {
    gfloat *y_r = c->y + ((co + a) * c->ho + oy) * c->wo + ox;

    for (j = 0; j < n_ox; j++)
      y_r[j] = acc[a][j];
  }
}

static void
conv3d_items (gpointer data, gint64 begin, gint64 end)
{
  const Conv3d *c = data;
  gint64 sh = c->prm.stride[1], kh = c->prm.kernel[1];
  gint64 max_rows = (ROWS_PER_BAND - 1) * sh + kh;
  gfloat *scratch = g_new (gfloat, c->prm.kernel[0] * c->cin * max_rows
      * c->wp);
  gint64 item, co, oy, ox;

  for (item = begin; item < end; item++) {
    gint64 o = item / c->n_bands, band = item % c->n_bands;
    gint64 oy0 = band * ROWS_PER_BAND;
    gint64 oy1 = MIN (oy0 + ROWS_PER_BAND, c->ho);
    gint64 rows = (oy1 - oy0 - 1) * sh + kh;
    Conv3d oc = *c;

    fill_scratch (c, scratch, o, oy0 * sh - c->prm.pad[0], rows);
    oc.y = c->y + o * c->cout * c->ho * c->wo;
    for (co = 0; co < c->cout; co += OC)
      for (oy = oy0; oy < oy1; oy++)
        for (ox = 0; ox < c->wo; ox += OW) {
          const gfloat *in = scratch + (oy - oy0) * sh * c->wp;

          if (co + OC <= c->cout && ox + OW <= c->wo && c->prm.stride[2] == 1)
            tile_full (&oc, in, rows, oy, co, ox);
          else
            tile (&oc, in, rows, oy, co, MIN (OC, c->cout - co), ox,
                MIN (OW, c->wo - ox));
        }
  }
  g_free (scratch);
}

void
la_cpu_conv3d (gfloat * y, const gfloat * x, const gfloat * past,
    const gfloat * w, const gfloat * bias, gint64 t, gint64 p, gint64 cin,
    gint64 h, gint64 wd, gint64 to, gint64 cout, gint64 ho, gint64 wo,
    const LaConv3dParams * prm)
{
  Conv3d c = { y, x, past, w, bias, p, cin, h, wd, cout, ho, wo,
    (ho + ROWS_PER_BAND - 1) / ROWS_PER_BAND,
    wd + prm->pad[2] + prm->pad[3], *prm
  };
  gint64 macs = to * cout * ho * wo * cin * prm->kernel[0]
      * prm->kernel[1] * prm->kernel[2];

  la_cpu_parallel_for (to * c.n_bands, macs, conv3d_items, &c);
}
