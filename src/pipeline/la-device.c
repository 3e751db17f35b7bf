/* liveavatar: devices and device groups as plain values
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

#include <string.h>

#include "la-device.h"

const gchar *
la_device_kind_to_string (LaDeviceKind kind)
{
  switch (kind) {
    case LA_DEVICE_CPU:
      return "cpu";
    case LA_DEVICE_CUDA:
      return "cuda";
  }
  return "unknown";
}

gchar *
la_device_to_string (const LaDevice * device)
{
  g_return_val_if_fail (device != NULL, NULL);

  return g_strdup_printf ("%s:%u", la_device_kind_to_string (device->kind),
      device->index);
}

static gboolean
is_all_digits (const gchar * s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++) {
    if (!g_ascii_isdigit (*s))
      return FALSE;
  }
  return TRUE;
}

/* @s: digits only. Saturates instead of wrapping on absurdly long input. */
static guint64
parse_index (const gchar * s)
{
  guint64 value = 0;

  for (; *s; s++) {
    value = value * 10 + (guint64) (*s - '0');
    if (value > G_MAXUINT32)
      return G_MAXUINT64;
  }
  return value;
}

static gboolean
is_blank (const gchar * s)
{
  if (s == NULL)
    return TRUE;
  for (; *s; s++) {
    if (!g_ascii_isspace (*s))
      return FALSE;
  }
  return TRUE;
}

gboolean
la_device_list_parse (const gchar * str, const gchar * what,
    guint * indices, guint * n_indices, GError ** error)
{
  gchar **entries = NULL;
  gchar *entry = NULL;
  gboolean seen[LA_MAX_DEVICES] = { FALSE, };
  guint64 value = 0;
  guint n = 0, i;

  g_return_val_if_fail (what != NULL, FALSE);
  g_return_val_if_fail (indices != NULL, FALSE);
  g_return_val_if_fail (n_indices != NULL, FALSE);

  *n_indices = 0;
  if (is_blank (str))
    goto empty;

  entries = g_strsplit (str, ",", -1);
  for (i = 0; entries[i] != NULL; i++) {
    entry = g_strstrip (entries[i]);
    if (entry[0] == '\0')
      goto empty_entry;
    if (!is_all_digits (entry))
      goto not_an_index;
    value = parse_index (entry);
    if (value >= LA_MAX_DEVICES)
      goto out_of_range;
    if (seen[value])
      goto duplicate;
    seen[value] = TRUE;
    indices[n++] = (guint) value;
  }

  g_strfreev (entries);
  *n_indices = n;
  return TRUE;

  /* ERRORS */
empty:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "%s is empty: give comma-separated device indices, e.g. \"0\" or "
        "\"0,1,2,3\"", what);
    return FALSE;
  }
empty_entry:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "%s \"%s\": entry %u is empty (expected comma-separated device "
        "indices, e.g. \"0,1,2,3\")", what, str, i + 1);
    g_strfreev (entries);
    return FALSE;
  }
not_an_index:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "%s \"%s\": \"%s\" is not a device index (expected comma-separated "
        "non-negative integers, e.g. \"0,1,2,3\")", what, str, entry);
    g_strfreev (entries);
    return FALSE;
  }
out_of_range:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "%s \"%s\": device %s is out of range (at most %d)", what, str, entry,
        LA_MAX_DEVICES - 1);
    g_strfreev (entries);
    return FALSE;
  }
duplicate:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "%s \"%s\": device %u listed twice", what, str, (guint) value);
    g_strfreev (entries);
    return FALSE;
  }
}

gchar *
la_device_list_to_string (const guint * indices, guint n_indices)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n_indices; i++)
    g_string_append_printf (s, i ? ",%u" : "%u", indices[i]);
  return g_string_free (s, FALSE);
}

void
la_device_group_init (LaDeviceGroup * group, LaDeviceKind kind,
    const guint * indices, guint n_indices)
{
  guint i;

  g_return_if_fail (group != NULL);
  g_return_if_fail (n_indices <= LA_MAX_DEVICES);

  memset (group, 0, sizeof (*group));
  group->n_devices = n_indices;
  for (i = 0; i < n_indices; i++) {
    group->devices[i].kind = kind;
    group->devices[i].index = indices[i];
  }
  /* CPU virtual devices share memory; CUDA groups copy peer to peer for now
   * (NCCL comes with the real model) */
  group->transport = kind == LA_DEVICE_CPU ? "in-process" : "cuda-peer";
}
