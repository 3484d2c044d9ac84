/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * vmds-floor SOCKET TEXT: the smallest client of the backchannel. It sends
 * TEXT as one DATA packet with FAST_CLOSE (guest-rpc.md §2) and prints the
 * reply payload after its "1 ". Plain libc, linked statically when possible:
 * the physical limit of a `vmtoolsd --cmd` round trip on this machine.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char *
floor_put(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return p + 4;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n, got = 0, cap = 65536, len;
	unsigned char *buf, *p;
	ssize_t r;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(addr.sun_path))
		return 2;
	n = strlen(argv[2]);
	buf = malloc(n + 64 > cap ? n + 64 : cap);
	if (buf == NULL)
		return 1;
	/* TYPE=DATA, PAYLOAD=text, FAST_CLOSE=1; int64 as low word, high word */
	p = floor_put(buf, (uint32_t)(16 + 12 + n + 16));
	p = floor_put(floor_put(floor_put(floor_put(p, 1), 1), 1), 0);
	p = floor_put(floor_put(floor_put(p, 2), 2), (uint32_t)n);
	memcpy(p, argv[2], n);
	p = floor_put(floor_put(floor_put(floor_put(p + n, 1), 3), 1), 0);
	strcpy(addr.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    write(fd, buf, (size_t)(p - buf)) != p - buf)
		return 1;
	/* read to EOF (FAST_CLOSE), growing the buffer for large replies */
	while ((r = read(fd, buf + got, cap - got)) > 0) {
		got += (size_t)r;
		if (got == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			return 1;
	}
	if (got < 4 || (len = (size_t)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3]) > got - 4)
		return 1;
	/* the payload: find the STRING entry of field 2 (the server writes TYPE first) */
	for (p = buf + 4; p + 12 <= buf + 4 + len;) {
		uint32_t type = (uint32_t)p[3], field = (uint32_t)p[7];
		if (type == 1) {
			p += 16;
			continue;
		}
		n = (size_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
		if (field == 2 && n >= 2 && p[12] == '1') {
			p[12 + n] = '\n';
			return write(1, p + 14, n - 1) == (ssize_t)(n - 1) ? 0 : 1;
		}
		p += 12 + n;
	}
	return 1;
}
