/* liveavatar: CUDA device discovery (build without CUDA)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Stand-in used when meson found no CUDA: every query says so. */

#include "config.h"

#include "la-cuda-device.h"
#include "liveavatar.h"

gint
la_cuda_device_count (GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED, "built without CUDA");
  return -1;
}

gboolean
la_cuda_device_describe (gint index, gchar ** name, guint64 * total_bytes,
    GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED, "built without CUDA");
  return FALSE;
}

gboolean
la_cuda_device_get_memory_info (gint index, guint64 * total,
    guint64 * free_bytes, GError ** error)
{
  g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED, "built without CUDA");
  return FALSE;
}
