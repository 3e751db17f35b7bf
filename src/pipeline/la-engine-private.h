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

/* LIVEAVATAR_CPU_PER_DEVICE_WEIGHTS=1: on the CPU backend, load the model
 * once per virtual device the stages use, each on its own backend, as on
 * CUDA (unset or 0: one shared copy). Slower to load and bigger; it runs
 * the CUDA placement (who loads what, which avatar each stage uses, the
 * host hand-over) where tests can hold it to the shared run byte for
 * byte, and its memory per device to the plan. */
#define LA_ENGINE_CPU_PER_DEVICE_ENV "LIVEAVATAR_CPU_PER_DEVICE_WEIGHTS"

/* model=liveavatar: a device that holds weights, its backend and the avatar
 * of what runs there */
typedef struct
{
  guint index;                  /* CPU virtual index or CUDA ordinal */
  LaBackend *backend;
  LaAvatar *avatar;
  gboolean holds_dit;           /* a DiT stage computes here */
  gboolean holds_vae;           /* the vae-device: VAE, encoders, picture */
} LaEngineDevice;

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

  /* model=liveavatar: the weights, loaded once per device that runs part
   * of the model and shared read-only by every session and every thread
   * running there (la-avatar.h allows that; la-backend.h lets threads
   * share a backend). Shared CPU weights: one device, everything. */
  gboolean per_device;          /* CUDA, or the CPU variable above */
  guint n_devices;
  LaEngineDevice devices[LA_MAX_DEVICES + 1];
  /* offload=true with weights per device: a CPU backend of the engine's
   * own where umT5 lives and prompts are encoded (the vae-device's avatar
   * borrows it), so the text encoder takes no device memory; NULL
   * otherwise */
  LaBackend *text_backend;
  /* the vae-device's (borrowed from devices[]): wav2vec2 (the audio
   * stage), umT5 (the prompt worker), the picture's encode (the caller),
   * the decoder (the VAE stage) */
  LaBackend *backend;
  LaAvatar *avatar;
  /* DiT stage k's (borrowed): its Ulysses group's first device, where the
   * whole group's work is computed for now */
  LaAvatar *stage_avatar[LA_MAX_DEVICES];
  LaAudioWindow audio_window;   /* the front-end's look-back, look-ahead */
};

G_END_DECLS

#endif /* __LA_ENGINE_PRIVATE_H__ */
