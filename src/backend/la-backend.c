/* liveavatar: generic backend, buffer and tensor functions
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Checks arguments, then dispatches through the backend's iface. Nothing
 * here touches device memory directly; it only counts it: every buffer
 * made and freed here moves its backend's byte counters (and, for the
 * CPU, the process-wide total that the virtual devices' free memory is
 * reported from). The counters are atomic, read without the lock.
 *
 * Threads: the engine's stage threads, its prompt worker and the caller
 * share a backend, so every entry into the iface (here and in la-ops.c)
 * holds the backend's recursive lock: the backends keep one stream, a
 * scratch buffer and library handles that one caller at a time may use.
 * The lock is recursive because a backend's own code may come back in
 * (a launcher allocating through la_buffer_new ()), and so that a caller
 * can hold it around a sequence.
 *
 * The faster design, later: one backend (stream) per stage thread on a
 * device, so that one thread's download does not stall the others'
 * kernels. It needs (1) weights allocated once per device and readable
 * from every stream of it: a device-level buffer owner that the backends
 * of that device share, freed after the last of them; (2) per-stream
 * scratch and cuBLASLt workspace (already per backend); (3) ordering
 * between streams where one thread's output feeds another's input on the
 * device (an event recorded after the producer's op, waited on by the
 * consumer's stream) instead of the host hand-over of today; (4) the byte
 * counters split into the device's shared weights and each stream's own
 * buffers, which the memory plan already separates. */

#include "config.h"

#include "la-backend-impl.h"
#include "liveavatar.h"
#include "cuda/la-cuda-device.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* the variable that lets a CPU virtual device play a smaller device */
#define CPU_MEMORY_ENV "LIVEAVATAR_CPU_DEVICE_MEMORY"

/* The LaBackend the iface code sees, with the counters behind it: kept
 * here so that la-backend-impl.h and the backends need not know. Only
 * la_backend_new () makes backends, so every LaBackend is one of these. */
typedef struct
{
  LaBackend backend;            /* first: a LaBackend * is a Counted * */
  atomic_uint_least64_t allocated;
  atomic_uint_least64_t peak;
  atomic_uint_least64_t n_allocations;
  GRecMutex lock;               /* la_backend_lock () */
} Counted;

/* bytes in the buffers of every CPU backend of the process */
static atomic_uint_least64_t cpu_held;

static Counted *
counted (LaBackend * backend)
{
  return (Counted *) backend;
}

static void
count_alloc (LaBackend * backend, guint64 size)
{
  Counted *c = counted (backend);
  guint64 now, peak;

  atomic_fetch_add (&c->n_allocations, 1);
  now = atomic_fetch_add (&c->allocated, size) + size;
  peak = atomic_load (&c->peak);
  while (now > peak && !atomic_compare_exchange_weak (&c->peak, &peak, now));
  if (backend->device.kind == LA_BACKEND_CPU)
    atomic_fetch_add (&cpu_held, size);
}

static void
count_free (LaBackend * backend, guint64 size)
{
  atomic_fetch_sub (&counted (backend)->allocated, size);
  if (backend->device.kind == LA_BACKEND_CPU)
    atomic_fetch_sub (&cpu_held, size);
}

/* ---- backend ---- */

LaBackend *
la_backend_new (LaBackendKind kind, gint device, GError ** error)
{
  LaBackend *backend;
  gboolean ok = FALSE;

  if (device < 0)
    goto bad_device;

  if (kind == LA_BACKEND_AUTO) {
#if LA_HAVE_CUDA
    kind = device < la_cuda_device_count (NULL) ? LA_BACKEND_CUDA :
        LA_BACKEND_CPU;
#else
    kind = LA_BACKEND_CPU;
#endif
  }

  backend = &((Counted *) g_new0 (Counted, 1))->backend;
  g_rec_mutex_init (&counted (backend)->lock);
  switch (kind) {
    case LA_BACKEND_CPU:
      ok = la_cpu_backend_init (backend, device, error);
      break;
    case LA_BACKEND_CUDA:
#if LA_HAVE_CUDA
      ok = la_cuda_backend_init (backend, device, error);
#else
      g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
          "CUDA backend requested but this build has no CUDA "
          "(built without CUDA)");
#endif
      break;
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "unknown backend kind %d", (gint) kind);
      break;
  }
  if (!ok) {
    g_free (backend->device.name);
    g_free (backend->device.description);
    g_rec_mutex_clear (&counted (backend)->lock);
    g_free (counted (backend));
    return NULL;
  }
  return backend;

  /* ERRORS */
bad_device:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "invalid device index %d", device);
    return NULL;
  }
}

void
la_backend_free (LaBackend * backend)
{
  if (!backend)
    return;
  if (backend->iface && backend->iface->free)
    backend->iface->free (backend);
  g_free (backend->device.name);
  g_free (backend->device.description);
  g_rec_mutex_clear (&counted (backend)->lock);
  g_free (counted (backend));
}

void
la_backend_lock (LaBackend * backend)
{
  g_return_if_fail (backend != NULL);
  g_rec_mutex_lock (&counted (backend)->lock);
}

void
la_backend_unlock (LaBackend * backend)
{
  g_return_if_fail (backend != NULL);
  g_rec_mutex_unlock (&counted (backend)->lock);
}

LaBackendKind
la_backend_get_kind (LaBackend * backend)
{
  return backend->device.kind;
}

gint
la_backend_get_device_index (LaBackend * backend)
{
  return backend->device.index;
}

const gchar *
la_backend_get_name (LaBackend * backend)
{
  return backend->device.name;
}

const gchar *
la_backend_get_description (LaBackend * backend)
{
  return backend->device.description;
}

gboolean
la_backend_synchronize (LaBackend * backend, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (backend != NULL, FALSE);
  if (!backend->iface->synchronize)
    return TRUE;
  la_backend_lock (backend);
  ok = backend->iface->synchronize (backend, error);
  la_backend_unlock (backend);
  return ok;
}

/* the host's memory, or what CPU_MEMORY_ENV says */
static gboolean
cpu_total (guint64 * total, GError ** error)
{
  const gchar *env = g_getenv (CPU_MEMORY_ENV);
  long pages, page_size;

  if (env) {
    if (!g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT64, total, NULL))
      goto bad_env;
    return TRUE;
  }
  pages = sysconf (_SC_PHYS_PAGES);
  page_size = sysconf (_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0)
    goto no_sysconf;
  *total = (guint64) pages *(guint64) page_size;
  return TRUE;

  /* ERRORS */
bad_env:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s=\"%s\" is not a number of bytes (a positive decimal integer)",
        CPU_MEMORY_ENV, env);
    return FALSE;
  }
no_sysconf:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "the host's memory size is unknown (sysconf); set %s", CPU_MEMORY_ENV);
    return FALSE;
  }
}

gboolean
la_backend_get_memory_info (LaBackend * backend, guint64 * total,
    guint64 * free, GError ** error)
{
  guint64 t = 0, f = 0, held;

  g_return_val_if_fail (backend != NULL, FALSE);
  switch (backend->device.kind) {
    case LA_BACKEND_CPU:
      if (!cpu_total (&t, error))
        return FALSE;
      held = atomic_load (&cpu_held);
      f = held < t ? t - held : 0;
      break;
    case LA_BACKEND_CUDA:
      if (!la_cuda_device_get_memory_info (backend->device.index, &t, &f,
              error))
        return FALSE;
      break;
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "%s: unknown backend kind", backend->device.name);
      return FALSE;
  }
  if (total)
    *total = t;
  if (free)
    *free = f;
  return TRUE;
}

guint64
la_backend_get_allocated_bytes (LaBackend * backend)
{
  g_return_val_if_fail (backend != NULL, 0);
  return atomic_load (&counted (backend)->allocated);
}

guint64
la_backend_get_peak_bytes (LaBackend * backend)
{
  g_return_val_if_fail (backend != NULL, 0);
  return atomic_load (&counted (backend)->peak);
}

guint64
la_backend_get_n_allocations (LaBackend * backend)
{
  g_return_val_if_fail (backend != NULL, 0);
  return atomic_load (&counted (backend)->n_allocations);
}

gboolean
la_backend_supports_op (LaBackend * backend, LaOp op, LaDType dtype)
{
  g_return_val_if_fail (backend != NULL, FALSE);
  if (op >= LA_OP_COUNT || dtype >= LA_DTYPE_COUNT)
    return FALSE;
  return backend->iface->supports_op (backend, op, dtype);
}

/* ---- buffer ---- */

LaBuffer *
la_buffer_new (LaBackend * backend, gsize size, GError ** error)
{
  LaBuffer *buffer;

  g_return_val_if_fail (backend != NULL, NULL);
  if (size == 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: zero-sized buffer", backend->device.name);
    return NULL;
  }
  la_backend_lock (backend);
  buffer = backend->iface->alloc_buffer (backend, size, error);
  la_backend_unlock (backend);
  if (buffer)
    count_alloc (backend, buffer->size);
  return buffer;
}

void
la_buffer_free (LaBuffer * buffer)
{
  LaBackend *backend;

  if (!buffer)
    return;
  backend = buffer->backend;
  count_free (backend, buffer->size);
  la_backend_lock (backend);
  buffer->iface->free_buffer (buffer);
  la_backend_unlock (backend);
  g_free (buffer);
}

gsize
la_buffer_get_size (LaBuffer * buffer)
{
  return buffer->size;
}

LaBackend *
la_buffer_get_backend (LaBuffer * buffer)
{
  return buffer->backend;
}

/* [offset, offset + size) does not fit in @total bytes (overflow-safe) */
static gboolean
outside (gsize offset, gsize size, gsize total)
{
  return offset > total || size > total - offset;
}

static gboolean
check_range (LaBuffer * buffer, gsize offset, gsize size, GError ** error)
{
  if (outside (offset, size, buffer->size)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: bytes [%" G_GSIZE_FORMAT ", +%" G_GSIZE_FORMAT
        ") outside a buffer of %" G_GSIZE_FORMAT,
        buffer->backend->device.name, offset, size, buffer->size);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_buffer_set_data (LaBuffer * buffer, gsize offset, gconstpointer data,
    gsize size, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (buffer != NULL, FALSE);
  if (!check_range (buffer, offset, size, error))
    return FALSE;
  if (size == 0)
    return TRUE;
  la_backend_lock (buffer->backend);
  ok = buffer->iface->set_data (buffer, offset, data, size, error);
  la_backend_unlock (buffer->backend);
  return ok;
}

gboolean
la_buffer_get_data (LaBuffer * buffer, gsize offset, gpointer data,
    gsize size, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (buffer != NULL, FALSE);
  if (!check_range (buffer, offset, size, error))
    return FALSE;
  if (size == 0)
    return TRUE;
  /* waits for the stream: every thread's work queued so far */
  la_backend_lock (buffer->backend);
  ok = buffer->iface->get_data (buffer, offset, data, size, error);
  la_backend_unlock (buffer->backend);
  return ok;
}

/* ---- tensor ---- */

/* Shape and byte count, refusing what would overflow. */
static gboolean
shape_bytes (LaDType dtype, gint n_dims, const gint64 * ne, gsize * nbytes,
    GError ** error)
{
  guint64 n = 1;
  gint i;

  if (dtype >= LA_DTYPE_COUNT) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "invalid dtype %d", (gint) dtype);
    return FALSE;
  }
  if (n_dims < 1 || n_dims > LA_MAX_DIMS || ne == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "a tensor has 1 to %d dimensions, not %d", LA_MAX_DIMS, n_dims);
    return FALSE;
  }
  for (i = 0; i < n_dims; i++) {
    if (ne[i] < 1 || (guint64) ne[i] > G_MAXSIZE / 8 / n) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "tensor dimension %d is %" G_GINT64_FORMAT
          " (must be >= 1 and the tensor addressable)", i, ne[i]);
      return FALSE;
    }
    n *= (guint64) ne[i];
  }
  *nbytes = la_dtype_size (dtype) * (gsize) n;
  return TRUE;
}

static LaTensor *
tensor_make (LaBuffer * buffer, gsize offset, LaDType dtype, gint n_dims,
    const gint64 * ne, gsize nbytes)
{
  LaTensor *t = g_new0 (LaTensor, 1);
  gint i;

  t->dtype = dtype;
  t->n_dims = n_dims;
  for (i = 0; i < LA_MAX_DIMS; i++)
    t->ne[i] = i < n_dims ? ne[i] : 1;
  t->nbytes = nbytes;
  t->backend = buffer->backend;
  t->buffer = buffer;
  t->offset = offset;
  t->data = (guint8 *) buffer->base + offset;
  return t;
}

LaTensor *
la_tensor_new (LaBackend * backend, LaDType dtype, gint n_dims,
    const gint64 * ne, GError ** error)
{
  LaBuffer *buffer;
  LaTensor *t;
  gsize nbytes;

  g_return_val_if_fail (backend != NULL, NULL);
  if (!shape_bytes (dtype, n_dims, ne, &nbytes, error))
    return NULL;
  buffer = la_buffer_new (backend, nbytes, error);
  if (!buffer)
    return NULL;
  t = tensor_make (buffer, 0, dtype, n_dims, ne, nbytes);
  t->owns_buffer = TRUE;
  return t;
}

LaTensor *
la_tensor_new_in_buffer (LaBuffer * buffer, gsize offset, LaDType dtype,
    gint n_dims, const gint64 * ne, GError ** error)
{
  gsize nbytes;

  g_return_val_if_fail (buffer != NULL, NULL);
  if (!shape_bytes (dtype, n_dims, ne, &nbytes, error))
    return NULL;
  if (offset % LA_TENSOR_ALIGNMENT != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "tensor offset %" G_GSIZE_FORMAT " is not a multiple of %d",
        offset, LA_TENSOR_ALIGNMENT);
    return NULL;
  }
  if (!check_range (buffer, offset, nbytes, error))
    return NULL;
  return tensor_make (buffer, offset, dtype, n_dims, ne, nbytes);
}

LaTensor *
la_tensor_new_view (LaTensor * src, gint64 elem_offset, gint n_dims,
    const gint64 * ne, GError ** error)
{
  gsize nbytes, esize;

  g_return_val_if_fail (src != NULL, NULL);
  if (!shape_bytes (src->dtype, n_dims, ne, &nbytes, error))
    return NULL;
  esize = la_dtype_size (src->dtype);
  if (elem_offset < 0 || (guint64) elem_offset > src->nbytes / esize
      || nbytes > src->nbytes - (gsize) elem_offset * esize) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "view of %" G_GSIZE_FORMAT " bytes at element %" G_GINT64_FORMAT
        " does not fit in a tensor of %" G_GSIZE_FORMAT " bytes",
        nbytes, elem_offset, src->nbytes);
    return NULL;
  }
  return tensor_make (src->buffer, src->offset + (gsize) elem_offset * esize,
      src->dtype, n_dims, ne, nbytes);
}

void
la_tensor_free (LaTensor * tensor)
{
  if (!tensor)
    return;
  if (tensor->owns_buffer)
    la_buffer_free (tensor->buffer);
  g_free (tensor);
}

gint64
la_tensor_nelements (const LaTensor * tensor)
{
  return tensor->ne[0] * tensor->ne[1] * tensor->ne[2] * tensor->ne[3];
}

gint64
la_tensor_ncols (const LaTensor * tensor)
{
  return tensor->ne[tensor->n_dims - 1];
}

gint64
la_tensor_nrows (const LaTensor * tensor)
{
  return la_tensor_nelements (tensor) / la_tensor_ncols (tensor);
}

gboolean
la_tensor_same_shape (const LaTensor * a, const LaTensor * b)
{
  gint i;

  if (a->n_dims != b->n_dims)
    return FALSE;
  for (i = 0; i < a->n_dims; i++)
    if (a->ne[i] != b->ne[i])
      return FALSE;
  return TRUE;
}

const gchar *
la_tensor_describe (const LaTensor * tensor, gchar * buf, gsize size)
{
  gsize len;
  gint i;

  if (!tensor) {
    g_strlcpy (buf, "(none)", size);
    return buf;
  }
  len = g_strlcpy (buf, la_dtype_name (tensor->dtype), size);
  for (i = 0; i < tensor->n_dims && len < size; i++)
    len += g_snprintf (buf + len, size - len, "%s%" G_GINT64_FORMAT,
        i == 0 ? "[" : ",", tensor->ne[i]);
  if (len < size)
    g_strlcat (buf, "]", size);
  return buf;
}

static gboolean
check_tensor_range (LaTensor * tensor, gsize offset, gsize size,
    GError ** error)
{
  if (outside (offset, size, tensor->nbytes)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "bytes [%" G_GSIZE_FORMAT ", +%" G_GSIZE_FORMAT
        ") outside a tensor of %" G_GSIZE_FORMAT, offset, size, tensor->nbytes);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_tensor_set_data (LaTensor * tensor, gsize offset, gconstpointer data,
    gsize size, GError ** error)
{
  g_return_val_if_fail (tensor != NULL, FALSE);
  if (!check_tensor_range (tensor, offset, size, error))
    return FALSE;
  return la_buffer_set_data (tensor->buffer, tensor->offset + offset, data,
      size, error);
}

gboolean
la_tensor_get_data (LaTensor * tensor, gsize offset, gpointer data,
    gsize size, GError ** error)
{
  g_return_val_if_fail (tensor != NULL, FALSE);
  if (!check_tensor_range (tensor, offset, size, error))
    return FALSE;
  return la_buffer_get_data (tensor->buffer, tensor->offset + offset, data,
      size, error);
}

static gboolean
check_count (LaTensor * tensor, gsize n, GError ** error)
{
  if (n != (gsize) la_tensor_nelements (tensor)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%" G_GSIZE_FORMAT " values for a tensor of %" G_GINT64_FORMAT,
        n, la_tensor_nelements (tensor));
    return FALSE;
  }
  return TRUE;
}

gboolean
la_tensor_set_f32 (LaTensor * tensor, const gfloat * src, gsize n,
    GError ** error)
{
  gpointer tmp;
  gboolean ok;

  g_return_val_if_fail (tensor != NULL, FALSE);
  if (!check_count (tensor, n, error))
    return FALSE;
  if (tensor->dtype == LA_DTYPE_F32)
    return la_tensor_set_data (tensor, 0, src, tensor->nbytes, error);

  tmp = g_malloc (tensor->nbytes);
  la_dtype_from_f32 (tensor->dtype, tmp, src, n);
  ok = la_tensor_set_data (tensor, 0, tmp, tensor->nbytes, error);
  g_free (tmp);
  return ok;
}

gboolean
la_tensor_get_f32 (LaTensor * tensor, gfloat * dst, gsize n, GError ** error)
{
  gpointer tmp;
  gboolean ok;

  g_return_val_if_fail (tensor != NULL, FALSE);
  if (!check_count (tensor, n, error))
    return FALSE;
  if (tensor->dtype == LA_DTYPE_F32)
    return la_tensor_get_data (tensor, 0, dst, tensor->nbytes, error);

  tmp = g_malloc (tensor->nbytes);
  ok = la_tensor_get_data (tensor, 0, tmp, tensor->nbytes, error);
  if (ok)
    la_dtype_to_f32 (tensor->dtype, dst, tmp, n);
  g_free (tmp);
  return ok;
}
