/* liveavatar: writes the tiny model folder, for make_goldens.py
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* e2e-write-tiny DIR SEED: la_tiny_model_write (DIR, SEED), so that the
 * PyTorch oracle reads exactly the folder the parity test loads. */

#include "config.h"

#include "la-tiny-model.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  GError *error = NULL;
  guint64 seed;
  gchar *end = NULL;

  if (argc != 3) {
    fprintf (stderr, "usage: %s DIR SEED\n", argv[0]);
    return 2;
  }
  seed = g_ascii_strtoull (argv[2], &end, 10);
  if (!end || *end != '\0' || end == argv[2]) {
    fprintf (stderr, "%s: not a seed: %s\n", argv[0], argv[2]);
    return 2;
  }
  if (!la_tiny_model_write (argv[1], seed, &error)) {
    fprintf (stderr, "%s: %s\n", argv[0], error->message);
    g_error_free (error);
    return 1;
  }
  return 0;
}
