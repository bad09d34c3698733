/*
 * Physical baselines over the recorded frames, single-threaded C: what touching the bytes costs at least.
 *   baselines <frames file> <width> <height> <count>
 * Prints one JSON object, ms per frame over frames 1..count-1 (frame 0 only primes "previous"):
 *   memcmp      a whole frame against an identical copy (every byte read twice: a full damage scan)
 *   keptMemcmp  the same against a copy kept as a server keeps its frame: written (a row at a time) before the
 *               frame is read again, not just before the compare
 *   blockDamage QEMU's way against the previous frame: memcmp per 16-pixel block, memcpy of changed blocks
 *   rowCopy     the frame copied into a kept frame a row at a time: the least a damage pass that keeps the
 *               previous frame does where every pixel changes (it writes them all)
 *   memcpy      a whole frame in one call
 *   zlib1/zlib6 compress2() of the whole frame at level 1 / 6 (and the bytes out)
 *   jpeg        libjpeg-turbo quality 80, 4:2:0, of the whole frame (and the bytes out)
 * The memory-bound five are timed as our damage pass is (bench/our-damage.ts): each on its own, every frame
 * read just before it is touched, one warm pass, then the quickest of TIMED_PASSES passes' means. The
 * compressors, thousands of times slower, run one pass.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void read_frame(int fd, uint8_t *dst, size_t bytes, long i) {
  for (size_t done = 0; done < bytes;) {
    ssize_t n = pread(fd, dst + done, bytes - done, (off_t)i * (off_t)bytes + (off_t)done);
    if (n <= 0) { fprintf(stderr, "baselines: short read of frame %ld\n", i); exit(3); }
    done += (size_t)n;
  }
}

static unsigned long jpeg_q80(const uint8_t *xrgb, int w, int h, unsigned char **out, unsigned long *size) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, out, size);
  c.image_width = (JDIMENSION)w;
  c.image_height = (JDIMENSION)h;
  c.input_components = 4;
  c.in_color_space = JCS_EXT_BGRX; /* 0x00RRGGBB little-endian words */
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 80, TRUE);
  c.dct_method = JDCT_FASTEST;
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = (JSAMPROW)(xrgb + (size_t)c.next_scanline * w * 4);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return *size;
}

/* Passes over the frames after the warm one for the memory-bound measures; the quickest is kept. */
#define TIMED_PASSES 5

enum measure { M_MEMCMP, M_KEPT_MEMCMP, M_BLOCK_DAMAGE, M_ROW_COPY, M_MEMCPY, M_COUNT };

typedef struct {
  int fd;
  size_t bytes, row_bytes;
  uint8_t *cur, *twin, *prev, *dst;
} frames;

static void copy_rows(uint8_t *dst, const uint8_t *src, const frames *f) {
  for (size_t off = 0; off < f->bytes; off += f->row_bytes) memcpy(dst + off, src + off, f->row_bytes);
}

/* One memory-bound measure of frame i, just read into `cur`, timed around the touch only; returns ms. */
static double touch(enum measure m, frames *f, long i, volatile int *sink) {
  double t;
  switch (m) {
  case M_MEMCMP:
    memcpy(f->twin, f->cur, f->bytes);
    t = now_ms();
    *sink += memcmp(f->cur, f->twin, f->bytes);
    return now_ms() - t;
  case M_KEPT_MEMCMP:
    // kept as a damage pass keeps the frame it saw; then the next frame (the same pixels) is put and compared
    copy_rows(f->dst, f->cur, f);
    read_frame(f->fd, f->cur, f->bytes, i);
    t = now_ms();
    *sink += memcmp(f->cur, f->dst, f->bytes);
    return now_ms() - t;
  case M_BLOCK_DAMAGE:
    t = now_ms();
    for (size_t off = 0; off < f->bytes; off += 64) {
      const size_t len = f->bytes - off < 64 ? f->bytes - off : 64; /* rows are whole blocks at our sizes */
      if (memcmp(f->cur + off, f->prev + off, len) != 0) memcpy(f->prev + off, f->cur + off, len);
    }
    return now_ms() - t;
  case M_ROW_COPY:
    t = now_ms();
    copy_rows(f->dst, f->cur, f);
    return now_ms() - t;
  case M_MEMCPY:
    t = now_ms();
    memcpy(f->dst, f->cur, f->bytes);
    return now_ms() - t;
  default:
    return 0;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s <frames> <width> <height> <count>\n", argv[0]); return 2; }
  const int w = atoi(argv[2]), h = atoi(argv[3]);
  const long count = atol(argv[4]);
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0 || w <= 0 || h <= 0 || count < 2) { perror(argv[1]); return 2; }
  const size_t bytes = (size_t)w * h * 4;
  frames f = {fd, bytes, (size_t)w * 4, malloc(bytes), malloc(bytes), malloc(bytes), malloc(bytes)};
  if (!f.cur || !f.twin || !f.prev || !f.dst) { fprintf(stderr, "baselines: out of memory\n"); return 3; }
  memset(f.dst, 0, bytes); /* the kept frame exists before the first copy, as a server's does */
  volatile int sink = 0;
  const double n = (double)(count - 1);
  double best[M_COUNT];
  read_frame(fd, f.prev, bytes, 0);
  for (int m = 0; m < M_COUNT; m++) {
    best[m] = -1;
    for (int pass = 0; pass <= TIMED_PASSES; pass++) {
      double total = 0;
      for (long i = 1; i < count; i++) {
        read_frame(fd, f.cur, bytes, i);
        total += touch((enum measure)m, &f, i, &sink);
      }
      if (pass > 0 && (best[m] < 0 || total < best[m])) best[m] = total;
    }
  }

  uLongf zcap = compressBound(bytes);
  uint8_t *z = malloc(zcap);
  double t_z1 = 0, t_z6 = 0, t_jpeg = 0, b_z1 = 0, b_z6 = 0, b_jpeg = 0;
  for (long i = 1; i < count; i++) {
    read_frame(fd, f.cur, bytes, i);
    uLongf zn = zcap;
    double t = now_ms();
    compress2(z, &zn, f.cur, bytes, 1);
    t_z1 += now_ms() - t;
    b_z1 += (double)zn;
    zn = zcap;
    t = now_ms();
    compress2(z, &zn, f.cur, bytes, 6);
    t_z6 += now_ms() - t;
    b_z6 += (double)zn;

    unsigned char *jpg = NULL;
    unsigned long jn = 0;
    t = now_ms();
    jpeg_q80(f.cur, w, h, &jpg, &jn);
    t_jpeg += now_ms() - t;
    b_jpeg += (double)jn;
    free(jpg);
  }
  printf("{\"frames\":%ld,\"memcmpMs\":%.4f,\"keptMemcmpMs\":%.4f,\"blockDamageMs\":%.4f,\"rowCopyMs\":%.4f,\"memcpyMs\":%.4f,\"zlib1Ms\":%.3f,\"zlib1Bytes\":%.0f,"
         "\"zlib6Ms\":%.3f,\"zlib6Bytes\":%.0f,\"jpegMs\":%.3f,\"jpegBytes\":%.0f,\"sink\":%d}\n",
         count - 1, best[M_MEMCMP] / n, best[M_KEPT_MEMCMP] / n, best[M_BLOCK_DAMAGE] / n, best[M_ROW_COPY] / n, best[M_MEMCPY] / n, t_z1 / n, b_z1 / n, t_z6 / n,
         b_z6 / n, t_jpeg / n, b_jpeg / n, sink);
  return 0;
}
