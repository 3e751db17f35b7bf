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
 * into each local header once its data is out. The official umT5 is
 * 11 GB: past 4 GiB the archive gets the ZIP64 fields (4.3.9.2, 4.5.3,
 * 4.3.14-15 of APPNOTE.TXT) that torch's writer adds. */

#include "config.h"

#include "la-tiny-private.h"
#include "la-backend.h"
#include "liveavatar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#define CHUNK ((gint64) 1 << 24)        /* values per piece */
#define PIECE 4096              /* values per worker's stack buffer */
#define ALIGN 64
#define SETITEMS_BATCH 1000     /* pickle.py's _BATCHSIZE */

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

static guint32
crc32_update (guint32 crc, const guint8 * data, gsize n)
{
  static guint32 table[256];
  static gsize init = 0;
  guint32 c = crc ^ 0xffffffffu;
  gsize i;

  if (g_once_init_enter (&init)) {
    guint32 k;

    for (k = 0; k < 256; k++) {
      guint32 v = k;
      gint b;

      for (b = 0; b < 8; b++)
        v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
      table[k] = v;
    }
    g_once_init_leave (&init, 1);
  }
  for (i = 0; i < n; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
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
      *crc = crc32_update (*crc, o->buf, n * width);
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

/* ---- torch.save: the pickle, as la-torch-zip-writer.c makes it ---- */

static void
pk_global (GString * p, const gchar * module, const gchar * name)
{
  g_string_append_printf (p, "c%s\n%s\n", module, name);
}

static void
pk_unicode (GString * p, const gchar * s)
{
  guint32 len = GUINT32_TO_LE ((guint32) strlen (s));

  g_string_append_c (p, 'X');
  g_string_append_len (p, (const gchar *) &len, 4);
  g_string_append (p, s);
}

static void
pk_int (GString * p, gint64 v)
{
  if (v >= 0 && v < 0x100) {
    g_string_append_c (p, 'K');
    g_string_append_c (p, (gchar) v);
  } else if (v >= 0 && v < 0x10000) {
    guint16 le = GUINT16_TO_LE ((guint16) v);

    g_string_append_c (p, 'M');
    g_string_append_len (p, (const gchar *) &le, 2);
  } else if (v >= G_MININT32 && v <= G_MAXINT32) {
    guint32 le = GUINT32_TO_LE ((guint32) (gint32) v);

    g_string_append_c (p, 'J');
    g_string_append_len (p, (const gchar *) &le, 4);
  } else {
    guint8 bytes[8];
    gint n = 8, i;

    for (i = 0; i < 8; i++)
      bytes[i] = (guint8) ((guint64) v >> (8 * i));
    while (n > 1 && bytes[n - 1] == 0 && !(bytes[n - 2] & 0x80))
      n--;
    g_string_append_c (p, (gchar) 0x8a);
    g_string_append_c (p, (gchar) n);
    g_string_append_len (p, (const gchar *) bytes, n);
  }
}

static void
pk_tuple (GString * p, const gint64 * v, gint n)
{
  static const gchar small[] = { ')', (gchar) 0x85, (gchar) 0x86,
    (gchar) 0x87
  };
  gint i;

  if (n > 3)
    g_string_append_c (p, '(');
  for (i = 0; i < n; i++)
    pk_int (p, v[i]);
  g_string_append_c (p, n > 3 ? 't' : small[n]);
}

static void
pk_tensor (GString * p, const LaTinyTensor * t, LaIoDType dtype, guint key)
{
  gint64 stride[LA_TINY_MAX_DIMS];
  gchar buf[16];
  gint d;

  for (d = t->ndim - 1; d >= 0; d--)
    stride[d] = d == t->ndim - 1 ? 1 : stride[d + 1] * t->shape[d + 1];
  pk_global (p, "torch._utils", "_rebuild_tensor_v2");
  g_string_append_c (p, '(');
  g_string_append_c (p, '(');
  pk_unicode (p, "storage");
  pk_global (p, "torch", dtype == LA_IO_DTYPE_BF16 ? "BFloat16Storage" :
      "FloatStorage");
  g_snprintf (buf, sizeof (buf), "%u", key);
  pk_unicode (p, buf);
  pk_unicode (p, "cpu");
  pk_int (p, t->numel);
  g_string_append_c (p, 't');
  g_string_append_c (p, 'Q');
  pk_int (p, 0);
  pk_tuple (p, t->shape, t->ndim);
  pk_tuple (p, stride, t->ndim);
  g_string_append_c (p, (gchar) 0x89);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
  g_string_append (p, "tR");
}

static GString *
make_pickle (GPtrArray * tensors, LaIoDType dtype)
{
  GString *p = g_string_new (NULL);
  guint i;

  g_string_append_len (p, "\x80\x02", 2);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
  for (i = 0; i < tensors->len; i++) {
    if (i % SETITEMS_BATCH == 0)
      g_string_append_c (p, '(');
    pk_unicode (p, ((LaTinyTensor *) g_ptr_array_index (tensors, i))->name);
    pk_tensor (p, g_ptr_array_index (tensors, i), dtype, i);
    if (i % SETITEMS_BATCH == SETITEMS_BATCH - 1 || i + 1 == tensors->len)
      g_string_append_c (p, 'u');
  }
  g_string_append_c (p, '.');
  return p;
}

/* ---- the zip ---- */

typedef struct
{
  gchar *name;
  guint32 crc;
  guint64 size, offset;
} Record;

#define DOS_TIME 0
#define DOS_DATE 0x21

static void
put16 (GByteArray * a, guint16 v)
{
  v = GUINT16_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 2);
}

static void
put32 (GByteArray * a, guint32 v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 4);
}

static void
put64 (GByteArray * a, guint64 v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 8);
}

typedef struct
{
  Out *o;
  GArray *records;
  guint64 zip64_from;
  Record cur;
  guint64 crc_at;
} Zip;

/* a stored entry's local header, its data padded to ALIGN ("FB" extra);
 * the CRC is patched in by entry_end */
static void
entry_begin (Zip * z, const gchar * name, guint64 size)
{
  GByteArray *h = g_byte_array_new ();
  gsize name_len = strlen (name), pad, extra;
  gboolean big = size >= z->zip64_from;

  z->cur.name = g_strdup (name);
  z->cur.crc = 0;
  z->cur.size = size;
  z->cur.offset = z->o->pos;
  extra = 4 + (big ? 20 : 0);
  pad = (ALIGN - (z->o->pos + 30 + name_len + extra) % ALIGN) % ALIGN;
  put32 (h, 0x04034b50u);
  put16 (h, big ? 45 : 20);
  put16 (h, 0);
  put16 (h, 0);
  put16 (h, DOS_TIME);
  put16 (h, DOS_DATE);
  z->crc_at = z->o->pos + h->len;
  put32 (h, 0);
  put32 (h, big ? 0xffffffffu : (guint32) size);
  put32 (h, big ? 0xffffffffu : (guint32) size);
  put16 (h, name_len);
  put16 (h, extra + pad);
  g_byte_array_append (h, (const guint8 *) name, name_len);
  if (big) {
    put16 (h, 0x0001);
    put16 (h, 16);
    put64 (h, size);
    put64 (h, size);
  }
  put16 (h, 0x4246);
  put16 (h, pad);
  while (pad-- > 0)
    g_byte_array_append (h, (const guint8 *) "Z", 1);
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
  z->cur.crc = crc32_update (0, data, size);
  out_write (z->o, data, size);
  entry_end (z);
}

static void
finish_zip (Zip * z)
{
  GByteArray *cd = g_byte_array_new ();
  guint64 cd_offset = z->o->pos, cd_size, n = z->records->len, eocd64;
  gboolean big_end;
  guint i;

  for (i = 0; i < z->records->len; i++) {
    const Record *r = &g_array_index (z->records, Record, i);
    gsize name_len = strlen (r->name);
    gboolean big_size = r->size >= z->zip64_from;
    gboolean big_off = r->offset >= z->zip64_from;
    guint16 extra = (big_size ? 16 : 0) + (big_off ? 8 : 0);

    put32 (cd, 0x02014b50u);
    put16 (cd, big_size || big_off ? 45 : 20);
    put16 (cd, big_size || big_off ? 45 : 20);
    put16 (cd, 0);
    put16 (cd, 0);
    put16 (cd, DOS_TIME);
    put16 (cd, DOS_DATE);
    put32 (cd, r->crc);
    put32 (cd, big_size ? 0xffffffffu : (guint32) r->size);
    put32 (cd, big_size ? 0xffffffffu : (guint32) r->size);
    put16 (cd, name_len);
    put16 (cd, extra ? extra + 4 : 0);
    put16 (cd, 0);
    put16 (cd, 0);
    put16 (cd, 0);
    put32 (cd, 0);
    put32 (cd, big_off ? 0xffffffffu : (guint32) r->offset);
    g_byte_array_append (cd, (const guint8 *) r->name, name_len);
    if (extra) {
      put16 (cd, 0x0001);
      put16 (cd, extra);
      if (big_size) {
        put64 (cd, r->size);
        put64 (cd, r->size);
      }
      if (big_off)
        put64 (cd, r->offset);
    }
  }
  cd_size = cd->len;
  eocd64 = cd_offset + cd_size;
  big_end = n > 0xfffe || cd_offset >= z->zip64_from
      || cd_size >= z->zip64_from;
  if (big_end) {
    put32 (cd, 0x06064b50u);
    put64 (cd, 44);
    put16 (cd, 45);
    put16 (cd, 45);
    put32 (cd, 0);
    put32 (cd, 0);
    put64 (cd, n);
    put64 (cd, n);
    put64 (cd, cd_size);
    put64 (cd, cd_offset);
    put32 (cd, 0x07064b50u);
    put32 (cd, 0);
    put64 (cd, eocd64);
    put32 (cd, 1);
  }
  put32 (cd, 0x06054b50u);
  put16 (cd, 0);
  put16 (cd, 0);
  put16 (cd, big_end ? 0xffff : (guint16) n);
  put16 (cd, big_end ? 0xffff : (guint16) n);
  put32 (cd, big_end ? 0xffffffffu : (guint32) cd_size);
  put32 (cd, big_end ? 0xffffffffu : (guint32) cd_offset);
  put16 (cd, 0);
  out_write (z->o, cd->data, cd->len);
  g_byte_array_unref (cd);
}

static void
record_clear (gpointer p)
{
  g_free (((Record *) p)->name);
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
  z.records = g_array_new (FALSE, FALSE, sizeof (Record));
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
