/* liveavatar: CUDA device discovery, usable whether or not CUDA was built
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __LA_CUDA_DEVICE_H__
#define __LA_CUDA_DEVICE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Number of CUDA devices, 0 when the driver is absent or sees none.
 * Returns -1 and sets @error (LA_ERROR_NOT_SUPPORTED) when this build has no
 * CUDA backend. Never aborts on a machine without a GPU. */
gint la_cuda_device_count (GError ** error);

/* Name and memory of device @index, for messages; FALSE and @error if the
 * device does not exist. */
gboolean la_cuda_device_describe (gint index, gchar ** name,
    guint64 * total_bytes, GError ** error);

/* Free and total memory of device @index as the driver reports them now
 * (cudaMemGetInfo; the calling thread's current device is left as it
 * was). Either pointer may be NULL. FALSE and @error (LA_ERROR_DEVICE, or
 * LA_ERROR_NOT_SUPPORTED without CUDA) otherwise. */
gboolean la_cuda_device_get_memory_info (gint index, guint64 * total,
    guint64 * free_bytes, GError ** error);

G_END_DECLS

#endif /* __LA_CUDA_DEVICE_H__ */
