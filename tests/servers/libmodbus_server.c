/* An independent Modbus TCP / RTU server built on libmodbus (not pymodbus), for tests.
 *
 *   libmodbus_server tcp SPECFILE            listens on 127.0.0.1, a free port; prints "PORT n"
 *   libmodbus_server rtu SPECFILE DEVICE BAUD UNIT   serves one unit on a serial port; prints "READY"
 *
 * SPECFILE has one value per line, encoded here (independently of the Python codec):
 *   <table> <address> <type> <order> <value>        numeric / bool
 *   <table> <address> string <order> <length> <text>
 * table is coil|discrete|holding|input; order is ABCD|CDAB|BADC|DCBA.
 * Values are encoded with plain shifts here. libmodbus's own modbus_set_float_{abcd,...} are not
 * used: in Debian's 3.1.6 they are named by host memory layout (set_float_badc yields the
 * standard big-endian ABCD words, and get_float_abcd(set_float_abcd(x)) != x).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static modbus_mapping_t *map;

static uint16_t *table_regs(const char *table) {
    if (strcmp(table, "holding") == 0) return map->tab_registers;
    if (strcmp(table, "input") == 0) return map->tab_input_registers;
    return NULL;
}

/* Place the big-endian bytes `be` (n registers) into dest following `order`. */
static void place(const uint8_t *be, int n, const char *order, uint16_t *dest) {
    int word_swap = strcmp(order, "CDAB") == 0 || strcmp(order, "DCBA") == 0;
    int byte_swap = strcmp(order, "BADC") == 0 || strcmp(order, "DCBA") == 0;
    for (int w = 0; w < n; w++) {
        int src = word_swap ? n - 1 - w : w;
        uint8_t hi = be[2 * src], lo = be[2 * src + 1];
        dest[w] = byte_swap ? (uint16_t)((lo << 8) | hi) : (uint16_t)((hi << 8) | lo);
    }
}

static void be_bytes(uint64_t bits, int nbytes, uint8_t *out) {
    for (int i = 0; i < nbytes; i++) out[i] = (uint8_t)(bits >> (8 * (nbytes - 1 - i)));
}

static int load_spec(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char table[16], type[16], order[8], value[256];
        int address;
        if (sscanf(line, "%15s %d %15s %7s %255[^\n]", table, &address, type, order, value) != 5)
            continue;
        if (strcmp(table, "coil") == 0) { map->tab_bits[address] = atoi(value) != 0; continue; }
        if (strcmp(table, "discrete") == 0) { map->tab_input_bits[address] = atoi(value) != 0; continue; }
        uint16_t *regs = table_regs(table);
        if (!regs) { fprintf(stderr, "bad table %s\n", table); return -1; }
        uint16_t *dest = regs + address;
        uint8_t be[256];
        memset(be, 0, sizeof be);
        if (strcmp(type, "string") == 0) {
            int length; char text[200] = "";
            sscanf(value, "%d %199s", &length, text);
            memcpy(be, text, strlen(text));
            place(be, length, order, dest);
        } else if (strcmp(type, "float32") == 0) {
            float v = strtof(value, NULL); uint32_t bits; memcpy(&bits, &v, 4);
            be_bytes(bits, 4, be); place(be, 2, order, dest);
        } else if (strcmp(type, "float64") == 0) {
            double v = strtod(value, NULL); uint64_t bits; memcpy(&bits, &v, 8);
            be_bytes(bits, 8, be); place(be, 4, order, dest);
        } else if (strcmp(type, "int64") == 0 || strcmp(type, "uint64") == 0) {
            uint64_t bits = type[0] == 'u' ? strtoull(value, NULL, 10) : (uint64_t)strtoll(value, NULL, 10);
            be_bytes(bits, 8, be); place(be, 4, order, dest);
        } else if (strcmp(type, "int32") == 0 || strcmp(type, "uint32") == 0) {
            uint32_t bits = type[0] == 'u' ? (uint32_t)strtoul(value, NULL, 10) : (uint32_t)strtol(value, NULL, 10);
            be_bytes(bits, 4, be); place(be, 2, order, dest);
        } else { /* int16, uint16, bool (a whole register) */
            uint16_t bits = (uint16_t)strtol(value, NULL, 10);
            be_bytes(bits, 2, be); place(be, 1, order, dest);
        }
    }
    fclose(f);
    return 0;
}

static void serve(modbus_t *ctx) {
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
        int rc = modbus_receive(ctx, query);
        if (rc > 0) modbus_reply(ctx, query, rc, map);
        else if (rc == -1 && errno != EMBBADCRC) break;
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3) { fprintf(stderr, "usage: see source\n"); return 2; }
    map = modbus_mapping_new(65536, 65536, 65536, 65536);
    if (!map || load_spec(argv[2]) != 0) return 1;
    if (strcmp(argv[1], "tcp") == 0) {
        modbus_t *ctx = modbus_new_tcp("127.0.0.1", 0);
        int server = modbus_tcp_listen(ctx, 4);
        if (server < 0) { perror("listen"); return 1; }
        struct sockaddr_in addr; socklen_t len = sizeof addr;
        getsockname(server, (struct sockaddr *)&addr, &len);
        printf("PORT %d\n", ntohs(addr.sin_port));
        /* Several clients at once (select loop, as in libmodbus's own examples). */
        fd_set all;
        FD_ZERO(&all);
        FD_SET(server, &all);
        int top = server;
        uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
        for (;;) {
            fd_set ready = all;
            if (select(top + 1, &ready, NULL, NULL, NULL) < 0) return 1;
            for (int fd = 0; fd <= top; fd++) {
                if (!FD_ISSET(fd, &ready)) continue;
                if (fd == server) {
                    int client = accept(server, NULL, NULL);
                    if (client < 0) continue;
                    FD_SET(client, &all);
                    if (client > top) top = client;
                    continue;
                }
                modbus_set_socket(ctx, fd);
                int rc = modbus_receive(ctx, query);
                if (rc > 0) {
                    modbus_reply(ctx, query, rc, map);
                } else if (rc == -1) {
                    close(fd);
                    FD_CLR(fd, &all);
                }
            }
        }
    }
    if (argc < 6) return 2;
    modbus_t *ctx = modbus_new_rtu(argv[3], atoi(argv[4]), 'N', 8, 1);
    modbus_set_slave(ctx, atoi(argv[5]));
    if (modbus_connect(ctx) != 0) { fprintf(stderr, "open %s: %s\n", argv[3], modbus_strerror(errno)); return 1; }
    printf("READY\n");
    for (;;) serve(ctx);
}
