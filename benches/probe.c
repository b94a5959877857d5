/*
 * probe.c: CMAAD from a plain C process through dlopen/dlsym, for the benchmarks.
 *
 *   probe cold LIB.so OPTIONS_JSON FILTER_JSON
 *       dlopen the library, open a session, run one cmaad_verify_apps (the library's runtime,
 *       HTTP client, connection and token all start cold) and print the timings as JSON.
 *   probe ffi LIB.so OPTIONS_JSON
 *       the cost of a no-op call (cmaad_abi_version) and of the cheapest JSON round trip
 *       (cmaad_get_apps with a filter that matches nothing, then cmaad_string_free).
 *
 * Build: cc -O2 -o probe benches/probe.c -ldl  (the header is include/cmaad.h)
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../include/cmaad.h"

typedef uint32_t (*abi_version_fn)(void);
typedef cmaad_status (*open_fn)(const char *, cmaad_session **, char **);
typedef void (*close_fn)(cmaad_session *);
typedef cmaad_status (*filter_fn)(cmaad_session *, const char *, char **);
typedef void (*free_fn)(char *);

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *sym(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "probe: %s missing: %s\n", name, dlerror());
        exit(2);
    }
    return p;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: probe cold LIB OPTIONS FILTER | probe ffi LIB OPTIONS\n");
        return 2;
    }
    double t0 = now_us();
    void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "probe: dlopen: %s\n", dlerror());
        return 2;
    }
    abi_version_fn abi_version = (abi_version_fn)sym(lib, "cmaad_abi_version");
    open_fn session_open = (open_fn)sym(lib, "cmaad_session_open");
    close_fn session_close = (close_fn)sym(lib, "cmaad_session_close");
    filter_fn verify_apps = (filter_fn)sym(lib, "cmaad_verify_apps");
    filter_fn get_apps = (filter_fn)sym(lib, "cmaad_get_apps");
    free_fn string_free = (free_fn)sym(lib, "cmaad_string_free");
    double t1 = now_us();

    cmaad_session *session = NULL;
    char *doc = NULL;
    cmaad_status st = session_open(argv[3], &session, &doc);
    double t2 = now_us();
    if (st != CMAAD_OK) {
        fprintf(stderr, "probe: session_open %u: %s\n", st, doc ? doc : "");
        return 1;
    }
    string_free(doc);

    if (strcmp(argv[1], "cold") == 0 && argc >= 5) {
        double t3 = now_us();
        st = verify_apps(session, argv[4], &doc);
        double t4 = now_us();
        if (st != CMAAD_OK || !strstr(doc, "\"Verified\":1")) {
            fprintf(stderr, "probe: verify_apps %u: %s\n", st, doc ? doc : "");
            return 1;
        }
        string_free(doc);
        session_close(session);
        printf("{\"dlopen_us\": %.1f, \"open_us\": %.1f, \"verify_us\": %.1f, \"total_us\": %.1f}\n",
               t1 - t0, t2 - t1, t4 - t3, now_us() - t0);
        return 0;
    }

    if (strcmp(argv[1], "ffi") == 0) {
        /* The pure call: through the function pointer, result kept live. */
        const long calls = 20000000;
        volatile uint32_t sink = 0;
        for (long i = 0; i < 100000; i++) sink += abi_version();
        double a0 = now_us();
        for (long i = 0; i < calls; i++) sink += abi_version();
        double a1 = now_us();
        (void)sink;

        /* The cheapest document round trip. */
        const char *filter = "{\"ClientId\":\"ffffffff-ffff-4fff-8fff-ffffffffffff\"}";
        enum { WARM = 2000, N = 20000 };
        static double t[N];
        for (int i = 0; i < WARM + N; i++) {
            double s = now_us();
            st = get_apps(session, filter, &doc);
            string_free(doc);
            double e = now_us();
            if (st != CMAAD_OK) {
                fprintf(stderr, "probe: get_apps %u\n", st);
                return 1;
            }
            if (i >= WARM) t[i - WARM] = e - s;
        }
        /* Check the document once more, outside the timed loop. */
        st = get_apps(session, filter, &doc);
        if (st != CMAAD_OK || strcmp(doc, "{\"value\":[]}") != 0) {
            fprintf(stderr, "probe: unexpected document %s\n", doc);
            return 1;
        }
        string_free(doc);
        qsort(t, N, sizeof t[0], cmp_double);
        session_close(session);
        printf("{\"abi_version_ns\": %.3f, \"abi_version_calls\": %ld, "
               "\"get_none\": {\"median_us\": %.3f, \"p10_us\": %.3f, \"p90_us\": %.3f, \"n\": %d}}\n",
               (a1 - a0) * 1000.0 / (double)calls, calls, t[N / 2], t[N / 10], t[N * 9 / 10], N);
        return 0;
    }
    fprintf(stderr, "probe: unknown mode %s\n", argv[1]);
    return 2;
}
