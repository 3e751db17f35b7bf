/* liveavatar-cli make-tiny-model: the tiny random checkpoint folder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-cli.h"
#include "la-tiny-model.h"

#define COMMAND "make-tiny-model"

gint
la_cli_make_tiny_model (gint argc, gchar ** argv)
{
  gchar *seed_text = NULL;
  gboolean official = FALSE, no_t5 = FALSE;
  gint dit_layers = -1;
  GOptionEntry entries[] = {
    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
        "Seed of the random weights (default 0)", "N"},
    {"official", 0, 0, G_OPTION_ARG_NONE, &official,
        "The published sizes (Wan2.2-S2V-14B, Wan2.1 VAE, umT5-xxl, "
          "wav2vec2-large): about 45 GB, 32 of them the DiT", NULL},
    {"dit-layers", 0, 0, G_OPTION_ARG_INT, &dit_layers,
        "DiT blocks (official: 40, about 0.8 GB each in bf16)", "N"},
    {"no-t5", 0, 0, G_OPTION_ARG_NONE, &no_t5,
        "With --official: the tiny umT5 instead of the 11 GB one (only "
          "the prompt's encode time changes)", NULL},
    {NULL}
  };
  LaTinySizes sizes;
  GOptionContext *context;
  GError *err = NULL;
  guint64 seed = 0;
  gint status = LA_CLI_EXIT_OK;

  g_set_prgname (LA_CLI_PROGRAM " " COMMAND);
  context = g_option_context_new ("DIR");
  g_option_context_set_summary (context,
      "Writes a complete Wan2.2-S2V + Live Avatar checkpoint folder in the "
      "official layout,\nfile formats and tensor names, with tiny dimensions "
      "and seeded random weights:\nit makes no sense as a video, it runs "
      "fast. DIR is created if needed.\nWith --official the sizes are the "
      "published ones, for benchmarks.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!la_cli_parse (context, COMMAND, &argc, &argv)) {
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  if (argc != 2) {
    status = la_cli_usage_error (COMMAND, argc < 2 ? "DIR is missing" :
        "one DIR only");
    goto out;
  }
  if (seed_text && !la_cli_parse_u64 (seed_text, &seed)) {
    status = la_cli_usage_error (COMMAND, "--seed: '%s' is not a number "
        "from 0 to %" G_GUINT64_FORMAT, seed_text, G_MAXUINT64);
    goto out;
  }
  if (dit_layers != -1 && (dit_layers < 1 || dit_layers > 4096)) {
    status = la_cli_usage_error (COMMAND, "--dit-layers: %d is not from 1 "
        "to 4096", dit_layers);
    goto out;
  }
  if (official)
    la_tiny_sizes_init_official (&sizes);
  else
    la_tiny_sizes_init (&sizes);
  if (no_t5)
    la_tiny_sizes_use_small_t5 (&sizes);
  if (dit_layers > 0)
    la_tiny_sizes_set_dit_layers (&sizes, dit_layers);
  if (!la_tiny_model_write_with_sizes (argv[1], &sizes, seed, &err))
    status = la_cli_fail (COMMAND, err);

out:
  g_free (seed_text);
  g_option_context_free (context);
  return status;
}
