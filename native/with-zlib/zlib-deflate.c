/*
 * zlib's deflate, from the system's static libz (Debian's zlib1g-dev), linked into the native helper with
 * its symbols hidden: src/rfb/encoders/native-deflate.ts calls these instead of the zlib bundled in the node
 * binary. Chromium's zlib fork (Node's) hashes four bytes where zlib hashes three, so at levels 1–3 it misses
 * the three-byte matches of 24-bit pixel data: on a full-motion 1080p frame's RGB bytes it gives 7 % more
 * bytes than the zlib libvncserver and Xvnc link (5,758,276 against 5,364,071 at level 2, in the same time).
 *
 * The system's libz.so cannot be loaded instead: its own internal calls would bind to the node binary's
 * copies of the same names. Linked statically with --exclude-libs, every call inside zlib stays inside this
 * library. Built only where libz.a is there (scripts/build-native.mjs); without it Node's zlib is used.
 */
#include <zlib.h>

const char *vd_zlib_version(void) { return zlibVersion(); }

int vd_zlib_deflate_init2(z_streamp strm, int level, int method, int window_bits, int mem_level, int strategy, const char *version, int stream_size) {
  return deflateInit2_(strm, level, method, window_bits, mem_level, strategy, version, stream_size);
}

int vd_zlib_deflate(z_streamp strm, int flush) { return deflate(strm, flush); }

int vd_zlib_deflate_reset(z_streamp strm) { return deflateReset(strm); }

int vd_zlib_deflate_end(z_streamp strm) { return deflateEnd(strm); }
