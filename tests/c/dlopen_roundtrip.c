// Loads libuplinkc the way a Python interpreter's ctypes does, with dlopen
// after start-up, and runs tests/c/roundtrip.c's check in three kinds of
// thread: the main thread and a thread that both existed before the library
// was loaded (their thread-local storage for it is allocated by dlopen), and
// a thread created afterwards (its storage comes with the thread).
//
// roundtrip.c is built as a shared object with -Dmain=uplink_roundtrip_main,
// linked against the library: dlopen of that object loads libuplinkc too.
// Usage: dlopen_roundtrip /path/to/roundtrip.so (with roundtrip.c's
// environment: UPLINK_C_ACCESS, UPLINK_C_BUCKET). Each of the three round
// trips prints "ok"; the exit status is 0 when all three succeed.

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static int (*roundtrip)(void);
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn = PTHREAD_COND_INITIALIZER;
static int early_may_run;

static void *run_in_thread(void *wait_for_turn) {
    if (wait_for_turn) {
        pthread_mutex_lock(&lock);
        while (!early_may_run) pthread_cond_wait(&turn, &lock);
        pthread_mutex_unlock(&lock);
    }
    return (void *)(long)roundtrip();
}

static int join(pthread_t thread, const char *which) {
    void *status;
    if (pthread_join(thread, &status) != 0) return 1;
    if (status != NULL) fprintf(stderr, "round trip in %s failed\n", which);
    return status != NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s roundtrip.so\n", argv[0]);
        return 2;
    }
    pthread_t early, late;
    if (pthread_create(&early, NULL, run_in_thread, (void *)1) != 0) return 1;

    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    int (*entry)(void) = (int (*)(void))dlsym(handle, "uplink_roundtrip_main");
    if (entry == NULL) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }

    // One after the other: each run creates and deletes the same bucket.
    roundtrip = entry;
    if (roundtrip() != 0) {
        fprintf(stderr, "round trip in the main thread failed\n");
        return 1;
    }
    pthread_mutex_lock(&lock);
    early_may_run = 1;
    pthread_cond_signal(&turn);
    pthread_mutex_unlock(&lock);
    if (join(early, "a thread started before dlopen")) return 1;
    if (pthread_create(&late, NULL, run_in_thread, NULL) != 0) return 1;
    if (join(late, "a thread started after dlopen")) return 1;
    return 0;
}
