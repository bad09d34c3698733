/*
 * The least a frame costs a server that is woken for it: what every server in the comparison does per frame
 * besides looking at pixels, in C. Woken from idle by the frame ("put <i>" on stdin, as the feeders are), it
 * writes a 45-byte update to its one client in one writev (a 28-byte FramebufferUpdate and a 17-byte
 * fence, as ours sends for a typed character), answers "ready <i>", and reads the client's 17-byte answer.
 * bench/floor-server.ts does the same in Node; bench/event-loop-floor.ts times both.
 *
 *   floor-server      stdout "listening <port>", then serves the first client to connect
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define UPDATE_BYTES 28
#define FENCE_BYTES 17

int main(void) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, (struct sockaddr *)&a, &len) != 0) {
    perror("floor-server: listen");
    return 4;
  }
  printf("listening %d\n", ntohs(a.sin_port));
  fflush(stdout);
  const int client = accept(listener, NULL, NULL);
  if (client < 0) {
    perror("floor-server: accept");
    return 4;
  }
  const int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  unsigned char update[UPDATE_BYTES] = {0}, fence[FENCE_BYTES] = {248}, answer[256];
  char line[64];
  for (;;) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(0, &fds);
    FD_SET(client, &fds);
    if (select(client + 1, &fds, NULL, NULL, NULL) < 0) continue;
    if (FD_ISSET(client, &fds) && read(client, answer, sizeof answer) <= 0) return 0;
    if (!FD_ISSET(0, &fds)) continue;
    if (!fgets(line, sizeof line, stdin)) return 0;
    long i;
    if (sscanf(line, "put %ld", &i) != 1) return 0;
    struct iovec v[2] = {{update, UPDATE_BYTES}, {fence, FENCE_BYTES}};
    if (writev(client, v, 2) != UPDATE_BYTES + FENCE_BYTES) return 5;
    printf("ready %ld\n", i);
    fflush(stdout);
  }
}
