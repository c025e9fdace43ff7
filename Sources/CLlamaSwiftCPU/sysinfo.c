/* libc calls Swift's Glibc module does not import (they need _GNU_SOURCE or
   <sys/vfs.h>). Not exported from libllamaswift.so. */
#define _GNU_SOURCE
#include <unistd.h>

#include "lsk_cpu.h"

#ifdef __linux__
#include <sched.h>
#include <sys/vfs.h>

int lsk_usable_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int lsk_fd_on_pseudo_fs(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return 0;
    switch ((unsigned long)fs.f_type) {
    case 0x9fa0UL:     /* proc */
    case 0x62656572UL: /* sysfs */
    case 0x64626720UL: /* debugfs */
    case 0x74726163UL: /* tracefs */
    case 0x27e0ebUL:   /* cgroup */
    case 0x63677270UL: /* cgroup2 */
    case 0x73636673UL: /* securityfs */
        return 1;
    default:
        return 0;
    }
}
#else
/* Elsewhere (Darwin: compiles, not tried): the online CPUs, and no pseudo file systems. */
int lsk_usable_cpus(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int lsk_fd_on_pseudo_fs(int fd) {
    (void)fd;
    return 0;
}
#endif
