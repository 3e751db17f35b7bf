/* liveavatar engine tests: configuration defaults and validation
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "liveavatar.h"
#include "cuda/la-cuda-device.h"
#include "test-util.h"

static void
test_defaults (void)
{
  LaEngineConfig ec;
  LaSessionConfig sc;

  memset (&ec, 0x5a, sizeof (ec));
  la_engine_config_init (&ec);
  g_assert_cmpint (ec.model, ==, LA_MODEL_LIVEAVATAR);
  g_assert_null (ec.model_path);
  g_assert_cmpint (ec.backend, ==, LA_BACKEND_AUTO);
  g_assert_cmpstr (ec.dit_devices, ==, "0");
  g_assert_cmpint (ec.vae_device, ==, -1);
  g_assert_cmpint (ec.ulysses_size, ==, 1);
  g_assert_false (ec.vae_parallel);
  g_assert_false (ec.offload);
  g_assert_cmpint (ec.precision, ==, LA_PRECISION_AUTO);
  g_assert_cmpint (ec.width, ==, 704);
  g_assert_cmpint (ec.height, ==, 384);
  g_assert_cmpint (ec.sample_steps, ==, 4);
  g_assert_true (ec.online_decode);

  memset (&sc, 0x5a, sizeof (sc));
  la_session_config_init (&sc);
  g_assert_cmpint (sc.format, ==, LA_PIXEL_FORMAT_RGB);
  g_assert_null (sc.reference_image);
  g_assert_null (sc.prompt);
  g_assert_cmpuint (sc.seed, ==, 42);
  g_assert_cmpuint (sc.queue_blocks, ==, 2);
}

/* creates an engine from @cfg, expects @code and @message (exact) or,
 * with @message NULL, any message */
static void
expect_error (const LaEngineConfig * cfg, gint code, const gchar * message)
{
  GError *err = NULL;
  LaEngine *e = la_engine_new (cfg, &err);

  g_assert_null (e);
  g_assert_error (err, LA_ERROR, code);
  if (message)
    g_assert_cmpstr (err->message, ==, message);
  g_error_free (err);
}

static void
test_bad_values (void)
{
  LaEngineConfig cfg;

  test_engine_config_init (&cfg);
  cfg.width = 100;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "width 100 is not a multiple of 16");
  cfg.width = 48;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "width 48 is out of range (64 .. 4096)");
  cfg.width = 4112;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "width 4112 is out of range (64 .. 4096)");
  cfg.width = -16;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, NULL);

  test_engine_config_init (&cfg);
  cfg.height = 72;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "height 72 is not a multiple of 16");
  cfg.height = 0;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "height 0 is out of range (64 .. 4096)");

  test_engine_config_init (&cfg);
  cfg.sample_steps = 0;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "sample-steps 0 is out of range (1 .. 8)");
  cfg.sample_steps = 9;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "sample-steps 9 is out of range (1 .. 8)");

  test_engine_config_init (&cfg);
  cfg.ulysses_size = 0;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "ulysses-size 0 is out of range (at least 1)");

  test_engine_config_init (&cfg);
  cfg.dit_devices = "0,1,2";
  cfg.ulysses_size = 2;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "3 DiT devices cannot form Ulysses groups of 2: the number of "
      "dit-devices must be a multiple of ulysses-size");

  test_engine_config_init (&cfg);
  cfg.dit_devices = "0,1,2,3";
  cfg.sample_steps = 2;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT,
      "4 DiT stages but only 2 sampling steps: every stage runs at least "
      "one step (use fewer dit-devices, a larger ulysses-size or more "
      "sample-steps)");
  cfg.dit_devices = "0,1,2,3,4";
  cfg.sample_steps = 4;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, NULL);

  test_engine_config_init (&cfg);
  cfg.dit_devices = "a,1";
  expect_error (&cfg, LA_ERROR_DEVICE,
      "dit-devices \"a,1\": \"a\" is not a device index (expected "
      "comma-separated non-negative integers, e.g. \"0,1,2,3\")");
  cfg.dit_devices = "1,1";
  expect_error (&cfg, LA_ERROR_DEVICE,
      "dit-devices \"1,1\": device 1 listed twice");
  cfg.dit_devices = NULL;
  expect_error (&cfg, LA_ERROR_DEVICE, NULL);

  test_engine_config_init (&cfg);
  cfg.vae_device = 16;
  expect_error (&cfg, LA_ERROR_DEVICE,
      "vae-device 16 is out of range (-1 for the last DiT device, or 0 .. 15)");
  cfg.vae_device = -2;
  expect_error (&cfg, LA_ERROR_DEVICE, NULL);

  test_engine_config_init (&cfg);
  cfg.backend = (LaBackendKind) 7;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, "unknown backend 7");
  test_engine_config_init (&cfg);
  cfg.model = (LaModelKind) 9;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, "unknown model kind 9");
  test_engine_config_init (&cfg);
  cfg.precision = (LaPrecision) 5;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, "unknown precision 5");
}

static void
test_resolved_config (void)
{
  LaEngineConfig cfg;
  const LaEngineConfig *got;
  gchar devices[] = " 3, 1 ,2,0 ";
  GError *err = NULL;
  LaEngine *e;

  test_engine_config_init (&cfg);
  cfg.dit_devices = devices;
  cfg.ulysses_size = 2;
  cfg.model_path = "/nonexistent/but/unused/by/the/test/model";
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);

  /* the engine keeps its own copies */
  memset (devices, 'x', sizeof (devices) - 1);
  got = la_engine_get_config (e);
  g_assert_cmpstr (got->dit_devices, ==, "3,1,2,0");
  g_assert_cmpint (got->vae_device, ==, 0);     /* the last listed */
  g_assert_cmpint (got->backend, ==, LA_BACKEND_CPU);
  g_assert_cmpstr (got->model_path, ==,
      "/nonexistent/but/unused/by/the/test/model");
  g_assert_true (got->model_path != cfg.model_path);
  g_assert_cmpuint (la_engine_get_n_dit_stages (e), ==, 2);
  g_assert_cmpuint (la_engine_get_lookahead_samples (e), ==, 0);
  la_engine_free (e);

  /* CPU devices are virtual: any index below the maximum */
  test_engine_config_init (&cfg);
  cfg.dit_devices = "15,9";
  cfg.vae_device = 12;
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_engine_get_config (e)->vae_device, ==, 12);
  g_assert_cmpuint (la_engine_get_n_dit_stages (e), ==, 2);
  la_engine_free (e);
}

static void
test_backends (void)
{
  LaEngineConfig cfg;
  GError *err = NULL;
  gint count = la_cuda_device_count (NULL);
  LaEngine *e;
  gchar *msg;

  test_engine_config_init (&cfg);
  cfg.backend = LA_BACKEND_CUDA;
  if (count < 0) {
    expect_error (&cfg, LA_ERROR_NOT_SUPPORTED,
        "backend cuda is not available: built without CUDA");
  } else {
    /* one past the last device present */
    gchar *devices = g_strdup_printf ("%d", count);

    cfg.dit_devices = devices;
    msg = g_strdup_printf ("CUDA device %d requested, %d present", count,
        count);
    expect_error (&cfg, LA_ERROR_DEVICE, msg);
    g_free (msg);
    if (count > 0) {
      /* the VAE device is checked too */
      cfg.dit_devices = "0";
      cfg.vae_device = count;
      expect_error (&cfg, LA_ERROR_DEVICE, NULL);
      cfg.vae_device = -1;
      e = la_engine_new (&cfg, &err);
      g_assert_no_error (err);
      g_assert_cmpint (la_engine_get_config (e)->backend, ==, LA_BACKEND_CUDA);
      la_engine_free (e);
    }
    g_free (devices);
  }

  test_engine_config_init (&cfg);
  cfg.backend = LA_BACKEND_AUTO;
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_engine_get_config (e)->backend, ==,
      count > 0 ? LA_BACKEND_CUDA : LA_BACKEND_CPU);
  la_engine_free (e);
}

/* every precision is accepted; the engine reports what it runs with,
 * AUTO made concrete for its backend (the reference fp32 on the CPU) */
static void
test_precisions (void)
{
  static const LaPrecision all[] = { LA_PRECISION_AUTO, LA_PRECISION_FP32,
    LA_PRECISION_BF16, LA_PRECISION_FP8
  };
  LaEngineConfig cfg;
  GError *err = NULL;
  LaEngine *e;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    test_engine_config_init (&cfg);
    cfg.backend = LA_BACKEND_CPU;
    cfg.precision = all[i];
    e = la_engine_new (&cfg, &err);
    g_assert_no_error (err);
    g_assert_cmpint (la_engine_get_config (e)->precision, ==,
        all[i] == LA_PRECISION_AUTO ? LA_PRECISION_FP32 : all[i]);
    la_engine_free (e);
  }

  test_engine_config_init (&cfg);
  cfg.precision = (LaPrecision) - 1;
  expect_error (&cfg, LA_ERROR_INVALID_ARGUMENT, "unknown precision -1");
}

static void
test_model_path (void)
{
  LaEngineConfig cfg;
  gchar *dir, *file, *missing, *msg;
  GError *err = NULL;

  dir = g_dir_make_tmp ("la-test-model-XXXXXX", &err);
  g_assert_no_error (err);
  file = g_build_filename (dir, "not-a-dir", NULL);
  missing = g_build_filename (dir, "missing", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, &err));

  test_engine_config_init (&cfg);
  cfg.model = LA_MODEL_LIVEAVATAR;
  expect_error (&cfg, LA_ERROR_MODEL_NOT_FOUND,
      "model-path is not set: point it at the checkpoint folder "
      "(or use model=test)");
  cfg.model_path = "";
  expect_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, NULL);

  cfg.model_path = missing;
  msg = g_strdup_printf ("model-path \"%s\" cannot be read: %s", missing,
      g_strerror (ENOENT));
  expect_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, msg);
  g_free (msg);

  cfg.model_path = file;
  msg = g_strdup_printf ("model-path \"%s\" is not a directory", file);
  expect_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, msg);
  g_free (msg);

  /* a readable folder that holds no model: the loader's error, which
   * names the file it looked for */
  cfg.model_path = dir;
  {
    gchar *config = g_build_filename (dir, "config.json", NULL);

    g_assert_null (la_engine_new (&cfg, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
    g_assert_nonnull (strstr (err->message, config));
    g_clear_error (&err);
    g_free (config);
  }

  /* root reads anything: only meaningful for other users */
  if (geteuid () != 0) {
    g_assert_cmpint (g_chmod (dir, 0), ==, 0);
    msg = g_strdup_printf ("model-path \"%s\" cannot be read: %s", dir,
        g_strerror (EACCES));
    expect_error (&cfg, LA_ERROR_MODEL_NOT_FOUND, msg);
    g_free (msg);
    g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
  }

  g_assert_cmpint (g_unlink (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (file);
  g_free (missing);
  g_free (dir);
}

static void
test_session_config (void)
{
  LaEngineConfig ec;
  LaSessionConfig sc;
  GError *err = NULL;
  LaEngine *e;

  test_engine_config_init (&ec);
  e = la_engine_new (&ec, &err);
  g_assert_no_error (err);

  la_session_config_init (&sc);
  sc.queue_blocks = 0;
  g_assert_null (la_session_new (e, &sc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  la_session_config_init (&sc);
  sc.format = (LaPixelFormat) 3;
  g_assert_null (la_session_new (e, &sc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  la_session_config_init (&sc);
  sc.prompt = "\xff\xfe not utf-8";
  g_assert_null (la_session_new (e, &sc, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  la_engine_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/resolved", test_resolved_config);
  g_test_add_func ("/config/backends", test_backends);
  g_test_add_func ("/config/precisions", test_precisions);
  g_test_add_func ("/config/model-path", test_model_path);
  g_test_add_func ("/config/session", test_session_config);

  return g_test_run ();
}
