/* liveavatar: tensor records shared by the checkpoint readers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The fp32 conversions reuse the backend's host converters (la-dtype.c),
 * which are bit-exact with torch's .float() for bf16, f16 and e4m3fn, so a
 * weight read here equals the one the reference code sees. */

#include "config.h"

#include "la-io-tensor.h"
#include "liveavatar.h"

#include <string.h>

static const struct
{
  const gchar *name;
  gsize size;
} dtype_info[LA_IO_DTYPE_COUNT] = {
  [LA_IO_DTYPE_F32] = {"F32", 4},
  [LA_IO_DTYPE_F16] = {"F16", 2},
  [LA_IO_DTYPE_BF16] = {"BF16", 2},
  [LA_IO_DTYPE_F8_E4M3] = {"F8_E4M3", 1},
  [LA_IO_DTYPE_F64] = {"F64", 8},
  [LA_IO_DTYPE_F8_E5M2] = {"F8_E5M2", 1},
  [LA_IO_DTYPE_I64] = {"I64", 8},
  [LA_IO_DTYPE_I32] = {"I32", 4},
  [LA_IO_DTYPE_I16] = {"I16", 2},
  [LA_IO_DTYPE_I8] = {"I8", 1},
  [LA_IO_DTYPE_U8] = {"U8", 1},
  [LA_IO_DTYPE_BOOL] = {"BOOL", 1},
};

gsize
la_io_dtype_size (LaIoDType dtype)
{
  g_return_val_if_fail ((guint) dtype < LA_IO_DTYPE_COUNT, 0);
  return dtype_info[dtype].size;
}

const gchar *
la_io_dtype_name (LaIoDType dtype)
{
  if ((guint) dtype >= LA_IO_DTYPE_COUNT)
    return "invalid";
  return dtype_info[dtype].name;
}

gboolean
la_io_dtype_from_name (const gchar * name, LaIoDType * dtype)
{
  guint i;

  for (i = 0; i < LA_IO_DTYPE_COUNT; i++) {
    if (g_strcmp0 (name, dtype_info[i].name) == 0) {
      *dtype = (LaIoDType) i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
la_io_dtype_is_float (LaIoDType dtype)
{
  return (guint) dtype < LA_IO_DTYPE_COUNT &&
      (LA_IO_DTYPES_FLOAT & LA_IO_DTYPE_BIT (dtype)) != 0;
}

gboolean
la_io_dtype_to_backend (LaIoDType dtype, LaDType * out)
{
  switch (dtype) {
    case LA_IO_DTYPE_F32:
      *out = LA_DTYPE_F32;
      return TRUE;
    case LA_IO_DTYPE_F16:
      *out = LA_DTYPE_F16;
      return TRUE;
    case LA_IO_DTYPE_BF16:
      *out = LA_DTYPE_BF16;
      return TRUE;
    case LA_IO_DTYPE_F8_E4M3:
      *out = LA_DTYPE_FP8_E4M3;
      return TRUE;
    default:
      return FALSE;
  }
}

gchar *
la_io_dtype_mask_to_string (guint mask)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < LA_IO_DTYPE_COUNT; i++) {
    if (mask & LA_IO_DTYPE_BIT (i)) {
      if (s->len)
        g_string_append_c (s, '|');
      g_string_append (s, dtype_info[i].name);
    }
  }
  if (s->len == 0)
    g_string_append (s, "(none)");
  return g_string_free (s, FALSE);
}

gchar *
la_io_shape_to_string (gint ndim, const gint64 * shape)
{
  GString *s = g_string_new ("[");
  gint i;

  for (i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

gboolean
la_io_shape_numel (gint ndim, const gint64 * shape, LaIoDType dtype,
    gint64 * numel, gsize * nbytes)
{
  guint64 n = 1;
  guint64 esize;
  gint i;

  if (ndim < 0 || ndim > LA_IO_MAX_DIMS || (guint) dtype >= LA_IO_DTYPE_COUNT)
    return FALSE;
  for (i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return FALSE;
    if (shape[i] != 0 && n > (guint64) G_MAXINT64 / (guint64) shape[i])
      return FALSE;
    n *= (guint64) shape[i];
  }
  esize = dtype_info[dtype].size;
  if (n > (guint64) G_MAXINT64 / esize)
    return FALSE;
  if (numel)
    *numel = (gint64) n;
  if (nbytes)
    *nbytes = (gsize) (n * esize);
  return TRUE;
}

/* element-wise with memcpy loads: safe at any alignment */
static void
convert_unaligned (LaIoDType dtype, gfloat * dst, const guint8 * src, gsize n)
{
  gsize i;

  switch (dtype) {
    case LA_IO_DTYPE_F32:
      memcpy (dst, src, n * sizeof (gfloat));
      break;
    case LA_IO_DTYPE_F16:
    case LA_IO_DTYPE_BF16:
      for (i = 0; i < n; i++) {
        guint16 v;

        memcpy (&v, src + 2 * i, 2);
        dst[i] = dtype == LA_IO_DTYPE_F16 ? la_f16_to_f32 (v) :
            la_bf16_to_f32 (v);
      }
      break;
    case LA_IO_DTYPE_F8_E4M3:
      for (i = 0; i < n; i++)
        dst[i] = la_fp8_e4m3_to_f32 (src[i]);
      break;
    case LA_IO_DTYPE_F8_E5M2:
      /* e5m2 is the top byte of an IEEE half */
      for (i = 0; i < n; i++)
        dst[i] = la_f16_to_f32 ((guint16) (src[i] << 8));
      break;
    case LA_IO_DTYPE_F64:
      for (i = 0; i < n; i++) {
        gdouble v;

        memcpy (&v, src + 8 * i, 8);
        dst[i] = (gfloat) v;
      }
      break;
    default:
      g_assert_not_reached ();
  }
}

gboolean
la_checkpoint_tensor_to_f32 (const LaCheckpointTensor * t, gfloat * dst,
    gsize n, GError ** error)
{
  LaDType bdt;

  g_return_val_if_fail (t != NULL, FALSE);
  g_return_val_if_fail (dst != NULL || n == 0, FALSE);

  if (!la_io_dtype_is_float (t->dtype))
    goto not_float;
  if ((gint64) n != t->numel || t->nbytes != n * la_io_dtype_size (t->dtype))
    goto bad_count;
  if (n == 0)
    return TRUE;

  if (la_io_dtype_to_backend (t->dtype, &bdt) &&
      ((guintptr) t->data % la_io_dtype_size (t->dtype)) == 0)
    la_dtype_to_f32 (bdt, dst, t->data, n);
  else
    convert_unaligned (t->dtype, dst, t->data, n);
  return TRUE;

  /* ERRORS */
not_float:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': dtype %s does not convert to F32", t->file,
        t->name, la_io_dtype_name (t->dtype));
    return FALSE;
  }
bad_count:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: tensor '%s' has %" G_GINT64_FORMAT " elements, asked for %"
        G_GSIZE_FORMAT, t->file, t->name, t->numel, n);
    return FALSE;
  }
}

gfloat *
la_checkpoint_tensor_dup_f32 (const LaCheckpointTensor * t, GError ** error)
{
  gfloat *dst;

  g_return_val_if_fail (t != NULL, NULL);

  if ((guint64) t->numel > G_MAXSIZE / sizeof (gfloat))
    goto too_big;
  dst = g_try_malloc (MAX (1, (gsize) t->numel * sizeof (gfloat)));
  if (!dst)
    goto too_big;
  if (!la_checkpoint_tensor_to_f32 (t, dst, (gsize) t->numel, error)) {
    g_free (dst);
    return NULL;
  }
  return dst;

  /* ERRORS */
too_big:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "%s: tensor '%s': no memory for %" G_GINT64_FORMAT " floats",
        t->file, t->name, t->numel);
    return NULL;
  }
}

GBytes *
la_io_map_file (const gchar * path, GError ** error)
{
  GMappedFile *mapped;
  GBytes *bytes;
  GError *err = NULL;

  mapped = g_mapped_file_new (path, FALSE, &err);
  if (!mapped) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "cannot map %s: %s", path, err->message);
    g_error_free (err);
    return NULL;
  }
  bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  return bytes;
}

void
la_io_tensor_file_init (LaIoTensorFile * file, GBytes * bytes,
    const gchar * display_name)
{
  file->name = g_path_get_basename (display_name);
  file->bytes = bytes;
  file->tensors = NULL;
  file->n_tensors = 0;
  file->strings = g_string_chunk_new (4096);
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);
}

void
la_io_tensor_file_clear (LaIoTensorFile * file)
{
  g_hash_table_unref (file->by_name);
  g_string_chunk_free (file->strings);
  g_free (file->tensors);
  g_bytes_unref (file->bytes);
  g_free (file->name);
}
