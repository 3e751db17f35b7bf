/* liveavatar-cli: Live Avatar from the command line, without GStreamer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The engine's model run in one thread from files: a picture and a WAV
 * in, a video out (generate), plus the tools that parity work needs. The
 * manual is docs/cli.md.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "la-cli.h"

typedef struct
{
  const gchar *name;
    gint (*run) (gint argc, gchar ** argv);
  const gchar *summary;
} Command;

static const Command commands[] = {
  {"generate", la_cli_generate,
      "a talking-avatar video from a picture and a WAV file"},
  {"make-tiny-model", la_cli_make_tiny_model,
      "write the tiny random model folder (for tests and demos)"},
  {"vae-encode", la_cli_vae_encode,
      "pictures to VAE latents (safetensors to safetensors)"},
  {"vae-decode", la_cli_vae_decode,
      "VAE latents to pictures (safetensors to safetensors)"},
  {"audio-window", la_cli_audio_window,
      "how far streaming audio features are from whole-file ones"},
  {"plan", la_cli_plan,
      "what each device would hold for a configuration (memory plan)"},
};

static void
print_usage (FILE * out)
{
  guint i;

  fprintf (out, "Usage: %s COMMAND [OPTION...]\n\nCommands:\n", LA_CLI_PROGRAM);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-17s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n'%s COMMAND --help' shows a command's options; "
      "docs/cli.md is the manual.\n", LA_CLI_PROGRAM);
}

int
main (int argc, char **argv)
{
  guint i;

  setlocale (LC_ALL, "");

  if (argc < 2) {
    print_usage (stderr);
    return LA_CLI_EXIT_USAGE;
  }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help")) {
    print_usage (stdout);
    return LA_CLI_EXIT_OK;
  }
  if (g_str_equal (argv[1], "--version")) {
    printf ("%s %s\n", LA_CLI_PROGRAM, LA_VERSION);
    return LA_CLI_EXIT_OK;
  }

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("%s: unknown command '%s'\n", LA_CLI_PROGRAM, argv[1]);
  print_usage (stderr);
  return LA_CLI_EXIT_USAGE;
}
