#!/usr/bin/python3
# liveavatar recipe: WebRTC sender
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Sends the talking avatar (H.264 or VP8) and its voice (Opus) to a web
page with webrtcbin, signalling through signalling.py.

  signalling.py --port 8080 &
  send.py --server http://127.0.0.1:8080 [--codec h264|vp8]
          [--audio "GST-LAUNCH SOURCE"] [--props "liveavatarsrc props"]
  then open http://127.0.0.1:8080/

Each page that says hello gets a fresh pipeline (one viewer at a time).
The pipeline, in gst-launch syntax, is PIPELINE below: liveavatarsrc is
the live avatar, producing 25 fps on the clock whether or not the speaker
talks; the speech goes both to its audio pad and, encoded, to the page.

Real checkpoints and GPUs: --props "model=liveavatar
model-path=/path/to/Wan2.2-S2V-14B reference-image=face.png backend=cuda"
and drop --width/--height (704x384). H100/H200 have no NVENC: H.264 is
x264enc (or --codec vp8). For a microphone: --audio "pulsesrc" or
"alsasrc"; for a file played in real time: --audio "filesrc
location=speech.wav ! decodebin ! audioconvert ! clocksync".

Python 3 with python3-gi and GStreamer's introspection data (Debian:
gir1.2-gst-plugins-bad-1.0 for GstWebRTC); needs gstreamer1.0-nice."""

import argparse
import ctypes
import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

VIDEO = {
    # constrained-baseline: what every browser decodes; zerolatency: no
    # B-frames or look-ahead; a keyframe a second so a lost one heals fast
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
            "bitrate={kbps} ! video/x-h264,profile=constrained-baseline ! "
            "rtph264pay config-interval=-1 aggregate-mode=zero-latency ! "
            "application/x-rtp,media=video,encoding-name=H264,payload=96",
    "vp8": "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=25 "
           "target-bitrate={bps} error-resilient=partitions ! rtpvp8pay ! "
           "application/x-rtp,media=video,encoding-name=VP8,payload=96",
}

PIPELINE = """
webrtcbin name=webrtc bundle-policy=max-bundle
liveavatarsrc name=avatar model=test width={width} height={height} {props} !
  videoconvert ! video/x-raw,format=I420 ! queue max-size-time=200000000 !
  {video} ! webrtc.
{audio} ! audioconvert ! audioresample ! audio/x-raw,rate=48000 !
  tee name=speech
speech. ! queue ! audioconvert ! audioresample !
  audio/x-raw,format=F32LE,rate=16000,channels=1 ! avatar.audio
speech. ! queue ! audioconvert ! opusenc ! rtpopuspay !
  application/x-rtp,media=audio,encoding-name=OPUS,payload=97 ! webrtc.
"""

# a speaker that pauses: 0.3 s of tone every 0.6 s (ticks), so the mouth
# visibly opens and closes
DEFAULT_AUDIO = ("audiotestsrc is-live=true wave=ticks tick-interval=600000000 "
                 "sine-periods-per-tick=66 freq=220 volume=0.5")


def ice_agent(webrtc):
    """webrtcbin's ICE agent. GStreamer 1.22 hands it out without a
    reference of its own (the agent is created floating and the property
    does not ref it), so the Python wrapper would take webrtcbin's only
    reference and free the agent under it; add the missing one."""
    ice = webrtc.get_property("ice-agent")
    if ice.__grefcount__ == 1:
        gobject = ctypes.CDLL("libgobject-2.0.so.0")
        gobject.g_object_ref.argtypes = [ctypes.c_void_p]
        gobject.g_object_ref.restype = ctypes.c_void_p
        gobject.g_object_ref(hash(ice))     # hash() is the GObject's address
    return ice


class Signalling:
    """The sender's side of signalling.py's long-poll relay."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def send(self, msg):
        req = urllib.request.Request(self.base + "/send/sender",
                                     data=json.dumps(msg).encode(),
                                     method="POST")
        try:
            urllib.request.urlopen(req, timeout=10).read()
        except (urllib.error.URLError, OSError) as e:
            print("send.py: signalling: %s" % e, file=sys.stderr)

    def poll(self):
        with urllib.request.urlopen(self.base + "/poll/sender?timeout=20",
                                    timeout=30) as r:
            return json.loads(r.read())


class Sender:
    def __init__(self, args, loop):
        self.args = args
        self.loop = loop
        self.sig = Signalling(args.server)
        self.pipe = None
        self.webrtc = None
        self.session = None
        self.rc = 0

    # ---- pipeline

    def describe(self):
        kbps = self.args.kbps
        video = VIDEO[self.args.codec].format(kbps=kbps, bps=kbps * 1000)
        return PIPELINE.format(width=self.args.width, height=self.args.height,
                               props=self.args.props, video=video,
                               audio=self.args.audio)

    def start(self, session):
        self.stop()
        self.session = session
        self.pipe = Gst.parse_launch(self.describe())
        self.webrtc = self.pipe.get_by_name("webrtc")
        # The avatar's frames leave 0.52 s (its latency) after the speech
        # they show, the speech at once: webrtcbin does not hold either
        # back. RTCP sender reports must then map RTP time to capture
        # time, not send time, for the browser to delay the sound to match.
        self.webrtc.get_by_name("rtpbin").set_property("rtcp-sync-send-time",
                                                       False)
        if self.args.ice_address:
            ice = ice_agent(self.webrtc)
            for addr in self.args.ice_address:
                ice.emit("add-local-ip-address", addr)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("on-ice-candidate", self.on_ice_candidate)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_bus)
        print("send.py: viewer %s: playing" % session, flush=True)
        if self.pipe.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            self.fatal("the pipeline did not start")

    def stop(self):
        if self.pipe:
            self.pipe.get_bus().remove_signal_watch()
            self.pipe.set_state(Gst.State.NULL)
            self.pipe = None
            self.webrtc = None

    def fatal(self, text):
        print("send.py: error: %s" % text, file=sys.stderr, flush=True)
        self.sig.send({"type": "error", "message": text,
                       "session": self.session})
        self.rc = 1
        self.loop.quit()

    def on_bus(self, _bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.fatal("%s: %s (%s)" % (msg.src.get_name(), err.message, dbg))
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            print("send.py: warning: %s: %s" % (msg.src.get_name(),
                                                err.message), flush=True)
        elif msg.type == Gst.MessageType.LATENCY:
            self.pipe.recalculate_latency()

    # ---- webrtcbin (these run on its threads)

    def on_negotiation_needed(self, webrtc):
        # a broadcast: nothing comes back from the page
        for i in range(64):
            trans = webrtc.emit("get-transceiver", i)
            if trans is None:
                break
            trans.set_property("direction",
                               GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        promise = Gst.Promise.new_with_change_func(self.on_offer, webrtc)
        webrtc.emit("create-offer", None, promise)

    def on_offer(self, promise, webrtc):
        if promise.wait() != Gst.PromiseResult.REPLIED:
            GLib.idle_add(self.fatal, "webrtcbin made no offer")
            return
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply else None
        if offer is None:
            GLib.idle_add(self.fatal, "webrtcbin made no offer: %s"
                          % (reply.to_string() if reply else "no reply"))
            return
        webrtc.emit("set-local-description", offer, Gst.Promise.new())
        self.sig.send({"type": "offer", "sdp": offer.sdp.as_text(),
                       "session": self.session})

    def on_ice_candidate(self, _webrtc, mline, candidate):
        self.sig.send({"type": "ice", "sdpMLineIndex": mline,
                       "candidate": candidate, "session": self.session})

    # ---- signalling (on the main loop)

    def on_message(self, msg):
        kind = msg.get("type")
        if kind == "hello":
            self.start(msg.get("session"))
        elif msg.get("session") != self.session or not self.webrtc:
            pass                          # for an earlier viewer
        elif kind == "answer":
            ok, sdp = GstSdp.SDPMessage.new_from_text(msg["sdp"])
            if ok != GstSdp.SDPResult.OK:
                self.fatal("the answer is not SDP")
                return False
            answer = GstWebRTC.WebRTCSessionDescription.new(
                GstWebRTC.WebRTCSDPType.ANSWER, sdp)
            self.webrtc.emit("set-remote-description", answer,
                             Gst.Promise.new())
        elif kind == "ice" and msg.get("candidate"):
            self.webrtc.emit("add-ice-candidate",
                             int(msg.get("sdpMLineIndex") or 0),
                             msg["candidate"])
        return False

    def poll_forever(self):
        while True:
            try:
                for msg in self.sig.poll():
                    GLib.idle_add(self.on_message, msg)
            except (urllib.error.URLError, OSError, ValueError) as e:
                print("send.py: signalling: %s; retrying" % e,
                      file=sys.stderr, flush=True)
                time.sleep(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default="http://127.0.0.1:8080",
                    help="signalling.py's address")
    ap.add_argument("--codec", choices=sorted(VIDEO), default="h264")
    ap.add_argument("--kbps", type=int, default=1000, help="video bitrate")
    ap.add_argument("--width", type=int, default=704)
    ap.add_argument("--height", type=int, default=384)
    ap.add_argument("--props", default="",
                    help="more liveavatarsrc properties, gst-launch syntax")
    ap.add_argument("--audio", default=DEFAULT_AUDIO,
                    help="the speech: a gst-launch source description")
    ap.add_argument("--ice-address", action="append", default=[],
                    help="gather ICE candidates on this local address only "
                    "(repeatable; default: every interface)")
    args = ap.parse_args()

    Gst.init(None)
    loop = GLib.MainLoop()
    sender = Sender(args, loop)
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    threading.Thread(target=sender.poll_forever, daemon=True).start()
    print("send.py: waiting for a viewer at %s/" % args.server, flush=True)
    loop.run()
    sender.stop()
    return sender.rc


if __name__ == "__main__":
    sys.exit(main())
