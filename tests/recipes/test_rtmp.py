# liveavatar: test of the RTMP recipe against a real nginx-rtmp
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""rtmp-publish.sh to the nginx of rtmp-nginx.sh on a loopback port (its
config in a temporary folder): a player (rtmp2src) connects first, the
recipe publishes 3 s of audio turned into video, and what the player got
is decoded: exactly ceil(samples / 640) frames, numbered 0..n-1, with
AAC audio starting with the video."""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import recipeutil as ru  # noqa: E402

W, H = 128, 128
TOTAL = 48160
MODULE = os.environ.get("NGINX_RTMP_MODULE",
                        "/usr/lib/nginx/modules/ngx_rtmp_module.so")


def log_has(path, text):
    try:
        with open(path) as f:
            return text in f.read()
    except OSError:
        return False


def wait_log(path, text, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log_has(path, text):
            return True
        time.sleep(0.1)
    return False


def main():
    ru.need_programs("bash", "gst-launch-1.0")
    if not shutil.which("nginx") and not os.access("/usr/sbin/nginx", os.X_OK):
        ru.skip("nginx is not installed (Debian: nginx or nginx-light)")
    if not os.path.exists(MODULE):
        ru.skip("the nginx RTMP module is not installed (Debian: "
                "libnginx-mod-rtmp): no " + MODULE)
    ru.need_gst_elements("liveavatarfilter", "x264enc", "avenc_aac", "flvmux",
                         "rtmp2sink", "rtmp2src", "avdec_h264")
    ru.import_gst()

    d = ru.work_dir("rtmp")
    wav = os.path.join(d, "in.wav")
    pulled = os.path.join(d, "pulled.flv")
    ngdir = os.path.join(d, "nginx")
    # one tone, from frame 25 to frame 45
    ru.write_wav(wav, ru.bursts(TOTAL, [(25 * ru.SPF, 45 * ru.SPF)]))
    port = ru.free_port()
    url = "rtmp://127.0.0.1:%d/live/avatar" % port
    errlog = os.path.join(ngdir, "error.log")

    with ru.Background(["bash", os.path.join(ru.PIPELINES, "rtmp-nginx.sh"),
                        str(port), ngdir],
                       log=os.path.join(d, "nginx.out")) as server:
        if not ru.wait_for_port(port, 20):
            print(server.output())
            ru.fail("nginx did not listen on 127.0.0.1:%d" % port)
        ru.check(True, "nginx-rtmp listens on 127.0.0.1:%d" % port)
        # the player first, so that it gets the stream from its first frame
        player = ru.Background(
            ["timeout", "60", "gst-launch-1.0", "-e", "rtmp2src",
             "location=" + url, "idle-timeout=20", "!", "queue", "!",
             "filesink", "location=" + pulled],
            log=os.path.join(d, "player.out"))
        try:
            if not wait_log(errlog, "play: name='avatar'", 20):
                print(player.output())
                ru.fail("the player did not reach nginx")
            t0 = time.monotonic()
            ru.run(["bash", os.path.join(ru.PIPELINES, "rtmp-publish.sh"),
                    wav, url, "width=%d" % W, "height=%d" % H], timeout=60)
            took = time.monotonic() - t0
            ru.check(log_has(errlog, "publish: name='avatar'"),
                     "the recipe published to nginx (in %.1f s for %.2f s of "
                     "audio)" % (took, TOTAL / ru.RATE))
            rc = player.wait(30)
            if rc is None:
                print(player.output())
                ru.fail("the player did not end after the publisher left")
            if rc != 0:
                print(player.output())
                ru.fail("the player failed (%d)" % rc)
        finally:
            player.stop()

    pic = ru.TestPicture(W, H)
    st = ru.read_media(pulled, lambda f: (
        ru.decode_index(f), ru.index_is_clean(f),
        ru.near(ru.pixel(f, *pic.mouth_point()), ru.MOUTH)))
    v, a = st["video"], st["audio"]
    want = -(-TOTAL // ru.SPF)
    ru.check(v.count == want, "the stream pulled back decodes to %d frames "
             "(want %d)" % (v.count, want))
    ru.check(all(f[1][1] for f in v.frames) and
             [f[1][0] for f in v.frames] == list(range(want)),
             "frames are the test model's 0..%d, none lost or repeated"
             % (want - 1))
    ru.check(a.count > 0, "the stream carries audio (%d Hz)" % a.rate)
    off = v.first_pts - a.first_pts
    print("measured: video starts %s after audio, ends %s after audio"
          % (ru.ms(off), ru.ms(v.end - a.end)))
    ru.check(abs(off) <= ru.FRAME_NS, "audio and video start within a frame")
    heard, seen, lo, hi = ru.lip_sync(st, "rtmp")
    ru.check(heard == 2 and seen == 2 and ru.lips_in_sync(lo, hi),
             "lips follow the sound within one frame (offset in [%s, %s])"
             % (ru.ms(lo), ru.ms(hi)))
    print("PASS")


if __name__ == "__main__":
    main()
