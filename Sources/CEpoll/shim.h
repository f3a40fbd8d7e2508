// epoll and eventfd are not part of Swift's Glibc module.
#include <sys/epoll.h>
#include <sys/eventfd.h>
