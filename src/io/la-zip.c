/* liveavatar: the central directory of an uncompressed zip archive
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Record layouts from PKWARE's APPNOTE.TXT (4.3.7 local header, 4.3.12
 * central header, 4.3.14-16 ZIP64 end records, 4.5.3 ZIP64 extra field).
 * torch writes with miniz and sets the data-descriptor flag, so the sizes
 * in local headers may be zero: only the central directory is trusted for
 * sizes, the local header only for where the data starts. */

#include "config.h"

#include "la-zip.h"
#include "la-io-le.h"
#include "liveavatar.h"

#include <string.h>

#define SIG_LOCAL       0x04034b50u
#define SIG_CENTRAL     0x02014b50u
#define SIG_EOCD        0x06054b50u
#define SIG_EOCD64      0x06064b50u
#define SIG_EOCD64_LOC  0x07064b50u

#define LOCAL_SIZE      30
#define CENTRAL_SIZE    46
#define EOCD_SIZE       22
#define EOCD64_SIZE     56
#define EOCD64_LOC_SIZE 20
#define MAX_COMMENT     0xffff

struct _LaZip
{
  gchar *name;                  /* for messages */
  LaZipEntry *entries;
  guint n_entries;
  GStringChunk *strings;
  GHashTable *by_name;          /* name -> LaZipEntry *, borrowed */
};

/* [off, off + len) inside [0, size) without overflow */
static inline gboolean
in_range (guint64 off, guint64 len, guint64 size)
{
  return off <= size && len <= size - off;
}

/* Where the central directory is, from the end records. */
static gboolean
find_directory (LaZip * zip, const guint8 * data, gsize size,
    guint64 * cd_offset, guint64 * cd_size, guint64 * n_entries,
    GError ** error)
{
  gsize pos, lowest;
  gboolean found = FALSE;
  guint64 end_of_cd;

  if (size < EOCD_SIZE)
    goto no_eocd;
  lowest = size - EOCD_SIZE > MAX_COMMENT ? size - EOCD_SIZE - MAX_COMMENT : 0;
  for (pos = size - EOCD_SIZE + 1; pos-- > lowest;) {
    if (la_io_le32 (data + pos) == SIG_EOCD &&
        pos + EOCD_SIZE + la_io_le16 (data + pos + 20) <= size) {
      found = TRUE;
      break;
    }
  }
  if (!found)
    goto no_eocd;

  if (la_io_le16 (data + pos + 4) != 0 || la_io_le16 (data + pos + 6) != 0)
    goto multi_disk;
  *n_entries = la_io_le16 (data + pos + 10);
  *cd_size = la_io_le32 (data + pos + 12);
  *cd_offset = la_io_le32 (data + pos + 16);
  end_of_cd = pos;

  /* ZIP64: a locator right before the end record points at the 64-bit one */
  if (pos >= EOCD64_LOC_SIZE &&
      la_io_le32 (data + pos - EOCD64_LOC_SIZE) == SIG_EOCD64_LOC) {
    const guint8 *loc = data + pos - EOCD64_LOC_SIZE;
    guint64 off = la_io_le64 (loc + 8);
    const guint8 *e;

    if (la_io_le32 (loc + 4) != 0 || la_io_le32 (loc + 16) > 1)
      goto multi_disk;
    if (!in_range (off, EOCD64_SIZE, pos - EOCD64_LOC_SIZE) ||
        la_io_le32 (data + off) != SIG_EOCD64)
      goto bad_eocd64;
    e = data + off;
    if (la_io_le32 (e + 16) != 0 || la_io_le32 (e + 20) != 0)
      goto multi_disk;
    *n_entries = la_io_le64 (e + 32);
    *cd_size = la_io_le64 (e + 40);
    *cd_offset = la_io_le64 (e + 48);
    end_of_cd = off;
  } else if (*n_entries == 0xffff || *cd_size == 0xffffffffu ||
      *cd_offset == 0xffffffffu) {
    goto bad_eocd64;
  }

  if (!in_range (*cd_offset, *cd_size, end_of_cd))
    goto bad_directory;
  /* every central header takes at least CENTRAL_SIZE bytes */
  if (*n_entries > *cd_size / CENTRAL_SIZE)
    goto bad_count;
  return TRUE;

  /* ERRORS */
no_eocd:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: no zip end-of-central-directory record (truncated?)", zip->name);
    return FALSE;
  }
multi_disk:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: multi-disk zip archives are not supported", zip->name);
    return FALSE;
  }
bad_eocd64:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: ZIP64 end-of-central-directory record missing or damaged",
        zip->name);
    return FALSE;
  }
bad_directory:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: central directory [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
        ") is outside the archive (size %" G_GSIZE_FORMAT ")", zip->name,
        *cd_offset, *cd_size, size);
    return FALSE;
  }
bad_count:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: %" G_GUINT64_FORMAT " entries cannot fit in a central directory "
        "of %" G_GUINT64_FORMAT " bytes", zip->name, *n_entries, *cd_size);
    return FALSE;
  }
}

/* The ZIP64 extra field replaces, in this order, each of uncompressed
 * size, compressed size and local header offset that reads 0xffffffff. */
static gboolean
apply_zip64_extra (const guint8 * extra, gsize len, guint64 * usize,
    guint64 * csize, guint64 * local_off)
{
  gsize p = 0;

  while (p + 4 <= len) {
    guint16 id = la_io_le16 (extra + p);
    guint16 flen = la_io_le16 (extra + p + 2);
    const guint8 *f = extra + p + 4;
    gsize q = 0;

    if (flen > len - p - 4)
      return FALSE;
    if (id == 0x0001) {
      guint64 *fields[3] = { usize, csize, local_off };
      guint i;

      for (i = 0; i < 3; i++) {
        if (*fields[i] != 0xffffffffu)
          continue;
        if (q + 8 > flen)
          return FALSE;
        *fields[i] = la_io_le64 (f + q);
        q += 8;
      }
      return TRUE;
    }
    p += 4 + (gsize) flen;
  }
  return TRUE;
}

static gboolean
read_entry (LaZip * zip, const guint8 * data, gsize size, const guint8 * cd,
    gsize cd_left, LaZipEntry * entry, gsize * consumed, GError ** error)
{
  guint16 flags, method, name_len, extra_len, comment_len;
  guint64 csize, usize, local_off, data_off;
  const guint8 *name, *local;
  gchar *entry_name = NULL;

  if (cd_left < CENTRAL_SIZE || la_io_le32 (cd) != SIG_CENTRAL)
    goto bad_header;
  flags = la_io_le16 (cd + 8);
  method = la_io_le16 (cd + 10);
  csize = la_io_le32 (cd + 20);
  usize = la_io_le32 (cd + 24);
  name_len = la_io_le16 (cd + 28);
  extra_len = la_io_le16 (cd + 30);
  comment_len = la_io_le16 (cd + 32);
  local_off = la_io_le32 (cd + 42);
  if ((gsize) CENTRAL_SIZE + name_len + extra_len + comment_len > cd_left)
    goto bad_header;
  *consumed = (gsize) CENTRAL_SIZE + name_len + extra_len + comment_len;
  name = cd + CENTRAL_SIZE;
  if (name_len == 0 || memchr (name, '\0', name_len))
    goto bad_name;
  entry_name = g_strndup ((const gchar *) name, name_len);

  if (!apply_zip64_extra (name + name_len, extra_len, &usize, &csize,
          &local_off))
    goto bad_extra;
  if (flags & 0x0001)
    goto encrypted;
  if (method != 0)
    goto compressed;
  if (csize != usize)
    goto compressed;

  if (!in_range (local_off, LOCAL_SIZE, size) ||
      la_io_le32 (data + local_off) != SIG_LOCAL)
    goto bad_local;
  local = data + local_off;
  if (la_io_le16 (local + 26) != name_len ||
      !in_range (local_off + LOCAL_SIZE, name_len, size) ||
      memcmp (local + LOCAL_SIZE, name, name_len) != 0)
    goto bad_local;
  data_off = local_off + LOCAL_SIZE + name_len + la_io_le16 (local + 28);
  if (!in_range (data_off, usize, size))
    goto past_end;

  entry->name = g_string_chunk_insert (zip->strings, entry_name);
  entry->data = data + data_off;
  entry->size = (gsize) usize;
  g_free (entry_name);
  return TRUE;

  /* ERRORS */
bad_header:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: damaged central directory entry at byte %" G_GSIZE_FORMAT,
        zip->name, (gsize) (cd - data));
    return FALSE;
  }
bad_name:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: central directory entry at byte %" G_GSIZE_FORMAT
        " has an empty or binary name", zip->name, (gsize) (cd - data));
    return FALSE;
  }
bad_extra:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: entry '%s': damaged extra field", zip->name, entry_name);
    g_free (entry_name);
    return FALSE;
  }
encrypted:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: entry '%s' is encrypted", zip->name, entry_name);
    g_free (entry_name);
    return FALSE;
  }
compressed:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: entry '%s' is compressed (method %u); torch.save stores "
        "entries uncompressed", zip->name, entry_name, method);
    g_free (entry_name);
    return FALSE;
  }
bad_local:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: entry '%s': no matching local header at byte %" G_GUINT64_FORMAT,
        zip->name, entry_name, local_off);
    g_free (entry_name);
    return FALSE;
  }
past_end:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: entry '%s': %" G_GUINT64_FORMAT " bytes at byte %"
        G_GUINT64_FORMAT " run past the end of the archive (size %"
        G_GSIZE_FORMAT ")", zip->name, entry_name, usize, data_off, size);
    g_free (entry_name);
    return FALSE;
  }
}

LaZip *
la_zip_new (const guint8 * data, gsize size, const gchar * display_name,
    GError ** error)
{
  LaZip *zip;
  guint64 cd_offset, cd_size, n_entries, i;
  gsize pos;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  zip = g_new0 (LaZip, 1);
  zip->name = g_strdup (display_name);
  zip->strings = g_string_chunk_new (1024);
  zip->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  if (!find_directory (zip, data, size, &cd_offset, &cd_size, &n_entries,
          error))
    goto failed;

  zip->entries = g_new0 (LaZipEntry, MAX (1, n_entries));
  pos = (gsize) cd_offset;
  for (i = 0; i < n_entries; i++) {
    LaZipEntry *e = &zip->entries[i];
    gsize consumed;

    if (!read_entry (zip, data, size, data + pos,
            (gsize) (cd_offset + cd_size - pos), e, &consumed, error))
      goto failed;
    pos += consumed;
    if (g_hash_table_contains (zip->by_name, e->name)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: entry '%s' appears twice", zip->name, e->name);
      goto failed;
    }
    g_hash_table_insert (zip->by_name, (gpointer) e->name, e);
    zip->n_entries++;
  }
  return zip;

failed:
  la_zip_free (zip);
  return NULL;
}

void
la_zip_free (LaZip * zip)
{
  if (!zip)
    return;
  g_hash_table_unref (zip->by_name);
  g_string_chunk_free (zip->strings);
  g_free (zip->entries);
  g_free (zip->name);
  g_free (zip);
}

guint
la_zip_n_entries (LaZip * zip)
{
  g_return_val_if_fail (zip != NULL, 0);
  return zip->n_entries;
}

const LaZipEntry *
la_zip_get (LaZip * zip, guint i)
{
  g_return_val_if_fail (zip != NULL, NULL);
  g_return_val_if_fail (i < zip->n_entries, NULL);
  return &zip->entries[i];
}

const LaZipEntry *
la_zip_lookup (LaZip * zip, const gchar * name)
{
  g_return_val_if_fail (zip != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (zip->by_name, name);
}
