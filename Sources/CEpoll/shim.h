// epoll is not part of Swift's Glibc module.
#include <sys/epoll.h>
