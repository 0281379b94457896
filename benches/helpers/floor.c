/* The C floor for scripts/bench (not a test): one WebSocket upgrade, as little as a process can
 * do. `floor ws IP PORT` sends the upgrade over plain TCP and reads the reply head; `floor wss IP
 * PORT SNI CAFILE` does the same over TLS with OpenSSL trusting only CAFILE (no default paths).
 * Exit 0 on a 101, 1 on any other status, 2 on an error. Loopback only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *REQ_FMT =
    "GET / HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

static int dial(const char *ip, const char *port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(port));
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    return fd;
}

static int status_of(const char *head) { return strncmp(head + 9, "101", 3) == 0 ? 0 : 1; }

int main(int argc, char **argv) {
    char req[512], buf[4096];
    if (argc >= 4 && strcmp(argv[1], "ws") == 0) {
        int fd = dial(argv[2], argv[3]);
        if (fd < 0) return 2;
        int n = snprintf(req, sizeof req, REQ_FMT, argv[2], argv[3]);
        if (write(fd, req, (size_t)n) != n) return 2;
        ssize_t got = read(fd, buf, sizeof buf - 1);
        if (got < 12) return 2;
        buf[got] = 0;
        return status_of(buf);
    }
    if (argc >= 6 && strcmp(argv[1], "wss") == 0) {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        if (!ctx || SSL_CTX_load_verify_locations(ctx, argv[5], NULL) != 1) return 2;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int fd = dial(argv[2], argv[3]);
        if (fd < 0) return 2;
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, argv[4]);
        SSL_set1_host(ssl, argv[4]);
        if (SSL_connect(ssl) != 1) return 2;
        int n = snprintf(req, sizeof req, REQ_FMT, argv[4], argv[3]);
        if (SSL_write(ssl, req, n) != n) return 2;
        int got = SSL_read(ssl, buf, sizeof buf - 1);
        if (got < 12) return 2;
        buf[got] = 0;
        return status_of(buf);
    }
    fprintf(stderr, "usage: floor ws IP PORT | floor wss IP PORT SNI CAFILE\n");
    return 2;
}
