/*
 * Shared driver for the C peer benchmarks (osip_bench.c, sofia_bench.c).
 *
 * A peer defines PEER_NAME, peer_init() and peer_parse(), then includes this
 * file, which provides main() with the common command line:
 *
 *   PROG [--seconds S] DIR     benchmark: parse every regular file in DIR
 *                              (sorted by name, one SIP message per file)
 *                              round after round until S seconds (default 3)
 *                              have passed; print one line
 *                              "<name> <N> msgs/s <M> MB/s"  (MB = 1e6 bytes)
 *   PROG --check FILE...       parse each file once and print
 *                              "FILE: accepted" or "FILE: rejected"
 *
 * Before benchmarking, every message is parsed once; if any is rejected the
 * program says which and exits 1, so the figures always measure successful
 * parses.
 *
 * peer_parse(data, len, why, whylen) returns 1 when the library accepted the
 * message and 0 when it rejected it (and may then write a reason to why).
 * data is NUL-terminated at data[len]; the peer must not modify it.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int peer_init(void);
static int peer_parse(const char *data, size_t len, char *why, size_t whylen);

typedef struct {
  char *path;
  char *data; /* len bytes plus a terminating NUL */
  size_t len;
} bench_msg;

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_load(const char *path, bench_msg *m) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, len = 0, n;
  char *buf = malloc(cap + 1);
  if (!buf) { fclose(f); return -1; }
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) { free(buf); fclose(f); return -1; }
      buf = nb, cap *= 2;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return -1; }
  buf[len] = '\0';
  m->path = strdup(path);
  m->data = buf;
  m->len = len;
  return 0;
}

static int bench_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every regular file of dir, sorted by name. Returns the count, -1 on error. */
static long bench_load_dir(const char *dir, bench_msg **out) {
  DIR *d = opendir(dir);
  if (!d) { fprintf(stderr, "%s: %s\n", dir, strerror(errno)); return -1; }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t pl = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(pl);
    struct stat st;
    snprintf(p, pl, "%s/%s", dir, e->d_name);
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) { free(p); continue; }
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
    }
    names[n++] = p;
  }
  closedir(d);
  qsort(names, n, sizeof *names, bench_cmp);
  bench_msg *msgs = calloc(n ? n : 1, sizeof *msgs);
  for (size_t i = 0; i < n; i++) {
    if (bench_load(names[i], &msgs[i]) != 0) {
      fprintf(stderr, "%s: %s\n", names[i], strerror(errno));
      return -1;
    }
    free(names[i]);
  }
  free(names);
  *out = msgs;
  return (long)n;
}

static int bench_usage(const char *prog) {
  fprintf(stderr,
          "usage: %s [--seconds S | --rounds N] DIR\n"
          "       %s --check FILE...\n", prog, prog);
  return 2;
}

static int bench_check(int argc, char **argv) {
  int status = 0;
  for (int i = 0; i < argc; i++) {
    bench_msg m;
    char why[256] = "";
    if (bench_load(argv[i], &m) != 0) {
      fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    int ok = peer_parse(m.data, m.len, why, sizeof why);
    printf("%s: %s\n", argv[i], ok ? "accepted" : "rejected");
    if (!ok && why[0]) fprintf(stderr, "%s: %s: %s\n", PEER_NAME, argv[i], why);
    free(m.data), free(m.path);
  }
  return status;
}

int main(int argc, char **argv) {
  double seconds = 3.0;
  long rounds = 0; /* --rounds N: fixed work instead of a time budget (for callgrind) */
  const char *dir = NULL;

  if (peer_init() != 0) {
    fprintf(stderr, "%s: library initialisation failed\n", PEER_NAME);
    return 1;
  }
  if (argc >= 2 && strcmp(argv[1], "--check") == 0) {
    if (argc < 3) return bench_usage(argv[0]);
    return bench_check(argc - 2, argv + 2);
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      char *end;
      seconds = strtod(argv[++i], &end);
      if (*end || !(seconds > 0)) return bench_usage(argv[0]);
    } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      char *end;
      rounds = strtol(argv[++i], &end, 10);
      if (*end || rounds <= 0) return bench_usage(argv[0]);
    } else if (argv[i][0] == '-' || dir) {
      return bench_usage(argv[0]);
    } else {
      dir = argv[i];
    }
  }
  if (!dir) return bench_usage(argv[0]);

  bench_msg *msgs;
  long n = bench_load_dir(dir, &msgs);
  if (n < 0) return 1;
  if (n == 0) {
    fprintf(stderr, "%s: no files in %s\n", PEER_NAME, dir);
    return 1;
  }

  /* Honesty check: measure successful parses only. */
  size_t round_bytes = 0;
  for (long i = 0; i < n; i++) {
    char why[256] = "";
    if (!peer_parse(msgs[i].data, msgs[i].len, why, sizeof why)) {
      fprintf(stderr, "%s: %s does not parse%s%s\n", PEER_NAME, msgs[i].path,
              why[0] ? ": " : "", why);
      return 1;
    }
    round_bytes += msgs[i].len;
  }

  unsigned long long count = 0, bytes = 0, accepted = 0;
  double start = bench_now(), elapsed;
  do {
    for (long i = 0; i < n; i++)
      accepted += (unsigned)peer_parse(msgs[i].data, msgs[i].len, NULL, 0);
    count += (unsigned long long)n;
    bytes += round_bytes;
    elapsed = bench_now() - start;
  } while (rounds ? (long long)(count / (unsigned long long)n) < rounds : elapsed < seconds);

  if (accepted != count) {
    fprintf(stderr, "%s: %llu of %llu parses failed during the run\n", PEER_NAME,
            count - accepted, count);
    return 1;
  }
  printf("%s %.0f msgs/s %.1f MB/s\n", PEER_NAME, (double)count / elapsed,
         (double)bytes / elapsed / 1e6);
  return 0;
}

#endif /* BENCH_COMMON_H */
