/*
 * TEST-ONLY shim for wine 8, which lacks bcryptprimitives.dll: Rust's standard library imports
 * ProcessPrng from it on Windows. This DLL exports ProcessPrng over advapi32's SystemFunction036
 * (RtlGenRandom). tests/windows/run.sh builds it next to the test programs; it is never staged,
 * packaged or shipped (Windows 10 and later have the real bcryptprimitives.dll).
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
