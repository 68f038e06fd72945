// A stand-in for Windows 10's bcryptprimitives.dll, for Wine 8 (Debian 12),
// which lacks it: the Go runtime (1.22+) refuses to start without its one
// function, ProcessPrng. Used only by scripts/check-windows-wheel.sh; real
// Windows 10+ has the DLL.
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);  // RtlGenRandom

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
