#!/bin/sh
# Run a command on a fresh Xvfb display with Qt's X11 platform. (QGIS 3.22's desktop crashes at
# start in QgsClipboard::hasFormat on Qt's offscreen platform, which has no clipboard.)
set -e
display=":$(( 90 + $$ % 9 ))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
DISPLAY="$display" QT_QPA_PLATFORM=xcb "$@"
