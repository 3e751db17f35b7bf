/* liveavatar: PyTorch zip checkpoints (torch.save)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Layout from torch/serialization.py (_save: data.pkl, byteorder,
 * data/<key>, with persistent ids ('storage', type, key, location, numel))
 * and caffe2/serialize/inline_container.cc (the zip writer). */

#include "config.h"

#include "la-torch-zip.h"
#include "la-torch-pickle.h"
#include "la-zip.h"
#include "liveavatar.h"

#include <string.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "checkpoint data is read in place and must be little-endian"
#endif

struct _LaTorchZip
{
  LaIoTensorFile file;
};

/* the one "<prefix>/data.pkl" (prefix without '/'), or "data.pkl" */
static const LaZipEntry *
find_pickle (LaTorchZip * tz, LaZip * zip, gchar ** prefix, GError ** error)
{
  const LaZipEntry *found = NULL;
  guint i;

  for (i = 0; i < la_zip_n_entries (zip); i++) {
    const LaZipEntry *e = la_zip_get (zip, i);
    const gchar *slash = strchr (e->name, '/');

    if (strcmp (e->name, "data.pkl") != 0 &&
        !(slash && strcmp (slash, "/data.pkl") == 0))
      continue;
    if (found) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: two pickles, '%s' and '%s'", tz->file.name, found->name,
          e->name);
      return NULL;
    }
    found = e;
  }
  if (!found) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: zip archive without a data.pkl (not a torch.save checkpoint)",
        tz->file.name);
    return NULL;
  }
  *prefix = g_strndup (found->name, strlen (found->name) - strlen ("data.pkl"));
  return found;
}

/* byteorder must be little; version, when present, a positive integer */
static gboolean
check_records (LaTorchZip * tz, LaZip * zip, const gchar * prefix,
    GError ** error)
{
  const LaZipEntry *e;
  gchar *name;
  gsize i, digits = 0;

  name = g_strconcat (prefix, "byteorder", NULL);
  e = la_zip_lookup (zip, name);
  g_free (name);
  if (e && !(e->size == 6 && memcmp (e->data, "little", 6) == 0)) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: saved with byte order '%.*s'; only little-endian checkpoints "
        "are supported", tz->file.name, (gint) MIN (e->size, 16), e->data);
    return FALSE;
  }

  name = g_strconcat (prefix, "version", NULL);
  e = la_zip_lookup (zip, name);
  g_free (name);
  if (!e)
    return TRUE;
  for (i = 0; i < e->size && g_ascii_isdigit (e->data[i]); i++)
    digits++;
  for (; i < e->size && g_ascii_isspace (e->data[i]); i++);
  if (digits == 0 || digits > 9 || i != e->size ||
      (digits == 1 && e->data[0] == '0')) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: format version record is not a positive number", tz->file.name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
is_contiguous (const LaTorchTensorRef * ref, gint64 numel)
{
  gint64 expected = 1;
  gint i;

  if (numel == 0)
    return TRUE;
  for (i = ref->ndim - 1; i >= 0; i--) {
    if (ref->shape[i] != 1 && ref->stride[i] != expected)
      return FALSE;
    expected *= ref->shape[i];
  }
  return TRUE;
}

static gboolean
resolve (LaTorchZip * tz, LaZip * zip, const gchar * prefix,
    const LaTorchTensorRef * ref, LaCheckpointTensor * t, GError ** error)
{
  const LaZipEntry *record;
  gchar *record_name, *shape_str, *stride_str;
  gsize esize = la_io_dtype_size (ref->dtype);
  guint64 storage_bytes, first, end;
  gint i;

  memset (t, 0, sizeof (*t));
  t->name = g_string_chunk_insert (tz->file.strings, ref->name);
  t->file = tz->file.name;
  t->dtype = ref->dtype;
  t->ndim = ref->ndim;
  memcpy (t->shape, ref->shape, sizeof (t->shape));

  for (i = 0; i < ref->ndim; i++)
    if (ref->shape[i] < 0)
      goto bad_shape;
  if (!la_io_shape_numel (t->ndim, t->shape, t->dtype, &t->numel, &t->nbytes))
    goto bad_shape;
  if (!is_contiguous (ref, t->numel))
    goto not_contiguous;

  record_name = g_strconcat (prefix, "data/", ref->storage_key, NULL);
  record = la_zip_lookup (zip, record_name);
  g_free (record_name);
  if (!record)
    goto no_record;
  /* torch reads numel * element size bytes of the record */
  if ((guint64) ref->storage_numel >
      G_MAXUINT64 / la_io_dtype_size (ref->storage_dtype))
    goto storage_too_small;
  storage_bytes = (guint64) ref->storage_numel *
      la_io_dtype_size (ref->storage_dtype);
  if (storage_bytes > record->size)
    goto storage_too_small;
  /* elements [offset, offset + numel) of the tensor's dtype */
  if ((guint64) ref->storage_offset > G_MAXUINT64 / esize)
    goto past_storage;
  first = (guint64) ref->storage_offset * esize;
  end = first + t->nbytes;
  if (end < first || end > storage_bytes)
    goto past_storage;

  t->data = record->data + first;
  return TRUE;

  /* ERRORS */
bad_shape:
  {
    shape_str = la_io_shape_to_string (ref->ndim, ref->shape);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': invalid shape %s", tz->file.name, ref->name,
        shape_str);
    g_free (shape_str);
    return FALSE;
  }
not_contiguous:
  {
    shape_str = la_io_shape_to_string (ref->ndim, ref->shape);
    stride_str = la_io_shape_to_string (ref->ndim, ref->stride);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' is not contiguous (shape %s, stride %s); save it "
        "with .contiguous ()", tz->file.name, ref->name, shape_str, stride_str);
    g_free (shape_str);
    g_free (stride_str);
    return FALSE;
  }
no_record:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': storage record '%sdata/%s' is missing", tz->file.name,
        ref->name, prefix, ref->storage_key);
    return FALSE;
  }
storage_too_small:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': storage '%s' declares %" G_GINT64_FORMAT
        " elements of %s but its record holds %" G_GSIZE_FORMAT " bytes",
        tz->file.name, ref->name, ref->storage_key, ref->storage_numel,
        la_io_dtype_name (ref->storage_dtype), record->size);
    return FALSE;
  }
past_storage:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': %" G_GINT64_FORMAT " elements at offset %"
        G_GINT64_FORMAT " run past the end of storage '%s' (%"
        G_GUINT64_FORMAT " bytes)", tz->file.name, ref->name, t->numel,
        ref->storage_offset, ref->storage_key, storage_bytes);
    return FALSE;
  }
}

static gboolean
parse (LaTorchZip * tz, GError ** error)
{
  const guint8 *data;
  gsize size;
  LaZip *zip;
  const LaZipEntry *pkl;
  gchar *prefix = NULL, *what;
  GPtrArray *refs = NULL;
  gboolean ok = FALSE;
  guint i;

  data = g_bytes_get_data (tz->file.bytes, &size);
  zip = la_zip_new (data, size, tz->file.name, error);
  if (!zip)
    return FALSE;
  if (!(pkl = find_pickle (tz, zip, &prefix, error)) ||
      !check_records (tz, zip, prefix, error))
    goto done;

  what = g_strdup_printf ("%s: %s", tz->file.name, pkl->name);
  refs = la_torch_pickle_load (pkl->data, pkl->size, what, error);
  g_free (what);
  if (!refs)
    goto done;

  tz->file.tensors = g_new0 (LaCheckpointTensor, MAX (1, refs->len));
  for (i = 0; i < refs->len; i++) {
    const LaTorchTensorRef *ref = g_ptr_array_index (refs, i);
    LaCheckpointTensor *t = &tz->file.tensors[i];

    if (g_hash_table_contains (tz->file.by_name, ref->name)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: tensor '%s' appears twice", tz->file.name, ref->name);
      goto done;
    }
    if (!resolve (tz, zip, prefix, ref, t, error))
      goto done;
    g_hash_table_insert (tz->file.by_name, (gpointer) t->name, t);
    tz->file.n_tensors++;
  }
  ok = TRUE;

done:
  if (refs)
    g_ptr_array_unref (refs);
  g_free (prefix);
  la_zip_free (zip);
  return ok;
}

static LaTorchZip *
torch_zip_new (GBytes * bytes, const gchar * display_name, GError ** error)
{
  LaTorchZip *tz = g_new0 (LaTorchZip, 1);

  la_io_tensor_file_init (&tz->file, bytes, display_name);
  if (!parse (tz, error)) {
    la_torch_zip_free (tz);
    return NULL;
  }
  return tz;
}

LaTorchZip *
la_torch_zip_open (const gchar * path, GError ** error)
{
  GBytes *bytes;

  g_return_val_if_fail (path != NULL, NULL);

  bytes = la_io_map_file (path, error);
  if (!bytes)
    return NULL;
  return torch_zip_new (bytes, path, error);
}

LaTorchZip *
la_torch_zip_new_from_bytes (GBytes * bytes, const gchar * display_name,
    GError ** error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  return torch_zip_new (g_bytes_ref (bytes), display_name, error);
}

void
la_torch_zip_free (LaTorchZip * tz)
{
  if (!tz)
    return;
  la_io_tensor_file_clear (&tz->file);
  g_free (tz);
}

const gchar *
la_torch_zip_get_name (LaTorchZip * tz)
{
  g_return_val_if_fail (tz != NULL, NULL);
  return tz->file.name;
}

guint
la_torch_zip_n_tensors (LaTorchZip * tz)
{
  g_return_val_if_fail (tz != NULL, 0);
  return tz->file.n_tensors;
}

const LaCheckpointTensor *
la_torch_zip_get (LaTorchZip * tz, guint i)
{
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail (i < tz->file.n_tensors, NULL);
  return &tz->file.tensors[i];
}

const LaCheckpointTensor *
la_torch_zip_lookup (LaTorchZip * tz, const gchar * name)
{
  g_return_val_if_fail (tz != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (tz->file.by_name, name);
}
