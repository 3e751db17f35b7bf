/* liveavatar: a minimal protobuf wire-format reader
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Walks the fields of one message, one at a time, without a schema: the
 * caller switches on the field number and checks the wire type it expects.
 * Length-delimited payloads (strings, bytes, embedded messages) point into
 * the caller's buffer; an embedded message is read with a second reader on
 * that payload. Groups (wire types 3 and 4, deprecated) are refused. Every
 * length is checked against the bytes that remain, so a truncated or
 * hostile buffer gives an error, never a read past its end.
 */

#ifndef __LA_PROTOBUF_H__
#define __LA_PROTOBUF_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LA_PB_VARINT = 0,
  LA_PB_FIXED64 = 1,
  LA_PB_BYTES = 2,
  LA_PB_FIXED32 = 5
} LaPbWireType;

typedef struct
{
  guint32 number;
  LaPbWireType wire;
  guint64 value;                /* VARINT, FIXED64, FIXED32 */
  const guint8 *data;           /* BYTES: payload */
  gsize size;                   /* BYTES: payload length */
} LaPbField;

typedef struct
{
  const guint8 *pos;
  const guint8 *end;
} LaPbReader;

void la_pb_reader_init (LaPbReader * r, const guint8 * data, gsize size);

/* Reads the next field into @field. Returns FALSE at the end of the
 * message (@error unset) or on malformed input (@error set, domain LA_ERROR,
 * LA_ERROR_MODEL_INVALID, message without a file name: callers prefix it). */
gboolean la_pb_reader_next (LaPbReader * r, LaPbField * field, GError ** error);

/* FIXED32 payload as an IEEE float */
gfloat la_pb_field_float (const LaPbField * field);

/* Checks @field has wire type @wire; sets an error naming @what if not. */
gboolean la_pb_field_expect (const LaPbField * field, LaPbWireType wire,
    const gchar * what, GError ** error);

G_END_DECLS
#endif /* __LA_PROTOBUF_H__ */
