/* liveavatar: the tiny model's files, written a piece at a time
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The layouts of la-safetensors-writer.c and la-torch-zip-writer.c (whose
 * output the tiny model's files were, byte for byte: the tests compare
 * both), without holding a file in memory: values are made CHUNK at a
 * time on every core, converted, written, and the zip's CRC is patched
 * into each local header once its data is out. The zip's pieces come
 * from la-torch-zip-writer.h; the official umT5 is 11 GB, so past 4 GiB
 * they get the ZIP64 fields that torch's writer adds. */

#include "config.h"

#include "la-tiny-private.h"
#include "la-backend.h"
#include "la-torch-zip-writer.h"
#include "liveavatar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#define CHUNK ((gint64) 1 << 24)        /* values per piece */
#define PIECE 4096              /* values per worker's stack buffer */

typedef struct
{
  FILE *f;
  gchar *path, *tmp;
  guint8 *buf;
  guint64 pos;
  gboolean failed;
  gint err;
} Out;

static gboolean
out_open (Out * o, const gchar * path, GError ** error)
{
  memset (o, 0, sizeof (*o));
  o->path = g_strdup (path);
  o->tmp = g_strconcat (path, ".part", NULL);
  o->f = g_fopen (o->tmp, "wb");
  if (!o->f) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "tiny model: cannot "
        "write %s: %s", path, g_strerror (errno));
    g_free (o->path);
    g_free (o->tmp);
    return FALSE;
  }
  return TRUE;
}

static void
out_write (Out * o, gconstpointer data, gsize n)
{
  if (o->failed || n == 0)
    return;
  if (fwrite (data, 1, n, o->f) != n) {
    o->failed = TRUE;
    o->err = errno;
  }
  o->pos += n;
}

/* @n bytes at @at, then back to the end */
static void
out_patch (Out * o, guint64 at, gconstpointer data, gsize n)
{
  if (o->failed)
    return;
  if (fseeko (o->f, (off_t) at, SEEK_SET) != 0
      || fwrite (data, 1, n, o->f) != n || fseeko (o->f, 0, SEEK_END) != 0) {
    o->failed = TRUE;
    o->err = errno;
  }
}

/* closes, and renames into place when all went well */
static gboolean
out_close (Out * o, gboolean ok, GError ** error)
{
  if (fclose (o->f) != 0 && !o->failed) {
    o->failed = TRUE;
    o->err = errno;
  }
  if (ok && !o->failed && g_rename (o->tmp, o->path) != 0) {
    o->failed = TRUE;
    o->err = errno;
  }
  if (ok && o->failed)
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "tiny model: cannot "
        "write %s: %s", o->path, g_strerror (o->err));
  ok = ok && !o->failed;
  if (!ok)
    g_unlink (o->tmp);
  g_free (o->buf);
  g_free (o->path);
  g_free (o->tmp);
  return ok;
}

/* ---- values, on every core ---- */

typedef struct
{
  const LaTinyTensor *t;
  LaIoDType dtype;
  gint64 begin, n;              /* of the tensor's values */
  guint8 *out;
  gint n_workers;
} Job;

typedef struct
{
  const Job *job;
  gint index;
} Worker;

static void
convert_range (const Job * j, gint64 from, gint64 to)
{
  gfloat v[PIECE];
  gint64 at, i, m;

  for (at = from; at < to; at += m) {
    m = MIN (PIECE, to - at);
    la_tiny_tensor_fill (j->t, j->begin + at, m, v);
    if (j->dtype == LA_IO_DTYPE_BF16) {
      guint16 *o = (guint16 *) j->out + at;

      for (i = 0; i < m; i++)
        o[i] = GUINT16_TO_LE (la_f32_to_bf16 (v[i]));
    } else {
      guint32 *o = (guint32 *) j->out + at;

      for (i = 0; i < m; i++) {
        guint32 bits;

        memcpy (&bits, &v[i], 4);
        o[i] = GUINT32_TO_LE (bits);
      }
    }
  }
}

static gpointer
worker_run (gpointer data)
{
  const Worker *w = data;
  const Job *j = w->job;
  gint64 per = (j->n + j->n_workers - 1) / j->n_workers;
  gint64 from = MIN (j->n, per * w->index), to = MIN (j->n, from + per);

  convert_range (j, from, to);
  return NULL;
}

/* values [begin, begin + n) of @t as @dtype bytes into @out */
static void
make_values (const LaTinyTensor * t, LaIoDType dtype, gint64 begin,
    gint64 n, guint8 * out)
{
  Job job = { t, dtype, begin, n, out, 1 };
  Worker workers[64];
  GThread *threads[64];
  gint i;

  /* threads pay off past a few hundred thousand values */
  job.n_workers = n < (1 << 18) ? 1 : CLAMP (g_get_num_processors (), 1, 64);
  if (job.n_workers == 1) {
    convert_range (&job, 0, n);
    return;
  }
  for (i = 0; i < job.n_workers; i++) {
    workers[i].job = &job;
    workers[i].index = i;
    threads[i] = g_thread_new ("la-tiny", worker_run, &workers[i]);
  }
  for (i = 0; i < job.n_workers; i++)
    g_thread_join (threads[i]);
}

/* all of @t's values into @o; the CRC of their bytes into @crc if given */
static void
write_tensor (Out * o, const LaTinyTensor * t, LaIoDType dtype, guint32 * crc)
{
  gsize width = dtype == LA_IO_DTYPE_BF16 ? 2 : 4;
  gint64 at, n;

  if (!o->buf)
    o->buf = g_malloc (CHUNK * 4);
  for (at = 0; at < t->numel && !o->failed; at += n) {
    n = MIN (CHUNK, t->numel - at);
    make_values (t, dtype, at, n, o->buf);
    if (crc)
      *crc = la_torch_zip_crc32 (*crc, o->buf, n * width);
    out_write (o, o->buf, n * width);
  }
}

/* ---- safetensors ---- */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(LaTinyTensor * const *) a)->name,
      (*(LaTinyTensor * const *) b)->name);
}

/* names are ASCII identifiers with dots: nothing to escape */
gboolean
la_tiny_write_safetensors (GPtrArray * tensors, guint first, guint last,
    LaIoDType dtype, const gchar * path, GError ** error)
{
  GPtrArray *sorted = g_ptr_array_new ();
  GString *header = g_string_new ("{\"__metadata__\":{\"format\":\"pt\"}");
  gsize width = dtype == LA_IO_DTYPE_BF16 ? 2 : 4;
  guint64 offset = 0, len;
  Out o;
  guint i;
  gint d;

  g_return_val_if_fail (dtype == LA_IO_DTYPE_BF16
      || dtype == LA_IO_DTYPE_F32, FALSE);

  /* one dtype: the writer's order is the names' */
  for (i = first; i < last; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (tensors, i));
  g_ptr_array_sort (sorted, compare_names);
  for (i = 0; i < sorted->len; i++) {
    const LaTinyTensor *t = g_ptr_array_index (sorted, i);
    guint64 nbytes = (guint64) t->numel * width;

    g_string_append_printf (header, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[",
        t->name, la_io_dtype_name (dtype));
    for (d = 0; d < t->ndim; d++)
      g_string_append_printf (header, "%s%" G_GINT64_FORMAT, d ? "," : "",
          t->shape[d]);
    g_string_append_printf (header, "],\"data_offsets\":[%" G_GUINT64_FORMAT
        ",%" G_GUINT64_FORMAT "]}", offset, offset + nbytes);
    offset += nbytes;
  }
  g_string_append_c (header, '}');
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  if (!out_open (&o, path, error)) {
    g_string_free (header, TRUE);
    g_ptr_array_unref (sorted);
    return FALSE;
  }
  len = GUINT64_TO_LE ((guint64) header->len);
  out_write (&o, &len, 8);
  out_write (&o, header->str, header->len);
  for (i = 0; i < sorted->len && !o.failed; i++)
    write_tensor (&o, g_ptr_array_index (sorted, i), dtype, NULL);
  g_string_free (header, TRUE);
  g_ptr_array_unref (sorted);
  return out_close (&o, TRUE, error);
}

/* ---- torch.save: la-torch-zip-writer.c's layout, streamed ---- */

static GString *
make_pickle (GPtrArray * tensors, LaIoDType dtype)
{
  GString *p = g_string_new (NULL);
  guint i;

  la_torch_zip_pickle_begin (p);
  for (i = 0; i < tensors->len; i++) {
    const LaTinyTensor *t = g_ptr_array_index (tensors, i);

    la_torch_zip_pickle_tensor (p, i, tensors->len, t->name, dtype, t->ndim,
        t->shape, t->numel);
  }
  la_torch_zip_pickle_end (p);
  return p;
}

typedef struct
{
  Out *o;
  GArray *records;
  guint64 zip64_from;
  LaTorchZipRecord cur;
  guint64 crc_at;
} Zip;

/* a stored entry's local header; the CRC is patched in by entry_end */
static void
entry_begin (Zip * z, const gchar * name, guint64 size)
{
  GByteArray *h = g_byte_array_new ();

  z->cur.name = g_strdup (name);
  z->cur.crc = 0;
  z->cur.size = size;
  z->cur.offset = z->o->pos;
  z->crc_at = z->o->pos + LA_TORCH_ZIP_LOCAL_CRC_AT;
  la_torch_zip_local_header (h, z->o->pos, name, 0, size,
      size >= z->zip64_from);
  out_write (z->o, h->data, h->len);
  g_byte_array_unref (h);
}

static void
entry_end (Zip * z)
{
  guint32 crc = GUINT32_TO_LE (z->cur.crc);

  out_patch (z->o, z->crc_at, &crc, 4);
  g_array_append_val (z->records, z->cur);
}

static void
entry_bytes (Zip * z, const gchar * name, gconstpointer data, gsize size)
{
  entry_begin (z, name, size);
  z->cur.crc = la_torch_zip_crc32 (0, data, size);
  out_write (z->o, data, size);
  entry_end (z);
}

static void
finish_zip (Zip * z)
{
  GByteArray *cd = g_byte_array_new ();

  la_torch_zip_central_directory (cd, (const LaTorchZipRecord *)
      z->records->data, z->records->len, z->o->pos, z->zip64_from);
  out_write (z->o, cd->data, cd->len);
  g_byte_array_unref (cd);
}

static void
record_clear (gpointer p)
{
  g_free (((LaTorchZipRecord *) p)->name);
}

gboolean
la_tiny_write_torch (GPtrArray * tensors, LaIoDType dtype,
    guint64 zip64_from, const gchar * path, GError ** error)
{
  gsize width = dtype == LA_IO_DTYPE_BF16 ? 2 : 4;
  GString *pickle;
  Out o;
  Zip z;
  guint i;

  g_return_val_if_fail (dtype == LA_IO_DTYPE_BF16
      || dtype == LA_IO_DTYPE_F32, FALSE);

  if (!out_open (&o, path, error))
    return FALSE;
  pickle = make_pickle (tensors, dtype);
  z.o = &o;
  z.records = g_array_new (FALSE, FALSE, sizeof (LaTorchZipRecord));
  g_array_set_clear_func (z.records, record_clear);
  z.zip64_from = MIN (zip64_from, G_MAXUINT32);
  entry_bytes (&z, "archive/data.pkl", pickle->str, pickle->len);
  entry_bytes (&z, "archive/byteorder", "little", 6);
  for (i = 0; i < tensors->len && !o.failed; i++) {
    const LaTinyTensor *t = g_ptr_array_index (tensors, i);
    gchar *name = g_strdup_printf ("archive/data/%u", i);

    entry_begin (&z, name, (guint64) t->numel * width);
    write_tensor (&o, t, dtype, &z.cur.crc);
    entry_end (&z);
    g_free (name);
  }
  entry_bytes (&z, "archive/version", "3\n", 2);
  finish_zip (&z);
  g_string_free (pickle, TRUE);
  g_array_unref (z.records);
  return out_close (&o, TRUE, error);
}
