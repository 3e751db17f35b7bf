/* liveavatar: CUDA device discovery (CUDA build)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Talks to the CUDA runtime only through cudaGetDeviceCount,
 * cudaGetDeviceProperties and cudaMemGetInfo. A machine without a driver or without a GPU
 * answers "0 devices": the runtime reports that as an error code, which is
 * cleared here so that the next CUDA call does not inherit it. */

#include "config.h"

#include "la-cuda-device.h"
#include "liveavatar.h"

#include <cuda_runtime.h>

gint
la_cuda_device_count (GError ** error)
{
  int count = 0;
  cudaError_t err;

  err = cudaGetDeviceCount (&count);
  if (err != cudaSuccess) {
    /* cudaErrorNoDevice, cudaErrorInsufficientDriver, ...: no usable GPU */
    g_debug ("cudaGetDeviceCount: %s", cudaGetErrorString (err));
    (void) cudaGetLastError ();
    return 0;
  }
  return count;
}

/* FALSE and @error unless device @index exists */
static gboolean
check_index (gint index, GError ** error)
{
  gint count = la_cuda_device_count (NULL);

  if (index >= 0 && index < count)
    return TRUE;
  g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
      "CUDA device %d does not exist (%d device(s) present)", index, count);
  return FALSE;
}

/* FALSE and @error for @call on device @index failing with @err */
static gboolean
driver_error (const gchar * call, gint index, cudaError_t err, GError ** error)
{
  (void) cudaGetLastError ();
  g_set_error (error, LA_ERROR, LA_ERROR_DEVICE, "%s (%d): %s", call, index,
      cudaGetErrorString (err));
  return FALSE;
}

gboolean
la_cuda_device_describe (gint index, gchar ** name, guint64 * total_bytes,
    GError ** error)
{
  struct cudaDeviceProp prop;
  cudaError_t err;

  if (!check_index (index, error))
    return FALSE;

  err = cudaGetDeviceProperties (&prop, index);
  if (err != cudaSuccess)
    return driver_error ("cudaGetDeviceProperties", index, err, error);

  if (name)
    *name = g_strndup (prop.name, sizeof (prop.name));
  if (total_bytes)
    *total_bytes = prop.totalGlobalMem;
  return TRUE;
}

gboolean
la_cuda_device_get_memory_info (gint index, guint64 * total,
    guint64 * free_bytes, GError ** error)
{
  size_t f = 0, t = 0;
  cudaError_t err;
  int previous = -1;

  if (!check_index (index, error))
    return FALSE;

  /* cudaMemGetInfo answers for the current device, which is per thread:
   * switch, ask, and put the caller's back */
  if (cudaGetDevice (&previous) != cudaSuccess)
    previous = -1;
  err = cudaSetDevice (index);
  if (err == cudaSuccess)
    err = cudaMemGetInfo (&f, &t);
  if (previous >= 0 && previous != index)
    (void) cudaSetDevice (previous);
  if (err != cudaSuccess)
    return driver_error ("cudaMemGetInfo", index, err, error);

  if (total)
    *total = t;
  if (free_bytes)
    *free_bytes = f;
  return TRUE;
}
