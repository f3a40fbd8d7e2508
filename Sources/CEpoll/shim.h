// epoll, eventfd and prctl are not part of Swift's Glibc module.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// prctl is variadic, which Swift cannot call. Names the calling thread (Linux keeps 15 bytes).
static inline int heroform_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, name, 0, 0, 0);
}

// syscall is variadic too. The calling thread's kernel task id (its entry under /proc/self/task).
static inline int heroform_thread_id(void) {
    return (int)syscall(SYS_gettid);
}
