/*
 * C++ `throw` on a toolchain without C++ exception support.
 *
 * Debian's wasm32 libc++abi is built with exceptions off, and WebAssembly here has no exception
 * handling: clang compiles `throw` into calls to __cxa_allocate_exception and __cxa_throw and drops
 * the catch side. Linked only into modules whose manifests need C++ (NumPy's pocketfft and hash-based
 * unique). A throw ends the program with a message naming the exception's (mangled) type, instead of
 * an undefined symbol at link time or a silent wrong result.
 */
#include <stdio.h>
#include <stdlib.h>

void *__cxa_allocate_exception(size_t size) {
  void *p = malloc(size);
  if (p == NULL) abort();
  return p;
}

void __cxa_free_exception(void *p) { free(p); }

_Noreturn void __cxa_throw(void *object, void *type_info, void (*destructor)(void *)) {
  (void)object;
  (void)destructor;
  /* Itanium C++ ABI: std::type_info is { vtable pointer, const char *name }. */
  const char *name = type_info ? ((const char *const *)type_info)[1] : "?";
  fprintf(stderr,
          "wasi-pystack: a C++ exception of type %s was thrown, but this WebAssembly build has no C++ "
          "exception support; aborting\n",
          name);
  fflush(stderr);
  abort();
}
