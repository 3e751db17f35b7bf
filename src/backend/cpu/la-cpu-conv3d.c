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
 * OW output columns kept in vector accumulators (la-cpu-vec.h): each input
 * vector loaded serves OC channels, each weight OW columns. Channels past
 * cout use zero weights and columns past wo read the scratch's zero tail;
 * neither is stored. Each lane is its own fp32 sum in the order above, so
 * the vector width changes no result: the AVX2 clone (no FMA, so no
 * contraction) and the baseline one agree bit for bit. Items run on
 * several threads when the convolution is big enough to pay for them; an
 * item's result does not depend on which thread runs it. */

#include "config.h"

#include "la-cpu-ops.h"
#include "la-cpu-vec.h"

#include <string.h>

#define ROWS_PER_BAND 8
#define OC 4                    /* output channels per tile */
#define OW 16                   /* output columns per tile: two vectors */
#define VW LA_VW

typedef LaV8 V8;
typedef LaV8u V8u;
#define SPLAT LA_SPLAT

typedef struct
{
  gfloat *y;
  const gfloat *x, *past, *w, *bias;
  gint64 p, cin, h, wd, cout, ho, wo, n_bands;
  gint64 wp;                    /* scratch row length: padded, tail zeros */
  LaConv3dParams prm;
} Conv3d;

#define MAX_TAPS 64             /* kh * kw of the vector path */

static const gfloat zero_taps[MAX_TAPS] = { 0.0f };

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

        if (iy >= 0 && iy < c->h) {
          memset (dst, 0, (gsize) left * sizeof (gfloat));
          memcpy (dst + left, frame + (ci * c->h + iy) * c->wd,
              (gsize) c->wd * sizeof (gfloat));
          memset (dst + left + c->wd, 0, (gsize) (c->wp - left - c->wd)
              * sizeof (gfloat));
        } else {
          memset (dst, 0, (gsize) c->wp * sizeof (gfloat));
        }
      }
    }
  }
}

/* An OC x OW tile at column stride 1: channels [co, co + n_co), columns
 * [ox, ox + n_ox) are stored. @in points at the scratch row of (dt 0,
 * ci 0, dy 0) for output row @oy. */
static LA_INLINE void
tile_vec (const Conv3d * c, const gfloat * in, gint64 rows, gint64 oy,
    gint64 co, gint64 n_co, gint64 ox, gint64 n_ox)
{
  const gint *k = c->prm.kernel;
  gint64 kt = k[0], kh = k[1], kw = k[2], taps = kh * kw;
  gint64 ktaps = kt * taps, plane = rows * c->wp, ch = c->ho * c->wo;
  gint64 j, a, dt, ci, dy, dx;
  V8 acc[OC][OW / VW];
  gfloat out[OW];

  for (a = 0; a < OC; a++) {
    gfloat b = a < n_co && c->bias ? c->bias[co + a] : 0.0f;

    for (j = 0; j < OW / VW; j++)
      acc[a][j] = SPLAT (b);
  }

  for (dt = 0; dt < kt; dt++) {
    for (ci = 0; ci < c->cin; ci++) {
      const gfloat *w0 = c->w + (co * c->cin + ci) * ktaps + dt * taps;
      const gfloat *w1 = n_co > 1 ? w0 + c->cin * ktaps : zero_taps;
      const gfloat *w2 = n_co > 2 ? w0 + 2 * c->cin * ktaps : zero_taps;
      const gfloat *w3 = n_co > 3 ? w0 + 3 * c->cin * ktaps : zero_taps;
      const gfloat *src = in + (dt * c->cin + ci) * plane + ox;

      for (dy = 0; dy < kh; dy++) {
        for (dx = 0; dx < kw; dx++) {
          const gfloat *r = src + dy * c->wp + dx;
          gint64 t = dy * kw + dx;
          V8 x0 = *(const V8u *) r, x1 = *(const V8u *) (r + VW);
          V8 v0 = SPLAT (w0[t]), v1 = SPLAT (w1[t]);
          V8 v2 = SPLAT (w2[t]), v3 = SPLAT (w3[t]);

          acc[0][0] += v0 * x0;
          acc[0][1] += v0 * x1;
          acc[1][0] += v1 * x0;
          acc[1][1] += v1 * x1;
          acc[2][0] += v2 * x0;
          acc[2][1] += v2 * x1;
          acc[3][0] += v3 * x0;
          acc[3][1] += v3 * x1;
        }
      }
    }
  }

  for (a = 0; a < n_co; a++) {
    gfloat *y_r = c->y + (co + a) * ch + oy * c->wo + ox;

    memcpy (out, &acc[a][0], sizeof (V8));
    memcpy (out + VW, &acc[a][1], sizeof (V8));
    memcpy (y_r, out, (gsize) n_ox * sizeof (gfloat));
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

/* cloned for AVX2 so that the inlined tiles use 8-lane vectors */
static LA_CPU_CLONES void
conv3d_items (gpointer data, gint64 begin, gint64 end)
{
  const Conv3d *c = data;
  gint64 sh = c->prm.stride[1], kh = c->prm.kernel[1];
  gint64 max_rows = (ROWS_PER_BAND - 1) * sh + kh;
  gfloat *scratch = g_new (gfloat, c->prm.kernel[0] * c->cin * max_rows
      * c->wp);
  gboolean k_small = c->prm.kernel[1] * c->prm.kernel[2] <= MAX_TAPS;
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

          if (c->prm.stride[2] == 1 && k_small)
            tile_vec (&oc, in, rows, oy, co, MIN (OC, c->cout - co), ox,
                MIN (OW, c->wo - ox));
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
  /* the vector path reads whole OW tiles: room for the last one */
  gint64 wp = MAX (wd + prm->pad[2] + prm->pad[3],
      (wo + OW - 1) / OW * OW + prm->kernel[2] - 1);
  Conv3d c = { y, x, past, w, bias, p, cin, h, wd, cout, ho, wo,
    (ho + ROWS_PER_BAND - 1) / ROWS_PER_BAND, wp, *prm
  };
  gint64 macs = to * cout * ho * wo * cin * prm->kernel[0]
      * prm->kernel[1] * prm->kernel[2];

  la_cpu_parallel_for (to * c.n_bands, macs, conv3d_items, &c);
}
