/* liveavatar-cli: reading the reference picture
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <math.h>
#include <setjmp.h>
#include <string.h>

#ifdef LA_CLI_HAVE_PNG
#include <png.h>
#endif

#include "liveavatar.h"
#include "la-cli-image.h"

void
la_cli_image_free (LaCliImage * image)
{
  if (image == NULL)
    return;
  g_free (image->rgb);
  g_free (image);
}

static LaCliImage *
image_new (gint width, gint height, const gchar * name, GError ** error)
{
  LaCliImage *image;

  if (width <= 0 || height <= 0 ||
      (gint64) width * height > LA_CLI_IMAGE_MAX_PIXELS) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: picture size %dx%d is out of range (1 to %" G_GINT64_FORMAT
        " pixels)", name, width, height, LA_CLI_IMAGE_MAX_PIXELS);
    return NULL;
  }
  image = g_new0 (LaCliImage, 1);
  image->width = width;
  image->height = height;
  image->rgb = g_try_malloc ((gsize) width * height * 3);
  if (image->rgb == NULL) {
    g_free (image);
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "%s: no memory for a %dx%d picture", name, width, height);
    return NULL;
  }
  return image;
}

/* ---- Netpbm ---- */

typedef struct
{
  const guint8 *data;
  gsize size, pos;
} Reader;

/* The next whitespace-separated decimal of a header or of ASCII data:
 * '#' starts a comment up to the end of the line, as PIL reads them.
 * FALSE at the end of the data or on anything else. */
static gboolean
read_number (Reader * r, gint64 * value)
{
  gint n = 0;

  *value = 0;
  while (r->pos < r->size) {
    guint8 c = r->data[r->pos];

    if (c == '#') {
      while (r->pos < r->size && r->data[r->pos] != '\n' &&
          r->data[r->pos] != '\r')
        r->pos++;
    } else if (g_ascii_isspace (c)) {
      r->pos++;
      if (n > 0)
        return TRUE;
    } else if (g_ascii_isdigit (c) && n < 10) {
      *value = *value * 10 + (c - '0');
      n++;
      r->pos++;
    } else {
      return FALSE;
    }
  }
  return n > 0;
}

/* PIL's PpmDecoder: min (255, round (v / maxval * 255)), Python's round
 * (half to even, as rint in the default rounding mode) */
static guint8
scale_sample (guint v, guint maxval)
{
  gdouble x;

  if (maxval == 255)
    return (guint8) v;
  x = rint ((gdouble) v / maxval * 255.0);
  return (guint8) MIN (x, 255.0);
}

static LaCliImage *
parse_pnm (const guint8 * data, gsize size, const gchar * name, GError ** error)
{
  Reader r = { data, size, 2 };
  gint kind = data[1] - '0';    /* 1..6 */
  gboolean ascii = kind <= 3, bitmap = kind == 1 || kind == 4;
  gint channels = (kind == 3 || kind == 6) ? 3 : 1;
  gint64 width, height, maxval = 1, v;
  LaCliImage *image = NULL;
  gsize n, i, row_bytes;
  gint x, y, c;

  if (!read_number (&r, &width) || !read_number (&r, &height) ||
      (!bitmap && !read_number (&r, &maxval)))
    goto bad_header;
  if (maxval < 1 || maxval > 65535 || width > G_MAXINT || height > G_MAXINT)
    goto bad_header;
  image = image_new ((gint) width, (gint) height, name, error);
  if (image == NULL)
    return NULL;
  n = (gsize) width *height;

  if (bitmap && ascii) {
    /* P1: one '0' or '1' per pixel, whitespace optional; 1 is black */
    for (i = 0; i < n; i++) {
      while (r.pos < size && (g_ascii_isspace (data[r.pos]) ||
              data[r.pos] == '#')) {
        if (data[r.pos] == '#')
          while (r.pos < size && data[r.pos] != '\n' && data[r.pos] != '\r')
            r.pos++;
        else
          r.pos++;
      }
      if (r.pos >= size)
        goto truncated;
      if (data[r.pos] != '0' && data[r.pos] != '1')
        goto bad_data;
      memset (image->rgb + 3 * i, data[r.pos] == '1' ? 0 : 255, 3);
      r.pos++;
    }
  } else if (bitmap) {
    /* P4: rows of bits, most significant first, padded to a byte */
    row_bytes = ((gsize) width + 7) / 8;
    if ((size - r.pos) / row_bytes < (gsize) height)
      goto truncated;
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++) {
        guint8 byte = data[r.pos + y * row_bytes + x / 8];
        gboolean black = (byte >> (7 - x % 8)) & 1;

        memset (image->rgb + 3 * ((gsize) y * width + x), black ? 0 : 255, 3);
      }
  } else if (ascii) {
    for (i = 0; i < n; i++)
      for (c = 0; c < channels; c++) {
        if (r.pos >= size)
          goto truncated;
        if (!read_number (&r, &v))
          goto end_of_number;
        if (v > maxval)
          goto bad_data;
        image->rgb[3 * i + c] = scale_sample ((guint) v, (guint) maxval);
      }
  } else {
    gsize bytes = maxval < 256 ? 1 : 2;

    if ((size - r.pos) / (bytes * channels) < n)
      goto truncated;
    for (i = 0; i < n; i++)
      for (c = 0; c < channels; c++) {
        const guint8 *p = data + r.pos + (i * channels + c) * bytes;
        guint s = bytes == 1 ? p[0] : (guint) ((p[0] << 8) | p[1]);

        image->rgb[3 * i + c] = scale_sample (MIN (s, (guint) maxval),
            (guint) maxval);
      }
  }

  if (channels == 1 && !bitmap)
    for (i = 0; i < n; i++)
      image->rgb[3 * i + 1] = image->rgb[3 * i + 2] = image->rgb[3 * i];
  return image;

end_of_number:
  if (r.pos >= size)
    goto truncated;
  goto bad_data;
bad_header:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: corrupt Netpbm header (P%d)", name, kind);
  la_cli_image_free (image);
  return NULL;
bad_data:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: corrupt Netpbm data (P%d)", name, kind);
  la_cli_image_free (image);
  return NULL;
truncated:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: truncated Netpbm file (P%d, %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
      ")", name, kind, width, height);
  la_cli_image_free (image);
  return NULL;
}

/* ---- PNG ---- */

#ifdef LA_CLI_HAVE_PNG
typedef struct
{
  Reader r;
  const gchar *name;
  gchar *message;
} PngSource;

static void
png_read_mem (png_structp png, png_bytep out, png_size_t n)
{
  PngSource *src = png_get_io_ptr (png);

  if (src->r.size - src->r.pos < n)
    png_error (png, "truncated file");
  memcpy (out, src->r.data + src->r.pos, n);
  src->r.pos += n;
}

static void
png_on_error (png_structp png, png_const_charp msg)
{
  PngSource *src = png_get_error_ptr (png);

  if (src->message == NULL)
    src->message = g_strdup (msg);
  png_longjmp (png, 1);
}

static void
png_on_warning (png_structp png, png_const_charp msg)
{
}

static LaCliImage *
parse_png (const guint8 * data, gsize size, const gchar * name, GError ** error)
{
  PngSource src = { {data, size, 0}, name, NULL };
  png_structp png;
  png_infop info = NULL;
  /* volatile: they change between setjmp and a longjmp back to it */
  LaCliImage *volatile image = NULL;
  png_bytep *volatile rows = NULL;
  png_uint_32 width, height;
  int depth, color, y;

  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &src, png_on_error,
      png_on_warning);
  if (png == NULL)
    goto failed;
  info = png_create_info_struct (png);
  if (info == NULL)
    goto failed;
  if (setjmp (png_jmpbuf (png)))
    goto failed;

  png_set_read_fn (png, &src, png_read_mem);
  /* PIL checks no CRCs of ancillary chunks either */
  png_set_crc_action (png, PNG_CRC_DEFAULT, PNG_CRC_QUIET_USE);
  png_read_info (png, info);
  png_get_IHDR (png, info, &width, &height, &depth, &color, NULL, NULL, NULL);
  if (width > G_MAXINT || height > G_MAXINT) {
    src.message = g_strdup ("picture too large");
    goto failed;
  }

  /* what PIL's convert ('RGB') keeps: 8-bit RGB, no alpha, no gamma */
  png_set_strip_16 (png);
  png_set_packing (png);
  if (color == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb (png);
  png_set_strip_alpha (png);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
  if (png_get_rowbytes (png, info) != (png_size_t) width * 3) {
    src.message = g_strdup ("unexpected row layout");
    goto failed;
  }

  {
    GError *err = NULL;

    image = image_new ((gint) width, (gint) height, name, &err);
    if (image == NULL) {
      src.message = g_strdup (err->message);
      g_error_free (err);
      goto failed;
    }
  }
  rows = g_new (png_bytep, height);
  for (y = 0; y < (int) height; y++)
    rows[y] = image->rgb + (gsize) y *width * 3;
  png_read_image (png, rows);
  png_read_end (png, NULL);

  g_free (rows);
  png_destroy_read_struct (&png, &info, NULL);
  return image;

failed:
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
      "%s: cannot read the PNG picture: %s", name,
      src.message ? src.message : "libpng failed");
  g_free (src.message);
  g_free (rows);
  la_cli_image_free (image);
  if (png != NULL)
    png_destroy_read_struct (&png, info ? &info : NULL, NULL);
  return NULL;
}
#endif

LaCliImage *
la_cli_image_parse (const guint8 * data, gsize size, const gchar * name,
    GError ** error)
{
  static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n'
  };

  if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6' &&
      g_ascii_isspace (data[2]))
    return parse_pnm (data, size, name, error);

  if (size >= 8 && memcmp (data, png_magic, 8) == 0) {
#ifdef LA_CLI_HAVE_PNG
    return parse_png (data, size, name, error);
#else
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: PNG pictures need libpng, which this build lacks; convert it "
        "to PPM (e.g. pngtopnm in.png > in.ppm)", name);
    return NULL;
#endif
  }

  g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
      "%s: unknown picture format (PPM/PGM/PBM%s only)", name,
#ifdef LA_CLI_HAVE_PNG
      " and PNG"
#else
      ""
#endif
      );
  return NULL;
}

LaCliImage *
la_cli_image_read (const gchar * path, GError ** error)
{
  GError *err = NULL;
  gchar *contents = NULL;
  gsize length = 0;
  LaCliImage *image;

  if (!g_file_get_contents (path, &contents, &length, &err)) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "%s", err->message);
    g_error_free (err);
    return NULL;
  }
  image = la_cli_image_parse ((const guint8 *) contents, length, path, error);
  g_free (contents);
  return image;
}

gboolean
la_cli_image_write_ppm (const gchar * path, const guint8 * rgb, gint width,
    gint height, GError ** error)
{
  gchar *header = g_strdup_printf ("P6\n%d %d\n255\n", width, height);
  gsize hlen = strlen (header), n = (gsize) width *height * 3;
  gchar *buf = g_malloc (hlen + n);
  GError *err = NULL;
  gboolean ok;

  memcpy (buf, header, hlen);
  memcpy (buf + hlen, rgb, n);
  ok = g_file_set_contents (path, buf, hlen + n, &err);
  if (!ok) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "%s", err->message);
    g_error_free (err);
  }
  g_free (buf);
  g_free (header);
  return ok;
}
