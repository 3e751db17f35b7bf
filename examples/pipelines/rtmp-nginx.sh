#!/usr/bin/env bash
# liveavatar recipe: a local RTMP server (nginx with the RTMP module) to
# publish the avatar to, for trying rtmp-publish.sh without a streaming
# service. Runs in the foreground until killed; writes nothing outside DIR.
# Copyright (C) 2026 liveavatar developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   rtmp-nginx.sh PORT DIR
#
# Listens on 127.0.0.1:PORT only. Publish to and play from
#   rtmp://127.0.0.1:PORT/live/STREAM
# Debian packages: nginx (or nginx-light) and libnginx-mod-rtmp. Set
# NGINX_RTMP_MODULE if the module lives elsewhere than Debian puts it, NGINX
# for another nginx binary.
set -euo pipefail
port=${1:?port}
dir=${2:?folder for the config, pid and logs}
module=${NGINX_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
# /usr/sbin is not in every user's PATH
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# master_process off: one process, so killing the pid this script execs
# stops the server. "live on" relays each published stream to its players;
# a player that connects first waits for the publisher and gets the stream
# from its first frame.
cat >"$dir/nginx.conf" <<CONF
load_module $module;
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events {
  worker_connections 64;
}
rtmp {
  server {
    listen 127.0.0.1:$port;
    chunk_size 4096;
    application live {
      live on;
      record off;
    }
  }
}
CONF
exec "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
