/* liveavatar-cli vae-encode, vae-decode: the VAE alone, file to file
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Wan's plain encode and decode (la-vae.h), not Live Avatar's primed
 * stream decode: "pictures" [T, 3, H, W] in [-1, 1] <-> "latents"
 * [16, 1 + (T - 1) / 4, H / 8, W / 8], normalised as the DiT sees them.
 */

#include <string.h>

#include "liveavatar.h"
#include "la-avatar.h"
#include "la-checkpoint.h"
#include "la-cli.h"
#include "la-safetensors-writer.h"
#include "la-vae.h"

#define PICTURES "pictures"
#define LATENTS "latents"

typedef struct
{
  gchar *model;
  gchar *in;
  gchar *out;
  gchar *backend;
} Options;

static gfloat *
vae_read (gpointer ck, const gchar * name, gint ndim, const gint64 * shape,
    GError ** error)
{
  return la_checkpoint_read_f32 (ck, name, ndim, shape, error);
}

/* Wan2.1_VAE.pth in the folder @model, or @model itself when a file. The
 * base width is read from the first convolution (the tiny model's is
 * small), the rest is Wan2.1's, as la_avatar_new () does. */
static LaVae *
open_vae (LaBackend * be, const gchar * model, LaVaeParts parts,
    GError ** error)
{
  gchar *path = g_file_test (model, G_FILE_TEST_IS_DIR) ?
      g_build_filename (model, LA_AVATAR_VAE_FILE, NULL) : g_strdup (model);
  const LaCheckpointTensor *t;
  LaCheckpoint *ck;
  LaVaeConfig vc;
  LaVae *vae = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "%s: no such VAE checkpoint", path);
    g_free (path);
    return NULL;
  }
  ck = la_checkpoint_open (path, error);
  g_free (path);
  if (ck == NULL)
    return NULL;
  la_vae_config_init (&vc);
  if ((t = la_checkpoint_lookup (ck, "encoder.conv1.weight")) &&
      t->ndim == 5 && t->shape[0] > 0 && t->shape[0] < 65536)
    vc.dim = (gint) t->shape[0];
  else if ((t = la_checkpoint_lookup (ck, "decoder.conv1.weight")) &&
      t->ndim == 5 && t->shape[0] > 0 && t->shape[0] < 65536 &&
      t->shape[0] % vc.dim_mult[3] == 0)
    vc.dim = (gint) t->shape[0] / vc.dim_mult[3];
  vae = la_vae_new (be, &vc, parts, vae_read, ck, error);
  la_checkpoint_free (ck);
  return vae;
}

static gboolean
save_tensor (const gchar * path, const gchar * name, gint ndim,
    const gint64 * shape, const gfloat * data, GError ** error)
{
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  gboolean ok;

  ok = la_safetensors_writer_add_f32 (w, name, LA_IO_DTYPE_F32, ndim, shape,
      data, error) && la_safetensors_writer_save (w, path, error);
  la_safetensors_writer_free (w);
  return ok;
}

static gint
run (gint argc, gchar ** argv, const gchar * command, gboolean encode)
{
  Options o = { NULL };
  GOptionEntry entries[] = {
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &o.model,
        "Checkpoint folder (its Wan2.1_VAE.pth), or the .pth itself", "DIR"},
    {"in", 0, 0, G_OPTION_ARG_FILENAME, &o.in, encode ?
          "safetensors file with \"pictures\" [T, 3, H, W] in [-1, 1]" :
          "safetensors file with \"latents\" [16, t, h, w]", "FILE"},
    {"out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, encode ?
          "safetensors file to write \"latents\" [16, 1 + (T - 1) / 4, "
          "H / 8, W / 8] to" :
          "safetensors file to write \"pictures\" [1 + 4 (t - 1), 3, 8 h, "
          "8 w] to", "FILE"},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &o.backend,
        "cpu (default), cuda[:N] or auto", "NAME"},
    {NULL}
  };
  GOptionContext *context;
  GError *err = NULL;
  LaBackendKind kind = LA_BACKEND_CPU;
  gint device = 0, status = LA_CLI_EXIT_FAILURE;
  LaBackend *be = NULL;
  LaVae *vae = NULL;
  LaVaeCache *cache = NULL;
  LaCheckpoint *ck = NULL;
  LaTensor *in_t = NULL, *out_t = NULL;
  gfloat *in = NULL, *out = NULL;
  const LaCheckpointTensor *t;
  gint64 out_shape[4];
  gsize n_out;
  gchar *prgname = g_strdup_printf ("%s %s", LA_CLI_PROGRAM, command);

  g_set_prgname (prgname);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, encode ?
      "Encodes pictures with Wan2.1's VAE as Wan does (causal chunks of 1, "
      "4, 4, ... frames;\nframes past the last whole chunk are ignored), "
      "normalised latents out." :
      "Decodes normalised latents with Wan2.1's VAE as Wan does (a fresh "
      "causal cache;\nthe first latent frame gives 1 picture, every later "
      "one 4), clamped to [-1, 1].");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!la_cli_parse (context, command, &argc, &argv)) {
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  if (argc > 1) {
    status = la_cli_usage_error (command, "unexpected argument '%s'", argv[1]);
    goto out;
  }
  if (!o.model || !o.in || !o.out) {
    status = la_cli_usage_error (command, "--%s is required",
        !o.model ? "model" : !o.in ? "in" : "out");
    goto out;
  }
  if (o.backend && !la_cli_parse_backend (o.backend, &kind, &device)) {
    status = la_cli_usage_error (command, "--backend: unknown '%s'", o.backend);
    goto out;
  }

  if (!(ck = la_checkpoint_open (o.in, &err)))
    goto failed;
  if (!(t = la_checkpoint_lookup (ck, encode ? PICTURES : LATENTS))) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: no tensor \"%s\"", o.in, encode ? PICTURES : LATENTS);
    goto failed;
  }
  if (encode) {
    static const gint64 any[4] = { -1, 3, -1, -1 };

    if (!(in = la_checkpoint_read_f32 (ck, PICTURES, 4, any, &err)))
      goto failed;
    if (t->shape[0] < 1 || t->shape[2] % 8 || t->shape[3] % 8 ||
        t->shape[2] < 8 || t->shape[3] < 8) {
      g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
          "%s: \"%s\" [%" G_GINT64_FORMAT ", 3, %" G_GINT64_FORMAT ", %"
          G_GINT64_FORMAT "]: the sides must be multiples of 8", o.in,
          PICTURES, t->shape[0], t->shape[2], t->shape[3]);
      goto failed;
    }
    out_shape[0] = LA_VAE_Z_DIM;
    out_shape[1] = la_vae_n_latents (t->shape[0]);
    out_shape[2] = t->shape[2] / 8;
    out_shape[3] = t->shape[3] / 8;
  } else {
    static const gint64 any[4] = { LA_VAE_Z_DIM, -1, -1, -1 };

    if (!(in = la_checkpoint_read_f32 (ck, LATENTS, 4, any, &err)))
      goto failed;
    if (t->shape[1] < 1 || t->shape[2] < 1 || t->shape[3] < 1) {
      g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
          "%s: \"%s\" is empty", o.in, LATENTS);
      goto failed;
    }
    out_shape[0] = 1 + 4 * (t->shape[1] - 1);
    out_shape[1] = 3;
    out_shape[2] = t->shape[2] * 8;
    out_shape[3] = t->shape[3] * 8;
  }

  if (!(be = la_backend_new (kind, device, &err)))
    goto failed;
  if (!(vae = open_vae (be, o.model, encode ? LA_VAE_ENCODER :
              LA_VAE_DECODER, &err)))
    goto failed;
  if (!(in_t = la_tensor_new (be, LA_DTYPE_F32, 4, t->shape, &err)) ||
      !la_tensor_set_f32 (in_t, in, t->numel, &err) ||
      !(out_t = la_tensor_new (be, LA_DTYPE_F32, 4, out_shape, &err)))
    goto failed;
  if (encode) {
    if (!la_vae_encode (vae, out_t, in_t, &err))
      goto failed;
  } else {
    cache = la_vae_cache_new (vae);
    if (!la_vae_decode (vae, cache, out_t, in_t, &err))
      goto failed;
  }
  n_out = (gsize) (out_shape[0] * out_shape[1] * out_shape[2] * out_shape[3]);
  out = g_new (gfloat, n_out);
  if (!la_tensor_get_f32 (out_t, out, n_out, &err) ||
      !save_tensor (o.out, encode ? LATENTS : PICTURES, 4, out_shape, out,
          &err))
    goto failed;
  status = LA_CLI_EXIT_OK;
  goto out;

failed:
  status = la_cli_fail (command, err);
out:
  g_free (in);
  g_free (out);
  la_tensor_free (in_t);
  la_tensor_free (out_t);
  la_vae_cache_free (cache);
  la_vae_free (vae);
  la_backend_free (be);
  la_checkpoint_free (ck);
  g_option_context_free (context);
  g_free (o.model);
  g_free (o.in);
  g_free (o.out);
  g_free (o.backend);
  g_free (prgname);
  return status;
}

gint
la_cli_vae_encode (gint argc, gchar ** argv)
{
  return run (argc, argv, "vae-encode", TRUE);
}

gint
la_cli_vae_decode (gint argc, gchar ** argv)
{
  return run (argc, argv, "vae-decode", FALSE);
}
