/*
 * libvncserver fed the recorded frames the way QEMU feeds its VNC server: the "guest" framebuffer is read
 * from the frame file, then the server side compares it with its own copy in 16-pixel blocks (memcmp),
 * copies the blocks that changed and marks the changed area as rectangles found QEMU's way (a run of dirty
 * blocks on a row, extended down while the rows below have the same run dirty).
 *
 *   libvncserver-feeder <frames file> <width> <height> <port>
 * stdin:  "put <i>"   -> stdout "ready <i> <frame-ready CLOCK_MONOTONIC ns> <guest CPU ns so far>"
 *         "quit"      -> exits
 * The guest's read of the frame is timed on the thread CPU clock and reported, so the bench can count only
 * the server's share of the process CPU.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <rfb/rfb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 16 /* pixels per damage block, as QEMU's VNC_DIRTY_PIXELS_PER_BIT */

static uint64_t ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void read_frame(int fd, uint32_t *dst, size_t bytes, long index) {
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = pread(fd, (char *)dst + done, bytes - done, (off_t)index * (off_t)bytes + (off_t)done);
    if (n <= 0) { fprintf(stderr, "libvncserver-feeder: short read of frame %ld\n", index); exit(3); }
    done += (size_t)n;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s <frames> <width> <height> <port>\n", argv[0]); return 2; }
  const int w = atoi(argv[2]), h = atoi(argv[3]), port = atoi(argv[4]);
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0 || w <= 0 || h <= 0 || port <= 0) { perror(argv[1]); return 2; }
  const size_t bytes = (size_t)w * h * 4;
  const int blocks = (w + BLOCK - 1) / BLOCK;
  uint32_t *guest = calloc(1, bytes);        /* the guest's framebuffer (guest RAM in QEMU) */
  uint8_t *dirty = calloc((size_t)blocks * h, 1);

  int one_arg = 1;
  rfbScreenInfoPtr screen = rfbGetScreen(&one_arg, argv, w, h, 8, 3, 4);
  screen->frameBuffer = calloc(1, bytes);    /* the server's copy, what clients are sent from */
  screen->serverFormat.redShift = 16;        /* XRGB8888 words, as the frames are stored */
  screen->serverFormat.greenShift = 8;
  screen->serverFormat.blueShift = 0;
  screen->port = port;
  screen->ipv6port = 0;
  screen->listenInterface = htonl(INADDR_LOOPBACK);
  screen->alwaysShared = TRUE;
  screen->deferUpdateTime = 0;               /* send as soon as a request and damage meet */
  screen->desktopName = "libvncserver-feeder";
  rfbLogEnable(0);
  rfbInitServer(screen);
  rfbSetCursor(screen, NULL);                /* the frames have the guest's pointer; libvncserver would draw its own arrow into them */
  if (screen->listenSock < 0) { fprintf(stderr, "libvncserver-feeder: cannot listen on %d\n", port); return 4; }
  printf("listening\n");
  fflush(stdout);

  /* One thread, event driven: wait on the server's sockets and our stdin together, let rfbProcessEvents
     read requests and send updates. (libvncserver's own threaded loop, rfbRunEventLoop(.., TRUE), left a
     request that came in while damage was already pending unanswered until the next damage.) */
  uint64_t guest_cpu = 0;
  char line[64];
  for (;;) {
    fd_set fds = screen->allFds;
    FD_SET(0, &fds);
    const int maxfd = screen->maxFd > 0 ? screen->maxFd : 0;
    if (select(maxfd + 1, &fds, NULL, NULL, NULL) < 0) continue;
    rfbProcessEvents(screen, 0);
    if (!FD_ISSET(0, &fds)) continue;
    if (!fgets(line, sizeof line, stdin)) break;
    long i;
    if (sscanf(line, "put %ld", &i) != 1) break;
    const uint64_t c0 = ns(CLOCK_THREAD_CPUTIME_ID);
    read_frame(fd, guest, bytes, i);
    guest_cpu += ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    const uint64_t ready = ns(CLOCK_MONOTONIC);

    /* server: 16-pixel block compare and copy, QEMU's vnc_refresh_server_surface */
    uint32_t *fb = (uint32_t *)screen->frameBuffer;
    for (int y = 0; y < h; y++) {
      for (int b = 0; b < blocks; b++) {
        const size_t off = (size_t)y * w + (size_t)b * BLOCK;
        const size_t len = (size_t)((b + 1) * BLOCK <= w ? BLOCK : w - b * BLOCK) * 4;
        if (memcmp(guest + off, fb + off, len) != 0) {
          memcpy(fb + off, guest + off, len);
          dirty[(size_t)y * blocks + b] = 1;
        }
      }
    }
    /* rectangles: a run of dirty blocks on a row, extended down while the rows below share it */
    for (int y = 0; y < h; y++) {
      uint8_t *row = dirty + (size_t)y * blocks;
      for (int b = 0; b < blocks;) {
        if (!row[b]) { b++; continue; }
        int e = b;
        while (e < blocks && row[e]) row[e++] = 0;
        int y2 = y + 1;
        for (; y2 < h; y2++) {
          uint8_t *below = dirty + (size_t)y2 * blocks;
          int all = 1;
          for (int k = b; k < e && all; k++) all = below[k];
          if (!all) break;
          memset(below + b, 0, (size_t)(e - b));
        }
        rfbMarkRectAsModified(screen, b * BLOCK, y, e * BLOCK < w ? e * BLOCK : w, y2);
        b = e;
      }
    }
    printf("ready %ld %llu %llu\n", i, (unsigned long long)ready, (unsigned long long)guest_cpu);
    fflush(stdout);
    rfbProcessEvents(screen, 0); /* send the update now to a client that has a request outstanding */
  }
  rfbShutdownServer(screen, TRUE);
  return 0;
}
