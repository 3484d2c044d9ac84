/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * An LD_PRELOAD shim under which Debian's open-vm-tools `vmtoolsd --cmd`
 * talks to vmdsd in a test (test-e2e-real-client.c), and which proves that it
 * never reaches the machine's vsock.
 *
 * What the real binary does, from the open-vm-tools 12.2 sources:
 *
 * - services/vmtoolsd/mainPosix.c main() and cmdLine.c ToolsCoreRunCommand()
 *   call VmCheck_IsVirtualWorld() (lib/vmCheck/vmcheck.c: CPUID hypervisor
 *   signature, then the VMware backdoor I/O port) and give up outside VMware.
 *   vmtoolsd calls it in libvmtools.so.0 through the PLT: the shim's answers
 *   yes.
 * - RpcChannel_SendOne() (lib/rpcChannel/rpcChannel.c) opens a VSockChannel
 *   (vsockChannel.c), whose Socket_ConnectVMCI() (simpleSocket.c) calls
 *   VMCISock_GetAFValueFd() and VMCISock_GetLocalCID() (lib/include/
 *   vmci_sockets.h): socket(40, SOCK_DGRAM) to probe the family, else
 *   open("/dev/vsock") and ioctls; then socket(AF_VSOCK, SOCK_STREAM), bind()
 *   to a privileged port from 1023 down, connect() to CID 0 port 976, and
 *   send()/recv() of DataMap packets. The shim gives it an AF_UNIX socket
 *   instead, takes the bind, connects it to $VMDS_OVT_SOCKET, and refuses
 *   /dev/vsock (ENOENT).
 * - Should that fail, the channel falls back to the backdoor (bdoorChannel.c,
 *   Message_Open() calling Backdoor()): the shim's Backdoor() answers as no
 *   VMware host does, so the I/O instruction is never run.
 *
 * The proof: at load the shim installs a seccomp filter under which a
 * socket() or socketpair() of AF_VSOCK that reaches the kernel traps (SIGSYS)
 * and fails with EPERM, and io_uring (which could make sockets) is refused;
 * it checks the filter with one such call of its own, then counts every
 * trap. The test reads the counts from $VMDS_OVT_LOG, one line per event.
 * Nothing here ever creates an AF_VSOCK socket.
 */

/* open() and open64() are both defined here: neither may stand for the other */
#undef _FILE_OFFSET_BITS

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define VMDS_OVT_SHIM_MAX_FD 1024
#define G_GNUC_UNUSED	     __attribute__((unused))

/* libvmtools' functions the shim replaces (vmcheck.h, backdoor.h) */
char VmCheck_IsVirtualWorld(void);
void Backdoor(void *proto);
void Backdoor_HbOut(void *proto);
void Backdoor_HbIn(void *proto);

/* descriptors the shim made in place of AF_VSOCK sockets */
static unsigned char vmds_ovt_shim_fake[VMDS_OVT_SHIM_MAX_FD];
static volatile sig_atomic_t vmds_ovt_shim_traps;
static volatile sig_atomic_t vmds_ovt_shim_checking;

/* one line appended to $VMDS_OVT_LOG; async-signal-safe (SIGSYS uses it) */
static void
vmds_ovt_shim_log_text(const char *text)
{
	const char *path = getenv("VMDS_OVT_LOG");
	int fd;

	if (path == NULL || path[0] == '\0')
		return;
	fd = (int)syscall(
	    SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (syscall(SYS_write, fd, text, strlen(text)) < 0) {
		/* nothing to do: the test then misses a line and fails */
	}
	syscall(SYS_close, fd);
}

static void __attribute__((format(printf, 1, 2))) vmds_ovt_shim_log(const char *format, ...)
{
	char line[256];
	va_list args;

	va_start(args, format);
	vsnprintf(line, sizeof(line) - 1, format, args);
	va_end(args);
	strcat(line, "\n");
	vmds_ovt_shim_log_text(line);
}

static void *
vmds_ovt_shim_next(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);
	if (sym == NULL) {
		fprintf(stderr, "vmds-ovt-shim: no %s after the shim\n", name);
		_exit(125);
	}
	return sym;
}

static void
vmds_ovt_shim_sigsys_cb(int sig G_GNUC_UNUSED, siginfo_t *info G_GNUC_UNUSED, void *context)
{
	ucontext_t *uc = context;

	/* the call does not happen; it returns -EPERM */
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
	vmds_ovt_shim_traps++;
	if (!vmds_ovt_shim_checking)
		vmds_ovt_shim_log_text("vsock-kernel-attempt\n");
}

/*
 * socket()/socketpair() with AF_VSOCK: trap; io_uring_setup: EPERM; any other
 * architecture than x86-64's (32-bit calls): EPERM; the rest runs
 */
static int
vmds_ovt_shim_install_filter(void)
{
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    /* x32 calls are numbered with bit 30 set */
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socketpair, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
	struct sigaction action = {.sa_sigaction = vmds_ovt_shim_sigsys_cb, .sa_flags = SA_SIGINFO};

	if (sigaction(SIGSYS, &action, NULL) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

__attribute__((constructor)) static void
vmds_ovt_shim_init(void)
{
	long rc;
	int errsv;

	if (vmds_ovt_shim_install_filter() < 0) {
		fprintf(stderr,
			"vmds-ovt-shim: cannot install the seccomp filter: %s\n",
			strerror(errno));
		_exit(125);
	}
	/* the filter works: an AF_VSOCK socket of our own is refused, and counted */
	vmds_ovt_shim_checking = 1;
	rc = syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0);
	errsv = errno;
	vmds_ovt_shim_checking = 0;
	if (rc >= 0 || errsv != EPERM || vmds_ovt_shim_traps != 1) {
		fprintf(
		    stderr,
		    "vmds-ovt-shim: the seccomp filter let socket(AF_VSOCK) through (%ld, %s)\n",
		    rc,
		    strerror(errsv));
		_exit(125);
	}
	vmds_ovt_shim_traps = 0;
	vmds_ovt_shim_log("filter-checked");
	/* vmtoolsd runs lsb_release through sh: those children keep the filter
	 * (with the default SIGSYS action, which kills), not the shim */
	unsetenv("LD_PRELOAD");
}

/* the real binary is in a VMware VM */
char
VmCheck_IsVirtualWorld(void)
{
	vmds_ovt_shim_log("vmcheck");
	return 1;
}

/* a backdoor call answers as when no VMware host is there (Backdoor_proto:
 * six registers; ax all ones, the rest 0) */
void
Backdoor(void *proto)
{
	uint64_t *regs = proto;

	vmds_ovt_shim_log("backdoor");
	memset(regs, 0, 6 * sizeof(*regs));
	regs[0] = 0xffffffffu;
}

void
Backdoor_HbOut(void *proto)
{
	vmds_ovt_shim_log("backdoor");
	memset(proto, 0, 7 * sizeof(uint64_t));
}

void
Backdoor_HbIn(void *proto)
{
	Backdoor_HbOut(proto);
}

static int
vmds_ovt_shim_is_fake(int fd)
{
	return fd >= 0 && fd < VMDS_OVT_SHIM_MAX_FD && vmds_ovt_shim_fake[fd];
}

int
socket(int domain, int type, int protocol)
{
	static int (*next)(int, int, int);
	int fd;

	if (next == NULL)
		next = vmds_ovt_shim_next("socket");
	if (domain != AF_VSOCK)
		return next(domain, type, protocol);
	/* an AF_UNIX socket of the same type stands in */
	fd = next(AF_UNIX, type, 0);
	vmds_ovt_shim_log("vsock-socket %s", (type & 0xf) == SOCK_STREAM ? "stream" : "other");
	if (fd >= VMDS_OVT_SHIM_MAX_FD) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	if (fd >= 0)
		vmds_ovt_shim_fake[fd] = 1;
	return fd;
}

int
close(int fd)
{
	static int (*next)(int);

	if (next == NULL)
		next = vmds_ovt_shim_next("close");
	if (vmds_ovt_shim_is_fake(fd))
		vmds_ovt_shim_fake[fd] = 0;
	return next(fd);
}

/* struct sockaddr_vm, without its header: family, reserved, port, cid */
static void
vmds_ovt_shim_vm_addr(const struct sockaddr *addr, unsigned int *port, unsigned int *cid)
{
	const unsigned char *raw = (const unsigned char *)addr;

	memcpy(port, raw + 4, sizeof(*port));
	memcpy(cid, raw + 8, sizeof(*cid));
}

int
bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*next)(int, const struct sockaddr *, socklen_t);
	unsigned int port = 0;
	unsigned int cid = 0;

	if (next == NULL)
		next = vmds_ovt_shim_next("bind");
	if (!vmds_ovt_shim_is_fake(fd))
		return next(fd, addr, len);
	vmds_ovt_shim_vm_addr(addr, &port, &cid);
	vmds_ovt_shim_log("vsock-bind %u", port);
	return 0;
}

int
connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*next)(int, const struct sockaddr *, socklen_t);
	const char *path = getenv("VMDS_OVT_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	unsigned int port = 0;
	unsigned int cid = 0;

	if (next == NULL)
		next = vmds_ovt_shim_next("connect");
	if (!vmds_ovt_shim_is_fake(fd))
		return next(fd, addr, len);
	vmds_ovt_shim_vm_addr(addr, &port, &cid);
	vmds_ovt_shim_log("vsock-connect %u %u", cid, port);
	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ECONNREFUSED;
		return -1;
	}
	strcpy(sun.sun_path, path);
	return next(fd, (const struct sockaddr *)&sun, sizeof(sun));
}

/* the vsock device is never opened: VMCISock_GetLocalCID() then says "any" */
static int
vmds_ovt_shim_is_vsock_device(const char *path)
{
	return path != NULL && (strcmp(path, "/dev/vsock") == 0 ||
				strcmp(path, "/vmfs/devices/char/vsock/vsock") == 0);
}

int
open64(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	mode_t mode = 0;
	va_list args;

	if (next == NULL)
		next = vmds_ovt_shim_next("open64");
	if (vmds_ovt_shim_is_vsock_device(path)) {
		vmds_ovt_shim_log("vsock-device");
		errno = ENOENT;
		return -1;
	}
	va_start(args, flags);
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		mode = va_arg(args, mode_t);
	va_end(args);
	return next(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list args;

	va_start(args, flags);
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		mode = va_arg(args, mode_t);
	va_end(args);
	return open64(path, flags, mode);
}
