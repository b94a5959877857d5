/*
 * What the C test programs share (tests/c/flow_test.c, tests/windows/windows_test.c): a CHECK
 * that counts failures and carries on, and JSON string escaping for paths put into options.
 */
#ifndef CMAAD_TEST_CHECK_H
#define CMAAD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

/* Writes text into out as the inside of a JSON string, with quotes, backslashes and control
 * characters escaped: the Windows folder C:\Temp\cmaad goes into the options as C:\\Temp\\cmaad.
 * Returns -1 when it does not fit. */
static int json_escape(const char *text, char *out, size_t size) {
  size_t used = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    char unit[8];
    if (*p == '"' || *p == '\\') snprintf(unit, sizeof unit, "\\%c", *p);
    else if (*p < 0x20) snprintf(unit, sizeof unit, "\\u%04x", *p);
    else snprintf(unit, sizeof unit, "%c", *p);
    size_t len = strlen(unit);
    if (used + len >= size) return -1;
    memcpy(out + used, unit, len);
    used += len;
  }
  out[used] = '\0';
  return 0;
}

#endif
