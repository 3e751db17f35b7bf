/* liveavatar: the reference picture a session animates
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A reference picture is immutable once made and shared by reference: the
 * session holds the one in force, and every block cut while it is in force
 * carries it through the stages, so a stage that meets a new serial knows
 * the conditioning changed at that block (Live Avatar: encode the picture
 * with the VAE and prefill the attention sink again).
 */

#ifndef __LA_REFERENCE_H__
#define __LA_REFERENCE_H__

#include "liveavatar.h"
#include "la-avatar.h"

G_BEGIN_DECLS

typedef struct
{
  gint ref_count;               /* atomic */
  guint serial;                 /* 1, 2, ... per session, in the order given */
  gint width, height;           /* the output size */
  guint8 *rgb;                  /* packed RGB, rows width * 3 bytes apart */
  /* model=liveavatar: the picture VAE-encoded (ref and motion latents),
   * made once by la_session_set_reference_image; NULL for the test model */
  LaAvatarCond *cond;
} LaReference;

/* Copies @height rows of @width RGB pixels, @stride bytes apart. */
LaReference *la_reference_new (const guint8 * rgb, gint width, gint height,
    gint stride, guint serial);
LaReference *la_reference_ref (LaReference * reference);
void la_reference_unref (LaReference * reference);

G_END_DECLS

#endif /* __LA_REFERENCE_H__ */
