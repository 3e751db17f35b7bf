# liveavatar: test of the WebRTC recipe in a real browser
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""webrtc/signalling.py + webrtc/send.py, and the page opened in headless
Chromium driven by selenium, all on 127.0.0.1. Reads the page's
RTCPeerConnection.getStats() and checks: the connection runs over the
loopback, video of the chosen codec is decoded at about 25 fps at the
avatar's size, audio is received (samples and energy). Draws the video
into a canvas and reads the test model's frame index from it: the
picture is the avatar's and its index advances at 25 per second.
Usage: test_webrtc.py h264|vp8"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W, H = 128, 128
WINDOW = 5.0                # seconds of stats to measure the rate over
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

STATS_JS = """
const done = arguments[arguments.length - 1];
if (!window.pc) { done(null); return; }
window.pc.getStats().then((r) => {
  const all = {};
  r.forEach((s) => { all[s.id] = s; });
  done({ state: window.pc.connectionState, stats: all });
}, (e) => done({ error: String(e) }));
"""

# the RGB of the 32 index cells' centres and of a face pixel of the frame
# the video element shows now
PIXELS_JS = """
const [face_x, face_y] = arguments;
const v = document.getElementById("video");
if (!v || v.videoWidth === 0) return null;
const c = document.createElement("canvas");
c.width = v.videoWidth; c.height = v.videoHeight;
const g = c.getContext("2d", { willReadFrequently: true });
g.drawImage(v, 0, 0);
const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
const cells = [];
for (let i = 0; i < 32; i++)
  cells.push(px(4 * (i % 16) + 2, 4 * Math.floor(i / 16) + 2));
return { w: v.videoWidth, h: v.videoHeight, cells: cells,
         face: px(face_x, face_y) };
"""


def decode_cells(cells):
    n = 0
    for i, rgb in enumerate(cells):
        if sum(rgb) // 3 >= 128:
            n |= 1 << i
    return n


def inbound(stats, kind):
    for s in stats.values():
        if s.get("type") == "inbound-rtp" and s.get("kind") == kind:
            return s
    return None


def selected_pair(stats):
    for s in stats.values():
        if s.get("type") == "transport" and s.get("selectedCandidatePairId"):
            return stats.get(s["selectedCandidatePairId"])
    return None


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--mute-audio",
              "--autoplay-policy=no-user-gesture-required",
              # ICE on 127.0.0.1, and addresses in the clear, not mDNS names
              "--allow-loopback-in-peer-connection",
              "--disable-features=WebRtcHideLocalIpsWithMdns"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(30)
    drv.set_script_timeout(30)
    return drv


def wait_until(fn, timeout, step=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def main():
    codec = sys.argv[1] if len(sys.argv) > 1 else "h264"
    py = sys.executable
    ru.need_programs(CHROMIUM, CHROMEDRIVER)
    try:
        import selenium  # noqa: F401
    except ImportError:
        ru.skip("selenium is not installed (Debian: python3-selenium)")
    enc = {"h264": "x264enc", "vp8": "vp8enc"}[codec]
    ru.need_gst_elements("liveavatarsrc", "webrtcbin", "nicesrc", enc,
                         "opusenc")
    ru.import_gst()
    try:
        import gi
        gi.require_version("GstWebRTC", "1.0")
        gi.require_version("GstSdp", "1.0")
    except ValueError:
        ru.skip("GstWebRTC introspection data is not installed (Debian: "
                "gir1.2-gst-plugins-bad-1.0)")

    d = ru.work_dir("webrtc-" + codec)
    here = os.path.join(ru.PIPELINES, "webrtc")
    port = ru.free_port()
    server_url = "http://127.0.0.1:%d" % port
    server = ru.Background([py, os.path.join(here, "signalling.py"),
                            "--port", str(port)],
                           log=os.path.join(d, "signalling.out"))
    sender = None
    drv = None
    try:
        if not ru.wait_for_port(port, 20):
            print(server.output())
            ru.fail("signalling.py did not listen on port %d" % port)
        sender = ru.Background(
            [py, os.path.join(here, "send.py"), "--server", server_url,
             "--codec", codec, "--width", str(W), "--height", str(H),
             "--ice-address", "127.0.0.1"],
            log=os.path.join(d, "send.out"))
        drv = browser()
        drv.get(server_url + "/")

        def stats():
            r = drv.execute_async_script(STATS_JS)
            if not sender.running():
                print(sender.output())
                ru.fail("send.py stopped")
            return r

        def flowing():
            s = stats()
            if not s or "stats" not in s or s["state"] != "connected":
                return None
            v = inbound(s["stats"], "video")
            return s if v and v.get("framesDecoded", 0) > 0 else None

        s0 = wait_until(flowing, 40)
        if not s0:
            print(sender.output())
            print("page: %s" % stats())
            ru.fail("no decoded video in the browser within 40 s")
        ru.check(True, "the page connected and decodes video")

        pair = selected_pair(s0["stats"])
        remote = s0["stats"].get(pair["remoteCandidateId"], {}) if pair else {}
        ru.check(remote.get("address") == "127.0.0.1",
                 "the media comes from the sender's candidate 127.0.0.1 "
                 "(got %s)" % remote.get("address"))

        pic = ru.TestPicture(W, H)
        p0 = drv.execute_script(PIXELS_JS, *pic.face_point())
        t_p0 = time.monotonic()
        time.sleep(WINDOW)
        p1 = drv.execute_script(PIXELS_JS, *pic.face_point())
        t_p1 = time.monotonic()
        s1 = stats()

        v0, v1 = inbound(s0["stats"], "video"), inbound(s1["stats"], "video")
        a0, a1 = inbound(s0["stats"], "audio"), inbound(s1["stats"], "audio")
        dt = (v1["timestamp"] - v0["timestamp"]) / 1000.0
        fps = (v1["framesDecoded"] - v0["framesDecoded"]) / dt
        codec_stat = s1["stats"].get(v1.get("codecId"), {})
        print("measured: %.2f fps decoded over %.1f s; %s %dx%d; "
              "audio %d samples, energy %.3f"
              % (fps, dt, codec_stat.get("mimeType"), v1.get("frameWidth", 0),
                 v1.get("frameHeight", 0),
                 a1.get("totalSamplesReceived", 0) if a1 else 0,
                 a1.get("totalAudioEnergy", 0) if a1 else 0))
        ru.check(codec_stat.get("mimeType", "").lower() == "video/" + codec,
                 "the browser decodes %s" % codec_stat.get("mimeType"))
        ru.check((v1.get("frameWidth"), v1.get("frameHeight")) == (W, H),
                 "frames are %dx%d" % (W, H))
        ru.check(22.0 <= fps <= 28.0, "about 25 fps decoded (%.2f)" % fps)
        ru.check(a0 is not None and a1 is not None, "there is an audio track")
        got = a1.get("totalSamplesReceived", 0) - \
            a0.get("totalSamplesReceived", 0)
        ru.check(got >= 0.8 * 48000 * dt,
                 "audio received: %d samples in %.1f s" % (got, dt))
        ru.check(a1.get("totalAudioEnergy", 0) > a0.get("totalAudioEnergy", 0),
                 "the audio is not silence")

        ru.check(p0 is not None and p1 is not None, "the video element "
                 "shows pictures")
        n0, n1 = decode_cells(p0["cells"]), decode_cells(p1["cells"])
        rate = (n1 - n0) / (t_p1 - t_p0)
        print("measured: frame index %d then %d, %.1f s apart (%.1f/s); "
              "face pixel %s" % (n0, n1, t_p1 - t_p0, rate, p1["face"]))
        ru.check(ru.near(tuple(p1["face"]), ru.FACE, 32),
                 "the avatar's face is where the test model draws it")
        ru.check(20.0 <= rate <= 30.0, "the picture's frame index advances "
                 "at about 25 per second (%.1f)" % rate)
    finally:
        if drv is not None:
            drv.quit()
        if sender is not None:
            sender.stop()
        server.stop()
    print("PASS")


if __name__ == "__main__":
    main()
