// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// What lets musl's dlopen load this library (x86-64 only); inert elsewhere.
// Go's c-shared output fails under musl twice (Go issues 13492 and 54805):
//
//  1. Go's load-time entry, an init_array function, reads argc/argv/envp
//     (and the auxiliary vector after them) from its argument registers.
//     glibc calls init_array functions with (argc, argv, envp); musl calls
//     them with no arguments, so Go reads whatever the registers hold.
//  2. Go reads and writes its one thread-local variable (the current
//     goroutine) with the initial-exec TLS model: at a fixed offset from the
//     thread pointer, put in the GOT by an R_X86_64_TPOFF64 relocation. That
//     works only for libraries loaded with the program, so musl's dlopen
//     refuses it ("initial-exec TLS resolves to dynamic definition").
//
// This file provides the replacements, and libuplinkc/musl_tls.py (run by
// setup.py after `go build`) wires them in:
//
//  1. init_array becomes the one entry uplink_musl_init, which calls the
//     entries it had, in order, as glibc would: with argc, argv and envp
//     built here, followed by the auxiliary vector.
//  2. Each `mov <TPOFF64 GOT slot>(%rip), %reg` in Go's code becomes a call
//     to the trampoline for %reg, which puts there the thread-pointer offset
//     of uplink_musl_g in the calling thread, found through a TLS descriptor
//     (a dynamic TLS model, which musl supports for dlopen'ed libraries). The
//     `%fs:(%reg)` access that follows then reaches uplink_musl_g, in every
//     thread, whether it started before or after the library was loaded.
//
// musl_tls.py finds these through libuplinkc_musl_table (by its magic
// string), since the shipped library has no symbol table. The table is
// exported, under a name outside the API's uplink_/edge_ namespace, so that
// no linker drops it as unused (nothing else refers to it).

#if defined(__linux__) && defined(__x86_64__)
#define _GNU_SOURCE  // program_invocation_name
#include <stdlib.h>  // which defines __GLIBC__ on glibc: musl has no such macro
#if !defined(__GLIBC__) && !defined(__BIONIC__)

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <sys/auxv.h>

// Go's goroutine pointer for each thread (what Go calls runtime.tlsg).
__attribute__((used, visibility("hidden"))) __thread void *uplink_musl_g;

// A trampoline per register: returns uplink_musl_g's offset from the thread
// pointer in that register and changes nothing else (flags included), as the
// 7-byte `mov` it replaces did. It runs on the caller's stack and uses 48
// bytes of it (with musl's descriptor function), which Go's linker does not
// count in its check of NOSPLIT call chains: most sites follow a call from
// Go code to an assembly function, at that call's depth (Go reloads the
// goroutine register after such calls), so only a chain within 40 bytes of
// the limit Go allows could reach past the bottom of a goroutine's stack.
#define UPLINK_TRAMPOLINE_BODY(reg)                                                   \
	"pushfq\n"                                                                        \
	"pushq %rax\n"                                                                    \
	"leaq uplink_musl_g@tlsdesc(%rip), %rax\n"                                        \
	"call *uplink_musl_g@tlscall(%rax)\n"                                             \
	"movq %rax, %" #reg "\n"                                                          \
	"popq %rax\n"                                                                     \
	"popfq\n"                                                                         \
	"ret\n"
#define UPLINK_TRAMPOLINE(reg)                                                        \
	__asm__(".text\n.p2align 4\n.hidden uplink_musl_tls_" #reg "\n"                  \
	        ".type uplink_musl_tls_" #reg ", @function\n"                             \
	        "uplink_musl_tls_" #reg ":\n" UPLINK_TRAMPOLINE_BODY(reg));               \
	void uplink_musl_tls_##reg(void) __attribute__((visibility("hidden")))

__asm__(".text\n.p2align 4\n.hidden uplink_musl_tls_rax\n"
        ".type uplink_musl_tls_rax, @function\n"
        "uplink_musl_tls_rax:\n"
        "pushfq\n"
        "leaq uplink_musl_g@tlsdesc(%rip), %rax\n"
        "call *uplink_musl_g@tlscall(%rax)\n"
        "popfq\n"
        "ret\n");
void uplink_musl_tls_rax(void) __attribute__((visibility("hidden")));
UPLINK_TRAMPOLINE(rcx);
UPLINK_TRAMPOLINE(rdx);
UPLINK_TRAMPOLINE(rbx);
UPLINK_TRAMPOLINE(rbp);
UPLINK_TRAMPOLINE(rsi);
UPLINK_TRAMPOLINE(rdi);
UPLINK_TRAMPOLINE(r8);
UPLINK_TRAMPOLINE(r9);
UPLINK_TRAMPOLINE(r10);
UPLINK_TRAMPOLINE(r11);
UPLINK_TRAMPOLINE(r12);
UPLINK_TRAMPOLINE(r13);
UPLINK_TRAMPOLINE(r14);
UPLINK_TRAMPOLINE(r15);

static void uplink_musl_init(void);

#define UPLINK_MUSL_INIT_MAX 8

// Read and completed by musl_tls.py. The pointers are link-time addresses
// that R_X86_64_RELATIVE relocations resolve; what musl_tls.py fills in is
// relative to the table itself, so that it needs no relocation.
struct uplink_musl_table {
	char magic[16];
	void (*init)(void);            // the one init_array entry musl_tls.py leaves
	void (*trampoline[16])(void);  // by x86 register number; none for %rsp
	int64_t init_count;            // filled in: the entries init_array had
	int64_t init_entry[UPLINK_MUSL_INIT_MAX];
};

__attribute__((used)) struct uplink_musl_table libuplinkc_musl_table = {
	"uplink-musl-tls1",
	uplink_musl_init,
	{uplink_musl_tls_rax, uplink_musl_tls_rcx, uplink_musl_tls_rdx, uplink_musl_tls_rbx,
	 0, uplink_musl_tls_rbp, uplink_musl_tls_rsi, uplink_musl_tls_rdi,
	 uplink_musl_tls_r8, uplink_musl_tls_r9, uplink_musl_tls_r10, uplink_musl_tls_r11,
	 uplink_musl_tls_r12, uplink_musl_tls_r13, uplink_musl_tls_r14, uplink_musl_tls_r15},
	0,
	{0},
};

// The auxiliary vector entries the Go runtime reads (page size, random
// seed, CPU features, the vDSO, secure mode, signal stack size).
static const unsigned long uplink_musl_auxv_types[] = {
	AT_PAGESZ, AT_CLKTCK, AT_HWCAP, AT_HWCAP2, AT_RANDOM, AT_SECURE, AT_SYSINFO_EHDR,
	AT_PLATFORM,
#ifdef AT_MINSIGSTKSZ
	AT_MINSIGSTKSZ,
#endif
};
#define UPLINK_MUSL_AUXV_COUNT (sizeof uplink_musl_auxv_types / sizeof uplink_musl_auxv_types[0])

extern char **environ;

// Calls the library's init_array functions as glibc would: with argc, argv
// and envp, where envp's NULL is followed by the auxiliary vector. musl keeps
// argv[0] (program_invocation_name) but not the rest of argv for a library
// to read, so Go's os.Args is just the program name. The block stays
// allocated for good: the Go runtime keeps reading its auxiliary vector.
static void uplink_musl_init(void) {
	size_t envc = 0;
	while (environ != NULL && environ[envc] != NULL) envc++;
	char **block = calloc(2 + envc + 1 + 2 * UPLINK_MUSL_AUXV_COUNT + 2, sizeof *block);
	if (block == NULL) abort();
	int argc = program_invocation_name != NULL;
	size_t at = 0;
	if (argc) block[at++] = program_invocation_name;
	block[at++] = NULL;  // the end of argv
	char **envp = block + at;
	for (size_t i = 0; i < envc; i++) block[at++] = environ[i];
	block[at++] = NULL;
	for (size_t i = 0; i < UPLINK_MUSL_AUXV_COUNT; i++) {
		unsigned long value = getauxval(uplink_musl_auxv_types[i]);
		if (value == 0) continue;
		block[at++] = (char *)uplink_musl_auxv_types[i];
		block[at++] = (char *)value;
	}
	// and AT_NULL, 0: calloc's zeros

	// Read as memory: the compiler must not take the initializer's zeros.
	volatile struct uplink_musl_table *filled = &libuplinkc_musl_table;
	for (int64_t i = 0; i < filled->init_count && i < UPLINK_MUSL_INIT_MAX; i++) {
		void (*entry)(int, char **, char **) = (void (*)(int, char **, char **))(
		    (char *)&libuplinkc_musl_table + filled->init_entry[i]);
		entry(argc, block, envp);
	}
}

#endif
#endif
