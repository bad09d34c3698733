/*
 * The X client that feeds TigerVNC's Xvnc the recorded frames: each frame is read into a MIT-SHM image and
 * put on the root window whole with XShmPutImage; Xvnc finds what changed itself (its framebuffer compare).
 * This process is the "guest": its CPU is not the server's.
 *
 *   xshm-feeder <display> <frames file> <width> <height>
 * stdin:  "put <i>" -> stdout "ready <i> <frame-ready CLOCK_MONOTONIC ns> 0" once the X server has the frame
 *         "quit"    -> exits
 * The frame is ready when its pixels are in the shared segment, before the X server copies them.
 */
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s <display> <frames> <width> <height>\n", argv[0]); return 2; }
  const int w = atoi(argv[3]), h = atoi(argv[4]);
  const int fd = open(argv[2], O_RDONLY);
  if (fd < 0 || w <= 0 || h <= 0) { perror(argv[2]); return 2; }
  Display *dpy = XOpenDisplay(argv[1]);
  if (!dpy) { fprintf(stderr, "xshm-feeder: cannot open display %s\n", argv[1]); return 3; }
  if (!XShmQueryExtension(dpy)) { fprintf(stderr, "xshm-feeder: no MIT-SHM on %s\n", argv[1]); return 3; }
  const int scr = DefaultScreen(dpy);
  XShmSegmentInfo shm;
  XImage *img = XShmCreateImage(dpy, DefaultVisual(dpy, scr), 24, ZPixmap, NULL, &shm, (unsigned)w, (unsigned)h);
  if (!img || img->bits_per_pixel != 32) { fprintf(stderr, "xshm-feeder: no 32-bit ZPixmap image\n"); return 3; }
  shm.shmid = shmget(IPC_PRIVATE, (size_t)img->bytes_per_line * h, IPC_CREAT | 0600);
  shm.shmaddr = img->data = shmat(shm.shmid, NULL, 0);
  shm.readOnly = True;
  if (shm.shmid < 0 || img->data == (char *)-1 || !XShmAttach(dpy, &shm)) { fprintf(stderr, "xshm-feeder: shm failed\n"); return 3; }
  XSync(dpy, False);
  shmctl(shm.shmid, IPC_RMID, NULL); /* freed when both sides detach */
  const Window root = RootWindow(dpy, scr);
  GC gc = DefaultGC(dpy, scr);
  printf("listening\n");
  fflush(stdout);

  const size_t row = (size_t)w * 4;
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    long i;
    if (sscanf(line, "put %ld", &i) != 1) break;
    for (int y = 0; y < h; y++) {
      const off_t at = ((off_t)i * h + y) * (off_t)row;
      if (pread(fd, img->data + (size_t)y * img->bytes_per_line, row, at) != (ssize_t)row) {
        fprintf(stderr, "xshm-feeder: short read of frame %ld\n", i);
        return 3;
      }
    }
    const uint64_t ready = now_ns();
    XShmPutImage(dpy, root, gc, img, 0, 0, 0, 0, (unsigned)w, (unsigned)h, False);
    XSync(dpy, False);
    printf("ready %ld %llu 0\n", i, (unsigned long long)ready);
    fflush(stdout);
  }
  XShmDetach(dpy, &shm);
  XCloseDisplay(dpy);
  return 0;
}
