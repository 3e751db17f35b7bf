/* liveavatar-cli generate: a picture and a WAV file in, a video out
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar's generation (la_avatar_generate, one thread) from files,
 * with its inputs replaceable by precomputed tensors and its internals
 * dumped, for parity work. The file names and tensor names are the
 * manual's (docs/cli.md).
 */

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "liveavatar.h"
#include "la-avatar-generate.h"
#include "la-checkpoint.h"
#include "la-cli.h"
#include "la-cli-image.h"
#include "la-cli-resize.h"
#include "la-cli-video.h"
#include "la-cli-wav.h"
#include "la-dit-config.h"
#include "la-safetensors-writer.h"

#define COMMAND "generate"

/* Live Avatar's single-GPU script (--size "704*384") and the elements'
 * defaults, so that the same inputs give the same video */
#define DEFAULT_AREA_WIDTH 704
#define DEFAULT_AREA_HEIGHT 384
#define DEFAULT_SEED 42
#define DEFAULT_STEPS 4

/* tensor names of the input files */
#define T_FEATURES "audio_features"
#define T_CONTEXT "text_context"
#define T_NOISE "clip%04u"
#define T_DRAWS "draws"
#define T_REF "ref_latent"
#define T_MOTION "motion_latents"
#define T_PICTURE "picture"

#define SAMPLES_PER_CLIP (LA_CLI_WAV_RATE / 25 * LA_AVATAR_FRAMES_PER_BLOCK * \
    LA_AVATAR_BLOCKS_PER_CLIP)
#define FRAMES_PER_CLIP (LA_AVATAR_FRAMES_PER_BLOCK * LA_AVATAR_BLOCKS_PER_CLIP)
#define AUDIO_LAYERS 25
/* a scaled reference picture stays below this a side (as the elements) */
#define MAX_SCALED (8 * 4096)

typedef struct
{
  gchar *model;
  gchar *image;
  gchar *audio;
  gchar *out;
  gchar *seed;
  gchar *size;
  gint clips;
  gint steps;
  gboolean no_online_decode;
  gchar *prompt;
  gchar *lora;
  gchar *backend;
  gchar *precision;
  gchar *compute;
  gchar *features;
  gchar *context;
  gchar *noise;
  gchar *draws;
  gchar *ref_latents;
  gchar *dump;
} Options;

typedef struct
{
  LaCliVideo *video;
  const gchar *dump;
  gint z, h, w, width, height;
} Sink;

static void
options_clear (Options * o)
{
  g_free (o->model);
  g_free (o->image);
  g_free (o->audio);
  g_free (o->out);
  g_free (o->seed);
  g_free (o->size);
  g_free (o->prompt);
  g_free (o->lora);
  g_free (o->backend);
  g_free (o->precision);
  g_free (o->compute);
  g_free (o->features);
  g_free (o->context);
  g_free (o->noise);
  g_free (o->draws);
  g_free (o->ref_latents);
  g_free (o->dump);
}

/* ---- input tensors ---- */

/* Tensor @name of the safetensors (or .pth) file @path as fp32, checked
 * against @shape (-1: any); its shape into @got. */
static gfloat *
read_tensor (const gchar * path, const gchar * name, gint ndim,
    const gint64 * shape, gint64 * got, GError ** error)
{
  LaCheckpoint *ck = la_checkpoint_open (path, error);
  const LaCheckpointTensor *t;
  gfloat *data = NULL;

  if (ck == NULL)
    return NULL;
  if (!(t = la_checkpoint_lookup (ck, name))) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: no tensor \"%s\"", path, name);
    goto out;
  }
  data = la_checkpoint_read_f32 (ck, name, ndim, shape, error);
  if (data && got)
    memcpy (got, t->shape, ndim * sizeof (gint64));
out:
  la_checkpoint_free (ck);
  return data;
}

/* "draws" [n_blocks, steps], int32 or int64, each 4..30 */
static gint *
read_draws (const gchar * path, guint n_blocks, gint steps, GError ** error)
{
  LaCheckpoint *ck = la_checkpoint_open (path, error);
  const LaCheckpointTensor *t;
  gint *draws = NULL;
  gsize i, n = (gsize) n_blocks * steps;

  if (ck == NULL)
    return NULL;
  t = la_checkpoint_lookup (ck, T_DRAWS);
  if (t == NULL || (t->dtype != LA_IO_DTYPE_I32 &&
          t->dtype != LA_IO_DTYPE_I64) || t->ndim != 2 ||
      t->shape[1] != steps || t->shape[0] < n_blocks) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: needs \"%s\", int32 or int64 [%u or more, %d] (blocks, steps)",
        path, T_DRAWS, n_blocks, steps);
    goto out;
  }
  draws = g_new (gint, n);
  for (i = 0; i < n; i++) {
    gint64 v;

    if (t->dtype == LA_IO_DTYPE_I32) {
      gint32 v32;

      memcpy (&v32, (const guint8 *) t->data + 4 * i, 4);
      v = v32;
    } else {
      memcpy (&v, (const guint8 *) t->data + 8 * i, 8);
    }
    if (v < 4 || v > 30) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_DATA,
          "%s: \"%s\" block %" G_GSIZE_FORMAT " step %" G_GSIZE_FORMAT
          ": %" G_GINT64_FORMAT " is not a sink distance (4 to 30)", path,
          T_DRAWS, i / steps, i % steps, v);
      g_clear_pointer (&draws, g_free);
      goto out;
    }
    draws[i] = (gint) v;
  }
out:
  la_checkpoint_free (ck);
  return draws;
}

/* every clip's "clipNNNN" [z, 12, h, w], one after the other */
static gfloat *
read_noise (const gchar * path, guint n_clips, gint z, gint h, gint w,
    GError ** error)
{
  gint64 shape[4] = { z, LA_AVATAR_LATENTS_PER_BLOCK *
        LA_AVATAR_BLOCKS_PER_CLIP, h, w
  };
  gsize per_clip = (gsize) (shape[0] * shape[1] * shape[2] * shape[3]);
  LaCheckpoint *ck = la_checkpoint_open (path, error);
  gfloat *noise = NULL;
  guint c;

  if (ck == NULL)
    return NULL;
  noise = g_new (gfloat, per_clip * n_clips);
  for (c = 0; c < n_clips; c++) {
    gchar *name = g_strdup_printf (T_NOISE, c);
    const LaCheckpointTensor *t = la_checkpoint_expect (ck, name,
        LA_IO_DTYPES_FLOAT, 4, shape, error);

    g_free (name);
    if (!t || !la_checkpoint_tensor_to_f32 (t, noise + c * per_clip,
            per_clip, error)) {
      g_clear_pointer (&noise, g_free);
      break;
    }
  }
  la_checkpoint_free (ck);
  return noise;
}

/* ---- outputs ---- */

static gboolean
dump_tensor (const Sink * s, const gchar * name, gint ndim,
    const gint64 * shape, const gfloat * data, GError ** error)
{
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  gchar *file = g_strdup_printf ("%s.safetensors", name);
  gchar *path = g_build_filename (s->dump, file, NULL);
  gboolean ok;

  ok = la_safetensors_writer_add_f32 (w, name, LA_IO_DTYPE_F32, ndim, shape,
      data, error) && la_safetensors_writer_save (w, path, error);
  la_safetensors_writer_free (w);
  g_free (path);
  g_free (file);
  return ok;
}

static gboolean
on_frames (gpointer user_data, guint64 first_frame, const guint8 * rgb,
    guint n_frames, GError ** error)
{
  Sink *s = user_data;

  return la_cli_video_write (s->video, rgb, n_frames, error);
}

static gboolean
on_latent (gpointer user_data, guint64 block, gint step,
    const gfloat * latent, GError ** error)
{
  Sink *s = user_data;
  gint64 shape[4] = { s->z, LA_AVATAR_LATENTS_PER_BLOCK, s->h, s->w };
  gchar *name = g_strdup_printf ("block%04" G_GUINT64_FORMAT ".step%d",
      block, step);
  gboolean ok = dump_tensor (s, name, 4, shape, latent, error);

  g_free (name);
  return ok;
}

static gboolean
on_pixels (gpointer user_data, guint64 block, const gfloat * pixels,
    guint n_pictures, GError ** error)
{
  Sink *s = user_data;
  gint64 shape[4] = { n_pictures, 3, s->height, s->width };
  gchar *name = g_strdup_printf ("block%04" G_GUINT64_FORMAT ".pixels",
      block);
  gboolean ok = dump_tensor (s, name, 4, shape, pixels, error);

  g_free (name);
  return ok;
}

/* the conditioning actually used, named as the input files name them, so
 * a dump can be fed back (--ref-latents, --text-context) */
static gboolean
dump_inputs (const Sink * s, const LaAvatarCond * cond,
    const LaAvatarPrompt * prompt, gint text_dim, GError ** error)
{
  gint64 ref[4] = { s->z, 1, s->h, s->w };
  gint64 motion[4] = { s->z, LA_AVATAR_MOTION_LATENTS, s->h, s->w };
  gint64 ctx[2] = { prompt->n_rows, text_dim };
  gint64 pic[3] = { s->height, s->width, 3 };
  LaSafetensorsWriter *w = la_safetensors_writer_new ();
  gchar *path = g_build_filename (s->dump, "inputs.safetensors", NULL);
  gboolean ok;

  ok = la_safetensors_writer_add_f32 (w, T_REF, LA_IO_DTYPE_F32, 4, ref,
      cond->ref_latent, error) &&
      la_safetensors_writer_add_f32 (w, T_MOTION, LA_IO_DTYPE_F32, 4, motion,
      cond->motion_latents, error) &&
      la_safetensors_writer_add_f32 (w, T_CONTEXT, LA_IO_DTYPE_F32, 2, ctx,
      prompt->context, error);
  if (ok && cond->picture)
    ok = la_safetensors_writer_add (w, T_PICTURE, LA_IO_DTYPE_U8, 3, pic,
        cond->picture, (gsize) s->height * s->width * 3, error);
  ok = ok && la_safetensors_writer_save (w, path, error);
  la_safetensors_writer_free (w);
  g_free (path);
  return ok;
}

/* ---- the command ---- */

static gboolean
parse_precision (const gchar * text, LaPrecision * precision)
{
  static const LaPrecision all[] = { LA_PRECISION_AUTO, LA_PRECISION_FP32,
    LA_PRECISION_BF16, LA_PRECISION_FP8
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_str_equal (text, la_precision_name (all[i]))) {
      *precision = all[i];
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_compute (const gchar * text, LaDitCompute * compute)
{
  static const LaDitCompute all[] = { LA_DIT_COMPUTE_AUTO,
    LA_DIT_COMPUTE_F32, LA_DIT_COMPUTE_BF16
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_str_equal (text, la_dit_compute_name (all[i]))) {
      *compute = all[i];
      return TRUE;
    }
  if (g_str_equal (text, "fp32")) {
    *compute = LA_DIT_COMPUTE_F32;
    return TRUE;
  }
  return FALSE;
}

static gint
check_options (Options * o, gint argc, gchar ** argv, LaCliVideoFormat * fmt,
    gint * area_w, gint * area_h, guint64 * seed, LaBackendKind * kind,
    gint * device, LaPrecision * precision, LaDitCompute * compute)
{
  if (argc > 1)
    return la_cli_usage_error (COMMAND, "unexpected argument '%s'", argv[1]);
  if (!o->model)
    return la_cli_usage_error (COMMAND, "--model is required");
  if (!o->out)
    return la_cli_usage_error (COMMAND, "--out is required");
  if (!la_cli_video_format_for (o->out, fmt))
    return la_cli_usage_error (COMMAND, "--out: '%s' must end in .y4m "
        "(YUV4MPEG2) or .rgb (raw RGB frames), or be - (Y4M on stdout)",
        o->out);
  if (!o->image && !o->ref_latents)
    return la_cli_usage_error (COMMAND, "--image (or --ref-latents) is "
        "required");
  if (!o->audio == !o->features)
    return la_cli_usage_error (COMMAND, o->audio ? "--audio and "
        "--audio-features exclude each other" : "--audio (or "
        "--audio-features) is required");
  if (o->prompt && o->context)
    return la_cli_usage_error (COMMAND, "--prompt and --text-context "
        "exclude each other");
  if (o->size && o->ref_latents)
    return la_cli_usage_error (COMMAND, "--size and --ref-latents exclude "
        "each other (the latents give the size)");
  if (o->size && !la_cli_parse_size (o->size, area_w, area_h))
    return la_cli_usage_error (COMMAND, "--size: '%s' is not WxH (or W*H) "
        "with positive sides", o->size);
  if (o->seed && !la_cli_parse_u64 (o->seed, seed))
    return la_cli_usage_error (COMMAND, "--seed: '%s' is not a number from "
        "0 to %" G_GUINT64_FORMAT, o->seed, G_MAXUINT64);
  if (o->clips == 0 || o->clips < -1)
    return la_cli_usage_error (COMMAND, "--clips: %d is not a positive "
        "number", o->clips);
  if (o->steps < 1 || o->steps > LA_SAMPLER_MAX_STEPS)
    return la_cli_usage_error (COMMAND, "--steps: %d is not from 1 to %d",
        o->steps, LA_SAMPLER_MAX_STEPS);
  if (o->backend && !la_cli_parse_backend (o->backend, kind, device))
    return la_cli_usage_error (COMMAND, "--backend: unknown '%s' (cpu, "
        "cuda[:N], auto)", o->backend);
  if (o->precision && !parse_precision (o->precision, precision))
    return la_cli_usage_error (COMMAND, "--precision: unknown '%s' (auto, "
        "fp32, bf16, fp8)", o->precision);
  if (o->compute && !parse_compute (o->compute, compute))
    return la_cli_usage_error (COMMAND, "--compute: unknown '%s' (auto, "
        "f32, bf16)", o->compute);
  return LA_CLI_EXIT_OK;
}

gint
la_cli_generate (gint argc, gchar ** argv)
{
  Options o = { NULL };
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model,
        "Wan2.2-S2V-14B checkpoint folder (or the tiny model's)", "DIR"},
    {"image", 'i', 0, G_OPTION_ARG_FILENAME, &o.image,
        "Reference picture: PPM/PGM/PBM, or PNG", "FILE"},
    {"audio", 'a', 0, G_OPTION_ARG_FILENAME, &o.audio,
        "Speech: WAV, 16 kHz mono, 16-bit or float", "FILE"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out,
        "Video to write: .y4m (YUV4MPEG2 4:4:4), .rgb (raw RGB), - (Y4M to "
          "stdout); 25 fps", "FILE"},
    {"seed", 's', 0, G_OPTION_ARG_STRING, &o.seed,
        "Seed of the noise and sink draws (default 42)", "N"},
    {"size", 0, 0, G_OPTION_ARG_STRING, &o.size,
        "Output AREA, Live Avatar's --size: the picture's aspect decides the "
          "sides (default 704x384)", "WxH"},
    {"clips", 'c', 0, G_OPTION_ARG_INT, &o.clips,
        "At most N clips of 48 frames (1.92 s), like Live Avatar's "
          "--num_clip (default: all the audio covers)", "N"},
    {"steps", 0, 0, G_OPTION_ARG_INT, &o.steps,
        "Sampling steps, 1 to 8 (default 4, as Live Avatar)", "N"},
    {"no-online-decode", 0, 0, G_OPTION_ARG_NONE, &o.no_online_decode,
        "Decode per clip instead of per block", NULL},
    {"prompt", 'p', 0, G_OPTION_ARG_STRING, &o.prompt,
        "Text prompt (default empty)", "TEXT"},
    {"lora", 0, 0, G_OPTION_ARG_FILENAME, &o.lora,
        "Live Avatar LoRA file; 'none' for none (default: "
          "liveavatar.safetensors where found)", "FILE"},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &o.backend,
        "cpu (default), cuda[:N] or auto", "NAME"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &o.precision,
          "DiT linear weights: fp32, bf16, fp8 (Live Avatar's --fp8) or auto "
          "(default: fp32 on cpu, bf16 on cuda, bf16 under --compute bf16)",
        "NAME"},
    {"compute", 0, 0, G_OPTION_ARG_STRING, &o.compute,
        "DiT activations: f32 (the reference) or bf16 (Live Avatar's GPU "
          "numerics, needs bf16 or fp8 weights), or auto (default: "
          "LIVEAVATAR_COMPUTE, else bf16 on cuda and f32 on cpu; f32 under "
          "--precision fp32)", "NAME"},
    {"audio-features", 0, 0, G_OPTION_ARG_FILENAME, &o.features,
        "Instead of --audio: \"" T_FEATURES "\" [frames, 25, audio_dim], "
          "wav2vec2 states at 25 fps", "FILE"},
    {"text-context", 0, 0, G_OPTION_ARG_FILENAME, &o.context,
        "Instead of --prompt: \"" T_CONTEXT "\" [n, text_dim], umT5's "
          "output", "FILE"},
    {"noise", 0, 0, G_OPTION_ARG_FILENAME, &o.noise,
          "Initial noise: \"clip0000\", \"clip0001\"... [16, 12, h, w] per clip",
        "FILE"},
    {"draws", 0, 0, G_OPTION_ARG_FILENAME, &o.draws,
          "Sink distances: \"" T_DRAWS "\" int [blocks, steps], 4 to 30",
        "FILE"},
    {"ref-latents", 0, 0, G_OPTION_ARG_FILENAME, &o.ref_latents,
        "Conditioning latents: \"" T_REF "\" [16, 1, h, w] and \"" T_MOTION
          "\" [16, 19, h, w]; the size is 8h x 8w", "FILE"},
    {"dump", 0, 0, G_OPTION_ARG_FILENAME, &o.dump,
        "Write every block's latent after every step, the decoded pixels and "
          "the inputs to DIR", "DIR"},
    {NULL}
  };
  GOptionContext *context;
  GError *err = NULL;
  gint status, area_w = DEFAULT_AREA_WIDTH, area_h = DEFAULT_AREA_HEIGHT;
  gint width = 0, height = 0, device = 0;
  guint64 seed = DEFAULT_SEED;
  LaBackendKind kind = LA_BACKEND_CPU;
  LaPrecision precision = LA_PRECISION_AUTO;
  LaDitCompute compute = LA_DIT_COMPUTE_AUTO;
  LaCliVideoFormat fmt;
  LaCliImage *image = NULL;
  gfloat *pcm = NULL, *features = NULL, *ctx = NULL, *ref = NULL;
  gfloat *motion = NULL, *noise = NULL;
  gint *draws = NULL;
  guint8 *picture = NULL;
  gsize n_pcm = 0;
  gint64 fshape[3] = { 0 }, cshape[2] = { 0 }, rshape[4] = { 0 };
  guint n_clips, n_blocks;
  guint64 n_frames;
  LaBackend *be = NULL;
  LaAvatar *avatar = NULL;
  LaAvatarConfig cfg;
  LaAvatarCond *cond = NULL;
  LaAvatarPrompt *prompt = NULL;
  LaAvatarGenerateParams params;
  const LaDitConfig *dc;
  Sink sink = { NULL };
  gboolean out_created = FALSE;

  o.steps = DEFAULT_STEPS;
  o.clips = -1;
  g_set_prgname (LA_CLI_PROGRAM " " COMMAND);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
      "Animates the person in the picture to the speech, as Live Avatar "
      "does (Wan2.2-S2V-14B,\ncausal, block by block), on this machine. "
      "The parity options replace an input\nwith a precomputed tensor from "
      "a safetensors file (see docs/cli.md).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!la_cli_parse (context, COMMAND, &argc, &argv)) {
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  status = check_options (&o, argc, argv, &fmt, &area_w, &area_h, &seed,
      &kind, &device, &precision, &compute);
  if (status != LA_CLI_EXIT_OK)
    goto out;
  status = LA_CLI_EXIT_FAILURE;

  /* the inputs first: a bad file fails before seconds of loading */
  if (o.image && !(image = la_cli_image_read (o.image, &err)))
    goto failed;
  if (o.audio && !(pcm = la_cli_wav_read (o.audio, &n_pcm, &err)))
    goto failed;
  if (o.audio && n_pcm == 0) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: the audio holds no samples", o.audio);
    goto failed;
  }
  if (o.features) {
    static const gint64 any[3] = { -1, AUDIO_LAYERS, -1 };

    if (!(features = read_tensor (o.features, T_FEATURES, 3, any, fshape,
                &err)))
      goto failed;
    if (fshape[0] < FRAMES_PER_CLIP) {
      g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
          "%s: \"%s\" has %" G_GINT64_FORMAT " frames, less than one clip "
          "(%d)", o.features, T_FEATURES, fshape[0], FRAMES_PER_CLIP);
      goto failed;
    }
  }
  if (o.ref_latents) {
    static const gint64 any[4] = { LA_VAE_Z_DIM, 1, -1, -1 };

    if (!(ref = read_tensor (o.ref_latents, T_REF, 4, any, rshape, &err)))
      goto failed;
    rshape[1] = LA_AVATAR_MOTION_LATENTS;
    if (!(motion = read_tensor (o.ref_latents, T_MOTION, 4, rshape, NULL,
                &err)))
      goto failed;
    width = (gint) MIN (rshape[3] * 8, G_MAXINT / 2);
    height = (gint) MIN (rshape[2] * 8, G_MAXINT / 2);
  } else if (!la_size_for_area (image->width, image->height, area_w, area_h,
          &width, &height)) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "%s: no output size of area %dx%d fits a %dx%d picture (too "
        "elongated)", o.image, area_w, area_h, image->width, image->height);
    goto failed;
  }
  if (image) {
    LaCrop c;
    gint sw, sh;

    la_crop_for (image->width, image->height, width, height, &c);
    sw = c.scaled_width;
    sh = c.scaled_height;
    if (sw > MAX_SCALED || sh > MAX_SCALED) {
      g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "%s: a %dx%d picture scaled for %dx%d would be %dx%d: too "
          "elongated", o.image, image->width, image->height, width, height,
          sw, sh);
      goto failed;
    }
    picture = la_cli_fit_picture (image->rgb, image->width, image->height,
        width, height);
  }

  /* the model */
  la_avatar_config_init (&cfg);
  cfg.model_dir = o.model;
  if (o.lora)
    cfg.lora_path = g_str_equal (o.lora, "none") ? "" : o.lora;
  cfg.width = width;
  cfg.height = height;
  cfg.sample_steps = o.steps;
  cfg.load_text_encoder = o.context == NULL;
  cfg.load_audio_encoder = o.features == NULL;
  if (!(be = la_backend_new (kind, device, &err)))
    goto failed;
  cfg.precision = precision;
  cfg.compute = compute;
  la_avatar_resolve_compute (&cfg.precision, &cfg.compute,
      la_backend_get_kind (be));
  if (!(avatar = la_avatar_new (be, &cfg, &err)))
    goto failed;
  dc = la_dit_get_config (la_avatar_get_dit (avatar));
  la_avatar_get_latent_size (avatar, &sink.h, &sink.w);
  sink.z = (gint) (la_avatar_block_latent_size (avatar) /
      (LA_AVATAR_LATENTS_PER_BLOCK * (gsize) sink.h * sink.w));
  sink.width = width;
  sink.height = height;

  if (features && fshape[2] != dc->audio_dim) {
    g_set_error (&err, LA_ERROR, LA_ERROR_INVALID_DATA,
        "%s: \"%s\" has %" G_GINT64_FORMAT " values a frame and layer, the "
        "model's audio_dim is %d", o.features, T_FEATURES, fshape[2],
        dc->audio_dim);
    goto failed;
  }

  /* how long: what the audio covers, at most --clips */
  if (features)
    n_clips = (guint) MIN (fshape[0] / FRAMES_PER_CLIP, G_MAXUINT / 8);
  else
    n_clips = (guint) MIN ((n_pcm + SAMPLES_PER_CLIP - 1) / SAMPLES_PER_CLIP,
        G_MAXUINT / 8);
  if (o.clips > 0 && (guint) o.clips < n_clips)
    n_clips = (guint) o.clips;
  n_blocks = n_clips * LA_AVATAR_BLOCKS_PER_CLIP;

  /* the conditioning */
  if (ref)
    cond = la_avatar_cond_new_from_latents (avatar, ref, motion, picture, &err);
  else
    cond = la_avatar_cond_new (avatar, picture, width * 3, &err);
  if (cond == NULL)
    goto failed;
  if (o.context) {
    gint64 any[2] = { -1, dc->text_dim };

    if (!(ctx = read_tensor (o.context, T_CONTEXT, 2, any, cshape, &err)))
      goto failed;
    prompt = la_avatar_prompt_new_from_context (avatar, ctx,
        (gint) MIN (cshape[0], G_MAXINT), &err);
  } else {
    prompt = la_avatar_prompt_new (avatar, o.prompt ? o.prompt : "", &err);
  }
  if (prompt == NULL)
    goto failed;
  if (prompt->truncated)
    g_printerr ("%s %s: the prompt was cut at %d tokens\n", LA_CLI_PROGRAM,
        COMMAND, dc->text_len);
  if (o.noise && !(noise = read_noise (o.noise, n_clips, sink.z, sink.h,
              sink.w, &err)))
    goto failed;
  if (o.draws && !(draws = read_draws (o.draws, n_blocks, o.steps, &err)))
    goto failed;

  if (o.dump) {
    if (g_mkdir_with_parents (o.dump, 0755) != 0) {
      g_set_error (&err, LA_ERROR, LA_ERROR_FAILED,
          "%s: cannot create the folder: %s", o.dump, g_strerror (errno));
      goto failed;
    }
    sink.dump = o.dump;
    if (!dump_inputs (&sink, cond, prompt, dc->text_dim, &err))
      goto failed;
  }

  if (!(sink.video = la_cli_video_open (o.out, fmt, width, height, &err)))
    goto failed;
  out_created = TRUE;

  la_avatar_generate_params_init (&params);
  params.seed = seed;
  params.n_blocks = n_blocks;
  params.online_decode = !o.no_online_decode;
  params.cond = cond;
  params.prompt = prompt;
  params.features = features;
  params.pcm = pcm;
  params.n_pcm = n_pcm;
  params.noise = noise;
  params.draws = draws;
  params.on_frames = on_frames;
  if (o.dump) {
    params.on_latent = on_latent;
    params.on_pixels = on_pixels;
  }
  params.user_data = &sink;
  if (!la_avatar_generate (avatar, &params, &err))
    goto failed;
  n_frames = la_cli_video_get_n_frames (sink.video);
  if (!la_cli_video_close (sink.video, &err)) {
    sink.video = NULL;
    goto failed;
  }
  sink.video = NULL;
  g_printerr ("%s %s: %s: %" G_GUINT64_FORMAT " frames of %dx%d at 25 fps "
      "(%u clip%s)\n", LA_CLI_PROGRAM, COMMAND, o.out, n_frames, width,
      height, n_clips, n_clips == 1 ? "" : "s");
  status = LA_CLI_EXIT_OK;
  goto out;

failed:
  status = la_cli_fail (COMMAND, err);
  la_cli_video_close (sink.video, NULL);
  sink.video = NULL;
  /* no half-written video left behind to be taken for a whole one */
  if (out_created && !g_str_equal (o.out, "-"))
    g_unlink (o.out);
out:
  if (prompt)
    la_avatar_prompt_unref (prompt);
  if (cond)
    la_avatar_cond_unref (cond);
  la_avatar_free (avatar);
  la_backend_free (be);
  la_cli_image_free (image);
  g_free (picture);
  g_free (pcm);
  g_free (features);
  g_free (ctx);
  g_free (ref);
  g_free (motion);
  g_free (noise);
  g_free (draws);
  g_option_context_free (context);
  options_clear (&o);
  return status;
}
