/* liveavatar: devices and device groups as plain values
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A device is a kind and an index; nothing is opened here. On the CPU
 * backend devices are "virtual": stage threads in this process, which is
 * how the multi-GPU placement logic runs (and is tested) without GPUs.
 * A device group is the set of devices one DiT stage runs on (its Ulysses
 * group) plus the transport that joins them.
 */

#ifndef __LA_DEVICE_H__
#define __LA_DEVICE_H__

#include <glib.h>

#include "liveavatar.h"

G_BEGIN_DECLS

typedef enum
{
  LA_DEVICE_CPU,                /* virtual device: any index is valid */
  LA_DEVICE_CUDA                /* CUDA ordinal */
} LaDeviceKind;

typedef struct
{
  LaDeviceKind kind;
  guint index;
} LaDevice;

typedef struct
{
  guint n_devices;
  LaDevice devices[LA_MAX_DEVICES];
  const gchar *transport;       /* static string: "in-process", "cuda-peer" */
} LaDeviceGroup;

const gchar *la_device_kind_to_string (LaDeviceKind kind);

/* "cpu:2", "cuda:0"; g_free the result */
gchar *la_device_to_string (const LaDevice * device);

/* Parses a device list such as "0,1,2,3" (spaces around entries allowed).
 * Every entry must be a non-negative integer below LA_MAX_DEVICES and
 * appear once. @what names the setting in messages ("dit-devices").
 * On success fills @indices (room for LA_MAX_DEVICES) and @n_indices.
 * Errors are LA_ERROR_DEVICE and quote the string. */
gboolean la_device_list_parse (const gchar * str, const gchar * what,
    guint * indices, guint * n_indices, GError ** error);

/* "0,1,2,3": the canonical spelling of a parsed list; g_free the result */
gchar *la_device_list_to_string (const guint * indices, guint n_indices);

/* A group of @n_indices devices of @kind; the transport follows the kind. */
void la_device_group_init (LaDeviceGroup * group, LaDeviceKind kind,
    const guint * indices, guint n_indices);

G_END_DECLS

#endif /* __LA_DEVICE_H__ */
