/* liveavatar: a minimal protobuf wire-format reader
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Encoding from protobuf's "Encoding" guide: a key is the varint
 * (number << 3 | wire type); varints are little-endian base-128, at most
 * ten bytes; fixed32/fixed64 are little-endian. Field number 0 is invalid. */

#include "config.h"

#include "la-protobuf.h"
#include "liveavatar.h"

#include <string.h>

#define MAX_VARINT_BYTES 10
#define MAX_FIELD_NUMBER ((1u << 29) - 1)

void
la_pb_reader_init (LaPbReader * r, const guint8 * data, gsize size)
{
  r->pos = data;
  r->end = data + size;
}

static gboolean
read_varint (LaPbReader * r, guint64 * out, GError ** error)
{
  guint64 v = 0;
  guint i;

  for (i = 0; i < MAX_VARINT_BYTES; i++) {
    guint8 b;

    if (r->pos >= r->end)
      goto truncated;
    b = *r->pos++;
    v |= (guint64) (b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *out = v;
      return TRUE;
    }
  }
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "varint longer than %d bytes", MAX_VARINT_BYTES);
  return FALSE;

  /* ERRORS */
truncated:
  {
    g_set_error_literal (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "truncated varint");
    return FALSE;
  }
}

static gboolean
read_fixed (LaPbReader * r, guint n, guint64 * out, GError ** error)
{
  guint64 v = 0;
  guint i;

  if ((gsize) (r->end - r->pos) < n) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "truncated fixed%u field", n * 8);
    return FALSE;
  }
  for (i = 0; i < n; i++)
    v |= (guint64) r->pos[i] << (8 * i);
  r->pos += n;
  *out = v;
  return TRUE;
}

gboolean
la_pb_reader_next (LaPbReader * r, LaPbField * field, GError ** error)
{
  guint64 key, len;
  guint wire;

  if (r->pos >= r->end)
    return FALSE;

  if (!read_varint (r, &key, error))
    return FALSE;
  wire = key & 7;
  if ((key >> 3) == 0 || (key >> 3) > MAX_FIELD_NUMBER)
    goto bad_number;

  memset (field, 0, sizeof (*field));
  field->number = (guint32) (key >> 3);
  field->wire = wire;

  switch (wire) {
    case LA_PB_VARINT:
      return read_varint (r, &field->value, error);
    case LA_PB_FIXED64:
      return read_fixed (r, 8, &field->value, error);
    case LA_PB_FIXED32:
      return read_fixed (r, 4, &field->value, error);
    case LA_PB_BYTES:
      if (!read_varint (r, &len, error))
        return FALSE;
      if (len > (guint64) (r->end - r->pos))
        goto bad_length;
      field->data = r->pos;
      field->size = (gsize) len;
      r->pos += len;
      return TRUE;
    default:
      goto bad_wire;
  }

  /* ERRORS */
bad_number:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "invalid field number %" G_GUINT64_FORMAT, key >> 3);
    return FALSE;
  }
bad_length:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "field %u: length %" G_GUINT64_FORMAT " runs past the end "
        "(%" G_GSIZE_FORMAT " bytes left)", field->number, len,
        (gsize) (r->end - r->pos));
    return FALSE;
  }
bad_wire:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "field %u: unsupported wire type %u", field->number, wire);
    return FALSE;
  }
}

gfloat
la_pb_field_float (const LaPbField * field)
{
  guint32 bits = (guint32) field->value;
  gfloat f;

  memcpy (&f, &bits, sizeof (f));
  return f;
}

gboolean
la_pb_field_expect (const LaPbField * field, LaPbWireType wire,
    const gchar * what, GError ** error)
{
  if (field->wire == wire)
    return TRUE;
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "%s (field %u) has wire type %u, expected %u", what, field->number,
      field->wire, wire);
  return FALSE;
}
