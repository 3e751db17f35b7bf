/* liveavatar: engine internals shared with the session
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __LA_ENGINE_PRIVATE_H__
#define __LA_ENGINE_PRIVATE_H__

#include "liveavatar.h"
#include "la-audio-frontend.h"
#include "la-avatar.h"
#include "la-device.h"

G_BEGIN_DECLS

/* Immutable once la_engine_new returns, so sessions read it without a lock. */
struct _LaEngine
{
  LaEngineConfig config;        /* resolved: backend, devices, vae_device */
  gchar *model_path;            /* owned strings config points to */
  gchar *dit_devices;

  LaDeviceKind device_kind;
  guint n_dit_stages;
  LaDeviceGroup stage_groups[LA_MAX_DEVICES];   /* one per DiT stage */
  LaDevice vae_device;
  guint lookahead_samples;
  gulong test_step_delay_us;    /* model=test: simulated time per step */

  /* model=liveavatar: the weights, loaded once and shared read-only by
   * every session and every stage thread (la-avatar.h allows that) */
  LaBackend *backend;
  LaAvatar *avatar;
  LaAudioWindow audio_window;   /* the front-end's look-back, look-ahead */
};

G_END_DECLS

#endif /* __LA_ENGINE_PRIVATE_H__ */
