/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * vmds-ready PIDFILE NOTIFY_SOCKET_PATH TIMEOUT_S -- COMMAND...: starts
 * COMMAND with $NOTIFY_SOCKET set, waits for its READY=1 datagram, prints the
 * seconds from exec to READY=1 and exits 0, leaving COMMAND running (its pid
 * in PIDFILE). On timeout, or if COMMAND exits first, it kills COMMAND and
 * exits 1. The bench harness uses it to start vmdsd and for P7.
 */

/* clock_gettime, setenv, kill: also when built outside meson */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
ready_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	double start, deadline;
	char buf[4096];
	FILE *pidfile;
	pid_t pid;
	int fd;

	if (argc < 6 || strcmp(argv[4], "--") != 0 || strlen(argv[2]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: vmds-ready PIDFILE SOCKET TIMEOUT -- COMMAND...\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[2]);
	unlink(argv[2]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("vmds-ready: notify socket");
		return 1;
	}
	setenv("NOTIFY_SOCKET", argv[2], 1);
	start = ready_now();
	deadline = start + atof(argv[3]);
	pid = fork();
	if (pid < 0) {
		perror("vmds-ready: fork");
		return 1;
	}
	if (pid == 0) {
		/* its own process group, so the harness can stop it and its children */
		setpgid(0, 0);
		/* our stdout is the harness's $(...): the daemon must not hold it open */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[5], argv + 5);
		perror("vmds-ready: exec");
		_exit(127);
	}
	pidfile = fopen(argv[1], "w");
	if (pidfile == NULL || fprintf(pidfile, "%d\n", (int)pid) < 0 || fclose(pidfile) != 0) {
		perror("vmds-ready: pid file");
		kill(pid, SIGKILL);
		return 1;
	}
	for (;;) {
		double left = deadline - ready_now();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int status;
		ssize_t n;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "vmds-ready: %s exited before READY=1\n", argv[5]);
			return 1;
		}
		if (left <= 0) {
			fprintf(stderr, "vmds-ready: no READY=1 within %s s\n", argv[3]);
			kill(pid, SIGKILL);
			return 1;
		}
		/* wake every 100 ms to notice an early exit */
		if (poll(&pfd, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		/* the datagram holds newline-separated assignments */
		for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
			if (strcmp(line, "READY=1") == 0) {
				printf("%.6f\n", ready_now() - start);
				unlink(argv[2]);
				return 0;
			}
		}
	}
}
