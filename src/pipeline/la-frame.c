/* liveavatar: refcounted output frames
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "la-frame.h"

typedef struct
{
  LaFrame frame;                /* first: a LaFrame * is a LaFramePriv * */
  gint refcount;
  LaBlockStats *block_stats;    /* the first frame of a block only */
} LaFramePriv;

gsize
la_frame_size_for_format (LaPixelFormat format, gint width, gint height)
{
  gsize pixels = (gsize) width * (gsize) height;

  switch (format) {
    case LA_PIXEL_FORMAT_RGB:
      return pixels * 3;
    case LA_PIXEL_FORMAT_RGBA:
      return pixels * 4;
    case LA_PIXEL_FORMAT_I420:
      return pixels + 2 * (pixels / 4);
  }
  return 0;
}

LaFrame *
la_frame_new (LaPixelFormat format, gint width, gint height)
{
  LaFramePriv *priv;
  LaFrame *f;

  g_return_val_if_fail (width > 0 && width % 2 == 0, NULL);
  g_return_val_if_fail (height > 0 && height % 2 == 0, NULL);

  priv = g_new0 (LaFramePriv, 1);
  priv->refcount = 1;
  f = &priv->frame;
  f->format = format;
  f->width = width;
  f->height = height;
  f->size = la_frame_size_for_format (format, width, height);
  f->data = g_malloc (f->size);

  switch (format) {
    case LA_PIXEL_FORMAT_RGB:
      f->stride[0] = width * 3;
      break;
    case LA_PIXEL_FORMAT_RGBA:
      f->stride[0] = width * 4;
      break;
    case LA_PIXEL_FORMAT_I420:
      f->stride[0] = width;
      f->stride[1] = width / 2;
      f->stride[2] = width / 2;
      f->offset[1] = (gsize) width *height;
      f->offset[2] = f->offset[1] + (gsize) (width / 2) * (height / 2);
      break;
  }
  return f;
}

LaFrame *
la_frame_ref (LaFrame * frame)
{
  LaFramePriv *priv = (LaFramePriv *) frame;

  g_return_val_if_fail (frame != NULL, NULL);

  g_atomic_int_inc (&priv->refcount);
  return frame;
}

void
la_frame_unref (LaFrame * frame)
{
  LaFramePriv *priv = (LaFramePriv *) frame;

  g_return_if_fail (frame != NULL);

  if (g_atomic_int_dec_and_test (&priv->refcount)) {
    g_free (frame->data);
    g_free (priv->block_stats);
    g_free (priv);
  }
}

void
la_frame_set_block_stats (LaFrame * frame, const LaBlockStats * stats)
{
  LaFramePriv *priv = (LaFramePriv *) frame;

  g_return_if_fail (frame != NULL);
  g_return_if_fail (stats != NULL);

  g_free (priv->block_stats);
  priv->block_stats = g_memdup2 (stats, sizeof (*stats));
}

gboolean
la_frame_get_block_stats (const LaFrame * frame, LaBlockStats * stats)
{
  const LaFramePriv *priv = (const LaFramePriv *) frame;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (priv->block_stats == NULL)
    return FALSE;
  *stats = *priv->block_stats;
  return TRUE;
}
