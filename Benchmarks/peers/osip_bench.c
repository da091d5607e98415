/*
 * osip2 peer for the ims-harness parse benchmark (see bench_common.h for the
 * command line).  Build:
 *   cc -O2 osip_bench.c $(pkg-config --cflags --libs libosip2) -o osip_bench
 *
 * One parse = osip_message_init + osip_message_parse + osip_message_free.
 * osip_message_parse() takes an explicit length and works on its own private
 * copy of the buffer (it allocates length+2 bytes, copies, NUL-terminates and
 * rewrites LWS in place), so the caller's buffer is passed as is; that
 * internal copy is part of the measured cost, just as the explicit copy is in
 * sofia_bench.c.  osip parses the start line and every header into
 * structures (URIs, Via, From/To, CSeq, Contact, ...; unknown headers kept as
 * name/value strings) and keeps the body as an opaque string: SDP is not
 * parsed.  Although it takes a length, osip scans its copy as a C string, so
 * a message with an embedded NUL byte (e.g. a quoted-pair "\<NUL>" as in RFC 4475
 * intmeth.dat) is cut short there and rejected ("Final CRLF is missing").
 * osip_message_parse() returns OSIP_SUCCESS (0) or a negative error code;
 * its parse-error traces go to stdout unless redirected (see peer_init).
 */
#define PEER_NAME "osip2"
#include "bench_common.h"

#include <stdarg.h>
#include <osipparser2/osip_parser.h>

/* osip writes its parse-error traces to stdout by default; send them to
 * stderr so stdout carries only the result lines. */
static void trace_to_stderr(const char *fi, int li, osip_trace_level_t level,
                            const char *fmt, va_list ap) {
  (void)level;
  fprintf(stderr, "osip2 trace %s:%d: ", fi, li);
  vfprintf(stderr, fmt, ap);
}

static int peer_init(void) {
  osip_trace_initialize_func(OSIP_WARNING, trace_to_stderr); /* fatal, bug, error */
  /* Builds osip's header-name lookup table; required before any parse. */
  return parser_init() == 0 ? 0 : -1;
}

static int peer_parse(const char *data, size_t len, char *why, size_t whylen) {
  osip_message_t *sip = NULL;
  if (osip_message_init(&sip) != OSIP_SUCCESS) {
    if (why) snprintf(why, whylen, "osip_message_init failed");
    return 0;
  }
  int rc = osip_message_parse(sip, data, len);
  osip_message_free(sip);
  if (rc != OSIP_SUCCESS) {
    if (why) snprintf(why, whylen, "osip_message_parse() = %d", rc);
    return 0;
  }
  return 1;
}
