/*
 * C++ `throw` in a module linked with exceptions = "none" (packages/linker/src/exceptions.ts).
 *
 * Such a module has no WebAssembly exception handling (binaryen strips it, for engines that have
 * none), so nothing could catch a throw. The link wraps __cxa_throw (-Wl,--wrap=__cxa_throw): a
 * throw ends the program with a message naming the exception's (mangled) type instead of a bare
 * `unreachable` trap.
 */
#include <stdio.h>
#include <stdlib.h>

_Noreturn void __wrap___cxa_throw(void *object, void *type_info, void (*destructor)(void *)) {
  (void)object;
  (void)destructor;
  /* Itanium C++ ABI: std::type_info is { vtable pointer, const char *name }. */
  const char *name = type_info ? ((const char *const *)type_info)[1] : "?";
  fprintf(stderr,
          "wasi-pystack: a C++ exception of type %s was thrown, but this module was linked with "
          "exceptions = \"none\" (no WebAssembly exception handling); aborting\n",
          name);
  fflush(stderr);
  abort();
}
