/* liveavatar: example application, live control of the avatar
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Builds a live pipeline around liveavatarfilter, changes the avatar while
 * it plays, and prints what the elements say on the bus.
 *
 *   live speech ─► audioconvert ─► audioresample ─► F32LE 16 kHz mono
 *       ─► liveavatarfilter ─► videoconvert ─► SINK
 *
 * While playing, on a timer:
 *   1. `prompt` changes (it may change in PLAYING; the model takes it at
 *      the next block, 0.48 s);
 *   2. with --new-reference-image, `reference-image` changes. Whether a
 *      property may change while playing is in its GParamSpec flags
 *      (GST_PARAM_MUTABLE_PLAYING), so the program asks. If it may, the
 *      new picture shows from the next clip boundary (a file that cannot
 *      be decoded gives a WARNING and the old picture stays). If not, the
 *      element refuses the change with a WARNING message on the bus
 *      (printed) and keeps the old value; then the pipeline goes to
 *      READY, the property is set, and it plays again: the weights stay
 *      loaded, a new session starts with the new picture, and the stream
 *      restarts at running time 0.
 * Then it sends EOS and waits for it. Errors, warnings, latency, QoS,
 * element messages and the pipeline's state changes are printed as they
 * come, one line each, prefixed with the time since start.
 *
 * Build: part of the project (meson), or alone:
 *   cc liveavatar-control.c $(pkg-config --cflags --libs gstreamer-1.0)
 * Run (the plugin must be in GST_PLUGIN_PATH or installed):
 *   liveavatar-control                       test model, 6 s, a window
 *   liveavatar-control --sink "fakesink sync=true" --seconds 4
 *   liveavatar-control --model-path /models/Wan2.2-S2V-14B \
 *       --reference-image face.png --new-reference-image other.png
 * (the test model needs no picture; give both to see the change anyway)
 */

#include <stdlib.h>
#include <gst/gst.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *avatar;
  gchar *new_prompt;
  gchar *new_image;
  gint64 start_us;
  gint frames;
  guint timers[5];
  gboolean failed;
  gboolean eos_sent;
} App;

static gdouble
app_time (App * app)
{
  return (g_get_monotonic_time () - app->start_us) / 1e6;
}

/* *INDENT-OFF* */
static void say (App * app, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static void
say (App * app, const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("[%6.2f] %s\n", app_time (app), text);
  g_free (text);
}

/* ---- the pipeline */

static GstElement *
make (const gchar * factory, const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL)
    g_printerr ("no element '%s': is its plugin installed?\n", factory);
  return e;
}

static gboolean
build_pipeline (App * app, const gchar * model_path, const gchar * image,
    const gchar * prompt, const gchar * sink_desc, gint size)
{
  GstElement *speech, *aconv, *resample, *caps, *vconv, *sink;
  GstCaps *audio_caps;
  GError *err = NULL;

  app->pipeline = gst_pipeline_new ("pipeline");
  /* a live test voice: 0.3 s of tone every 0.6 s; an application would
   * use appsrc (TTS output), pulsesrc, or an RTP receiver here */
  speech = make ("audiotestsrc", "speech");
  aconv = make ("audioconvert", NULL);
  resample = make ("audioresample", NULL);
  caps = make ("capsfilter", NULL);
  app->avatar = make ("liveavatarfilter", "avatar");
  vconv = make ("videoconvert", NULL);
  sink = gst_parse_bin_from_description (sink_desc, TRUE, &err);
  if (!speech || !aconv || !resample || !caps || !app->avatar || !vconv ||
      !sink)
    goto missing;

  g_object_set (speech, "is-live", TRUE, "wave", 8 /* ticks */ ,
      "tick-interval", (guint64) 600 * GST_MSECOND,
      "sine-periods-per-tick", 66, "freq", 220.0, "volume", 0.5, NULL);
  audio_caps = gst_caps_from_string ("audio/x-raw,format=F32LE,"
      "rate=16000,channels=1");
  g_object_set (caps, "caps", audio_caps, NULL);
  gst_caps_unref (audio_caps);

  /* READY-only properties: set before the pipeline leaves NULL */
  if (model_path != NULL)
    g_object_set (app->avatar, "model-path", model_path, NULL);
  else
    gst_util_set_object_arg (G_OBJECT (app->avatar), "model", "test");
  if (image != NULL)
    g_object_set (app->avatar, "reference-image", image, NULL);
  g_object_set (app->avatar, "prompt", prompt, "width", size, "height", size,
      NULL);

  gst_bin_add_many (GST_BIN (app->pipeline), speech, aconv, resample, caps,
      app->avatar, vconv, sink, NULL);
  if (!gst_element_link_many (speech, aconv, resample, caps, app->avatar,
          vconv, sink, NULL)) {
    g_printerr ("could not link the pipeline\n");
    return FALSE;
  }
  return TRUE;

  /* ERRORS */
missing:
  {
    if (err != NULL) {
      g_printerr ("bad --sink '%s': %s\n", sink_desc, err->message);
      g_clear_error (&err);
    }
    /* none of them is in a bin yet: drop the floating references */
    if (speech)
      gst_object_unref (gst_object_ref_sink (speech));
    if (aconv)
      gst_object_unref (gst_object_ref_sink (aconv));
    if (resample)
      gst_object_unref (gst_object_ref_sink (resample));
    if (caps)
      gst_object_unref (gst_object_ref_sink (caps));
    if (app->avatar)
      gst_object_unref (gst_object_ref_sink (app->avatar));
    if (vconv)
      gst_object_unref (gst_object_ref_sink (vconv));
    if (sink)
      gst_object_unref (gst_object_ref_sink (sink));
    app->avatar = NULL;
    return FALSE;
  }
}

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  App *app = user_data;

  /* the streaming thread */
  g_atomic_int_inc (&app->frames);
  return GST_PAD_PROBE_OK;
}

/* ---- live control, on timers */

static gboolean
change_prompt (gpointer user_data)
{
  App *app = user_data;
  gchar *before, *after;

  g_object_get (app->avatar, "prompt", &before, NULL);
  /* PLAYING-mutable: taken at the next block boundary */
  g_object_set (app->avatar, "prompt", app->new_prompt, NULL);
  g_object_get (app->avatar, "prompt", &after, NULL);
  say (app, "prompt: '%s' -> '%s'", GST_STR_NULL (before),
      GST_STR_NULL (after));
  g_free (before);
  g_free (after);
  return G_SOURCE_REMOVE;
}

static gboolean cycle_reference_image (gpointer user_data);

static gboolean
change_reference_image (gpointer user_data)
{
  App *app = user_data;
  GParamSpec *pspec;
  gboolean live;
  gchar *now;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (app->avatar),
      "reference-image");
  live = (pspec->flags & GST_PARAM_MUTABLE_PLAYING) != 0;
  say (app, "reference-image may change while playing: %s",
      live ? "yes" : "no, READY only");
  say (app, "setting reference-image to '%s' while PLAYING", app->new_image);
  g_object_set (app->avatar, "reference-image", app->new_image, NULL);
  g_object_get (app->avatar, "reference-image", &now, NULL);
  if (live) {
    /* taken at the next clip boundary; a bad file gives a WARNING */
    say (app, "reference-image is now '%s'", GST_STR_NULL (now));
  } else {
    /* refused, with a WARNING on the bus: change it in READY instead */
    say (app, "reference-image is still '%s'", GST_STR_NULL (now));
    app->timers[2] = g_timeout_add (500, cycle_reference_image, app);
  }
  g_free (now);
  return G_SOURCE_REMOVE;
}

static gboolean
cycle_reference_image (gpointer user_data)
{
  App *app = user_data;
  gchar *now;

  /* READY keeps the engine (weights); the session, which encodes the
   * image, is rebuilt on the way back to PLAYING */
  say (app, "READY cycle to change reference-image");
  if (gst_element_set_state (app->pipeline, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE)
    goto failed;
  g_object_set (app->avatar, "reference-image", app->new_image, NULL);
  g_object_get (app->avatar, "reference-image", &now, NULL);
  say (app, "reference-image is now '%s'", GST_STR_NULL (now));
  g_free (now);
  if (gst_element_set_state (app->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    goto failed;
  return G_SOURCE_REMOVE;

  /* ERRORS */
failed:
  {
    say (app, "state change failed");
    app->failed = TRUE;
    g_main_loop_quit (app->loop);
    return G_SOURCE_REMOVE;
  }
}

static gboolean
send_eos (gpointer user_data)
{
  App *app = user_data;

  say (app, "sending EOS");
  app->eos_sent = TRUE;
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

static gboolean
give_up (gpointer user_data)
{
  App *app = user_data;

  say (app, "no EOS in time: giving up");
  app->failed = TRUE;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

/* ---- the bus */

static void
print_latency (App * app, GstMessage * msg)
{
  GstQuery *query;
  GstClockTime min, max, ours = 0;
  gboolean live;
  gchar *max_text;

  /* someone's latency changed: let the pipeline redistribute it, then
   * show the new total and the avatar's share */
  gst_bin_recalculate_latency (GST_BIN (app->pipeline));
  query = gst_query_new_latency ();
  if (gst_element_query (app->pipeline, query)) {
    gst_query_parse_latency (query, &live, &min, &max);
    g_object_get (app->avatar, "latency", &ours, NULL);
    max_text = GST_CLOCK_TIME_IS_VALID (max) ?
        g_strdup_printf ("%" GST_TIME_FORMAT, GST_TIME_ARGS (max)) :
        g_strdup ("none");
    say (app, "latency from %s: pipeline %s, min %" GST_TIME_FORMAT
        ", max %s; liveavatarfilter adds %" GST_TIME_FORMAT,
        GST_MESSAGE_SRC_NAME (msg), live ? "live" : "not live",
        GST_TIME_ARGS (min), max_text, GST_TIME_ARGS (ours));
    g_free (max_text);
  } else {
    say (app, "latency from %s (query failed)", GST_MESSAGE_SRC_NAME (msg));
  }
  gst_query_unref (query);
}

static void
print_qos (App * app, GstMessage * msg)
{
  GstFormat format;
  guint64 running_time, processed, dropped;
  gint64 jitter;
  gdouble proportion;
  gint quality;

  gst_message_parse_qos (msg, NULL, &running_time, NULL, NULL, NULL);
  gst_message_parse_qos_values (msg, &jitter, &proportion, &quality);
  gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
  say (app, "qos from %s: at %" GST_TIME_FORMAT ", %" G_GINT64_FORMAT
      " ms late, proportion %.2f, %" G_GUINT64_FORMAT " processed, %"
      G_GUINT64_FORMAT " dropped", GST_MESSAGE_SRC_NAME (msg),
      GST_TIME_ARGS (running_time), jitter / GST_MSECOND, proportion,
      processed, dropped);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      say (app, "error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg),
          err->message, GST_STR_NULL (debug));
      app->failed = TRUE;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      say (app, "warning from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg),
          err->message, GST_STR_NULL (debug));
      break;
    case GST_MESSAGE_LATENCY:
      print_latency (app, msg);
      break;
    case GST_MESSAGE_QOS:
      print_qos (app, msg);
      break;
    case GST_MESSAGE_ELEMENT:{
      gchar *s = gst_structure_to_string (gst_message_get_structure (msg));

      say (app, "element message from %s: %s", GST_MESSAGE_SRC_NAME (msg), s);
      g_free (s);
      break;
    }
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (app->pipeline)) {
        GstState old, now;

        gst_message_parse_state_changed (msg, &old, &now, NULL);
        say (app, "pipeline %s -> %s", gst_element_state_get_name (old),
            gst_element_state_get_name (now));
      }
      break;
    case GST_MESSAGE_EOS:
      say (app, "EOS");
      if (!app->eos_sent) {
        say (app, "EOS before it was asked for");
        app->failed = TRUE;
      }
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  App app = { 0, };
  gchar *model_path = NULL, *sink_desc = NULL;
  gchar *image = NULL, *prompt = NULL;
  gint seconds = 6, size = 256;
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds,
        "How long to play, at least 4 (default 6)", "N"},
    {"sink", 'o', 0, G_OPTION_ARG_STRING, &sink_desc,
        "Video sink, gst-launch syntax (default autovideosink)", "DESC"},
    {"model-path", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
        "Checkpoints folder (default: the test model)", "DIR"},
    {"size", 0, 0, G_OPTION_ARG_INT, &size,
        "Width and height of the test model's picture (default 256)", "PX"},
    {"reference-image", 'i', 0, G_OPTION_ARG_FILENAME, &image,
        "Reference image at start (default: none)", "FILE"},
    {"new-reference-image", 'n', 0, G_OPTION_ARG_FILENAME, &app.new_image,
        "Reference image to switch to while playing", "FILE"},
    {"prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt,
        "Prompt at start", "TEXT"},
    {"new-prompt", 0, 0, G_OPTION_ARG_STRING, &app.new_prompt,
        "Prompt to switch to while playing", "TEXT"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  GstBus *bus;
  GstPad *pad;
  guint watch, i;
  int rc = EXIT_FAILURE;

  ctx = g_option_context_new ("- live control of liveavatarfilter");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (seconds < 4) {
    g_printerr ("--seconds must be at least 4\n");
    goto done;
  }
  if (prompt == NULL)
    prompt = g_strdup ("A person talks to the camera in a quiet office.");
  if (app.new_prompt == NULL)
    app.new_prompt = g_strdup ("The same person, smiling, outdoors.");
  if (sink_desc == NULL)
    sink_desc = g_strdup ("autovideosink");

  app.start_us = g_get_monotonic_time ();
  if (!build_pipeline (&app, model_path, image, prompt, sink_desc, size))
    goto done;

  pad = gst_element_get_static_pad (app.avatar, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &app, NULL);
  gst_object_unref (pad);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  watch = gst_bus_add_watch (bus, on_bus, &app);
  gst_object_unref (bus);

  say (&app, "playing");
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    say (&app, "the pipeline does not start:");
    /* the element's error message is on the bus: show it */
    bus = gst_element_get_bus (app.pipeline);
    while (TRUE) {
      GstMessage *msg = gst_bus_pop (bus);

      if (msg == NULL)
        break;
      on_bus (bus, msg, &app);
      gst_message_unref (msg);
    }
    gst_object_unref (bus);
  } else {
    app.timers[0] = g_timeout_add (1000, change_prompt, &app);
    if (app.new_image != NULL)
      app.timers[1] = g_timeout_add (2000, change_reference_image, &app);
    app.timers[3] = g_timeout_add_seconds (seconds, send_eos, &app);
    app.timers[4] = g_timeout_add_seconds (seconds + 10, give_up, &app);
    g_main_loop_run (app.loop);
    /* those that have not fired (an error ended the run early) */
    for (i = 0; i < G_N_ELEMENTS (app.timers); i++) {
      GSource *t;

      if (app.timers[i] == 0)
        continue;
      t = g_main_context_find_source_by_id (NULL, app.timers[i]);
      if (t != NULL && !g_source_is_destroyed (t))
        g_source_destroy (t);
    }
    say (&app, "%d frames left liveavatarfilter",
        g_atomic_int_get (&app.frames));
    rc = app.failed ? EXIT_FAILURE : EXIT_SUCCESS;
  }

  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  g_source_remove (watch);
  g_main_loop_unref (app.loop);

done:
  if (app.pipeline)
    gst_object_unref (app.pipeline);
  g_free (model_path);
  g_free (sink_desc);
  g_free (image);
  g_free (prompt);
  g_free (app.new_image);
  g_free (app.new_prompt);
  gst_deinit ();
  return rc;
}
