/* liveavatar: one read-only view over any checkpoint format
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-checkpoint.h"
#include "la-safetensors.h"
#include "la-safetensors-index.h"
#include "la-torch-zip.h"
#include "liveavatar.h"

#include <string.h>

#define INDEX_SUFFIX ".safetensors.index.json"

/* torch.save before 1.6: PROTO 2, LONG1 of 10 bytes, then the magic
 * number 0x1950a86a20f9469cfc6c (torch/serialization.py MAGIC_NUMBER) */
static const guint8 legacy_torch_magic[] = {
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8,
  0x50, 0x19
};

struct _LaCheckpoint
{
  gchar *path;
  gchar *name;                  /* basename, for messages */
  LaCheckpointFormat format;
  LaSafetensors *st;
  LaSafetensorsIndex *index;
  LaTorchZip *tz;
  GPtrArray *sorted;            /* const LaCheckpointTensor *, by name */
};

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  const LaCheckpointTensor *ta = *(const LaCheckpointTensor * const *) a;
  const LaCheckpointTensor *tb = *(const LaCheckpointTensor * const *) b;

  return strcmp (ta->name, tb->name);
}

static LaCheckpoint *
checkpoint_new (const gchar * path, LaCheckpointFormat format)
{
  LaCheckpoint *ck = g_new0 (LaCheckpoint, 1);

  ck->path = g_strdup (path);
  ck->name = g_path_get_basename (path);
  ck->format = format;
  ck->sorted = g_ptr_array_new ();
  return ck;
}

/* fills the sorted list once the reader is open */
static LaCheckpoint *
checkpoint_finish (LaCheckpoint * ck)
{
  guint i, n;

  switch (ck->format) {
    case LA_CHECKPOINT_SAFETENSORS:
      n = la_safetensors_n_tensors (ck->st);
      for (i = 0; i < n; i++)
        g_ptr_array_add (ck->sorted, (gpointer) la_safetensors_get (ck->st, i));
      break;
    case LA_CHECKPOINT_SAFETENSORS_SHARDED:
      n = la_safetensors_index_n_tensors (ck->index);
      for (i = 0; i < n; i++)
        g_ptr_array_add (ck->sorted,
            (gpointer) la_safetensors_index_get (ck->index, i));
      break;
    case LA_CHECKPOINT_TORCH_ZIP:
      n = la_torch_zip_n_tensors (ck->tz);
      for (i = 0; i < n; i++)
        g_ptr_array_add (ck->sorted, (gpointer) la_torch_zip_get (ck->tz, i));
      break;
  }
  g_ptr_array_sort (ck->sorted, compare_by_name);
  return ck;
}

static LaCheckpoint *
open_bytes (GBytes * bytes, const gchar * path, GError ** error)
{
  const guint8 *data;
  gsize size;
  LaCheckpoint *ck;

  data = g_bytes_get_data (bytes, &size);
  if (size >= sizeof (legacy_torch_magic) &&
      memcmp (data, legacy_torch_magic, sizeof (legacy_torch_magic)) == 0) {
    gchar *name = g_path_get_basename (path);

    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: legacy (before PyTorch 1.6) torch.save format; re-save it with "
        "a current torch.save", name);
    g_free (name);
    return NULL;
  }

  if (size >= 4 && memcmp (data, "PK\003\004", 4) == 0) {
    ck = checkpoint_new (path, LA_CHECKPOINT_TORCH_ZIP);
    ck->tz = la_torch_zip_new_from_bytes (bytes, path, error);
  } else {
    ck = checkpoint_new (path, LA_CHECKPOINT_SAFETENSORS);
    ck->st = la_safetensors_new_from_bytes (bytes, path, error);
  }
  if (!ck->tz && !ck->st) {
    la_checkpoint_free (ck);
    return NULL;
  }
  return checkpoint_finish (ck);
}

static LaCheckpoint *
open_index (const gchar * path, GError ** error)
{
  LaCheckpoint *ck = checkpoint_new (path, LA_CHECKPOINT_SAFETENSORS_SHARDED);

  ck->index = la_safetensors_index_open (path, error);
  if (!ck->index) {
    la_checkpoint_free (ck);
    return NULL;
  }
  return checkpoint_finish (ck);
}

static LaCheckpoint *
open_file (const gchar * path, GError ** error)
{
  GBytes *bytes;
  LaCheckpoint *ck;

  bytes = la_io_map_file (path, error);
  if (!bytes)
    return NULL;
  ck = open_bytes (bytes, path, error);
  g_bytes_unref (bytes);
  return ck;
}

/* a folder: its one index, else its one safetensors file */
static LaCheckpoint *
open_dir (const gchar * path, GError ** error)
{
  GDir *dir;
  GError *err = NULL;
  const gchar *entry;
  GPtrArray *indexes, *singles, *pick;
  LaCheckpoint *ck = NULL;
  gchar *file;

  dir = g_dir_open (path, 0, &err);
  if (!dir) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "cannot read folder %s: %s", path, err->message);
    g_error_free (err);
    return NULL;
  }
  indexes = g_ptr_array_new_with_free_func (g_free);
  singles = g_ptr_array_new_with_free_func (g_free);
  while ((entry = g_dir_read_name (dir))) {
    if (g_str_has_suffix (entry, INDEX_SUFFIX))
      g_ptr_array_add (indexes, g_strdup (entry));
    else if (g_str_has_suffix (entry, ".safetensors"))
      g_ptr_array_add (singles, g_strdup (entry));
  }
  g_dir_close (dir);

  pick = indexes->len ? indexes : singles;
  if (pick->len == 1) {
    file = g_build_filename (path, g_ptr_array_index (pick, 0), NULL);
    ck = pick == indexes ? open_index (file, error) : open_file (file, error);
    g_free (file);
  } else if (pick->len == 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "%s: no *" INDEX_SUFFIX " or *.safetensors file in this folder", path);
  } else {
    g_ptr_array_add (pick, NULL);
    file = g_strjoinv (", ", (gchar **) pick->pdata);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: several checkpoints in this folder (%s); name one", path, file);
    g_free (file);
  }
  g_ptr_array_unref (indexes);
  g_ptr_array_unref (singles);
  return ck;
}

LaCheckpoint *
la_checkpoint_open (const gchar * path, GError ** error)
{
  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return open_dir (path, error);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "%s: no such file or folder", path);
    return NULL;
  }
  if (g_str_has_suffix (path, ".index.json"))
    return open_index (path, error);
  return open_file (path, error);
}

LaCheckpoint *
la_checkpoint_new_from_bytes (GBytes * bytes, const gchar * display_name,
    GError ** error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  return open_bytes (bytes, display_name, error);
}

void
la_checkpoint_free (LaCheckpoint * ck)
{
  if (!ck)
    return;
  g_ptr_array_unref (ck->sorted);
  la_safetensors_free (ck->st);
  la_safetensors_index_free (ck->index);
  la_torch_zip_free (ck->tz);
  g_free (ck->name);
  g_free (ck->path);
  g_free (ck);
}

LaCheckpointFormat
la_checkpoint_get_format (LaCheckpoint * ck)
{
  g_return_val_if_fail (ck != NULL, LA_CHECKPOINT_SAFETENSORS);
  return ck->format;
}

const gchar *
la_checkpoint_get_path (LaCheckpoint * ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return ck->path;
}

guint
la_checkpoint_n_tensors (LaCheckpoint * ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return ck->sorted->len;
}

const LaCheckpointTensor *
la_checkpoint_get (LaCheckpoint * ck, guint i)
{
  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (i < ck->sorted->len, NULL);
  return g_ptr_array_index (ck->sorted, i);
}

const LaCheckpointTensor *
la_checkpoint_lookup (LaCheckpoint * ck, const gchar * name)
{
  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  switch (ck->format) {
    case LA_CHECKPOINT_SAFETENSORS:
      return la_safetensors_lookup (ck->st, name);
    case LA_CHECKPOINT_SAFETENSORS_SHARDED:
      return la_safetensors_index_lookup (ck->index, name);
    case LA_CHECKPOINT_TORCH_ZIP:
      return la_torch_zip_lookup (ck->tz, name);
  }
  return NULL;
}

/* like la_io_shape_to_string () with "?" for a wildcard */
static gchar *
expected_shape_string (gint ndim, const gint64 * shape)
{
  GString *s = g_string_new ("[");
  gint i;

  for (i = 0; i < ndim; i++) {
    if (i)
      g_string_append (s, ", ");
    if (shape[i] < 0)
      g_string_append_c (s, '?');
    else
      g_string_append_printf (s, "%" G_GINT64_FORMAT, shape[i]);
  }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

const LaCheckpointTensor *
la_checkpoint_expect (LaCheckpoint * ck, const gchar * name, guint dtype_mask,
    gint ndim, const gint64 * shape, GError ** error)
{
  const LaCheckpointTensor *t;
  gchar *have, *want;
  gint i;

  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= LA_IO_MAX_DIMS, NULL);
  g_return_val_if_fail (shape != NULL || ndim == 0, NULL);

  t = la_checkpoint_lookup (ck, name);
  if (!t)
    goto missing;
  if (!(dtype_mask & LA_IO_DTYPE_BIT (t->dtype)))
    goto wrong_dtype;
  if (t->ndim != ndim)
    goto wrong_shape;
  for (i = 0; i < ndim; i++)
    if (shape[i] >= 0 && t->shape[i] != shape[i])
      goto wrong_shape;
  return t;

  /* ERRORS */
missing:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' not found", ck->name, name);
    return NULL;
  }
wrong_dtype:
  {
    want = la_io_dtype_mask_to_string (dtype_mask);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': dtype %s, expected %s", t->file, name,
        la_io_dtype_name (t->dtype), want);
    g_free (want);
    return NULL;
  }
wrong_shape:
  {
    have = la_io_shape_to_string (t->ndim, t->shape);
    want = expected_shape_string (ndim, shape);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s': shape %s, expected %s", t->file, name, have, want);
    g_free (have);
    g_free (want);
    return NULL;
  }
}

gfloat *
la_checkpoint_read_f32 (LaCheckpoint * ck, const gchar * name, gint ndim,
    const gint64 * shape, GError ** error)
{
  const LaCheckpointTensor *t;

  t = la_checkpoint_expect (ck, name, LA_IO_DTYPES_FLOAT, ndim, shape, error);
  if (!t)
    return NULL;
  return la_checkpoint_tensor_dup_f32 (t, error);
}
