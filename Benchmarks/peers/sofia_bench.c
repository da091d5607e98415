/*
 * sofia-sip peer for the ims-harness parse benchmark (see bench_common.h for
 * the command line).  Build:
 *   cc -O2 sofia_bench.c $(pkg-config --cflags --libs sofia-sip-ua) -o sofia_bench
 *
 * One parse = msg_create(sip_default_mclass()) + msg_buf_alloc + memcpy +
 * msg_buf_commit(eos) + msg_extract + msg_destroy.
 *
 * Copy: sofia's parser works in place on the message's own buffer (it writes
 * NUL terminators into it and, without MSG_DO_EXTRACT_COPY, the parsed
 * headers point into it), so every parse must copy the wire bytes into a
 * fresh msg buffer, as a transport would on receive.  That memcpy is part of
 * the measured cost; osip makes the equivalent copy inside
 * osip_message_parse().  Like osip, sofia parses the start line and all
 * headers it knows (unknown ones kept as name/value) and keeps the body as an
 * opaque payload: SDP is not parsed.
 *
 * Errors: msg_extract() returns 1 for a complete message, 0 if incomplete and
 * -1 on error.  It returns -1 (and sets MSG_FLG_ERROR) only when the start
 * line or a header class marked critical fails, e.g. Content-Length.  Most
 * headers, including Via, From, To, Call-ID and CSeq, are not critical: when
 * one fails to parse, msg_extract() still returns 1 and the header goes to
 * the sip->sip_error list.  A second instance of a single-valued header
 * (a duplicate To, say) lands on that list too.  This program counts a message
 * as accepted only if msg_extract() returned 1, neither MSG_FLG_ERROR nor
 * MSG_FLG_TRUNC is set, there is a request or status line, and
 * sip->sip_error is empty, i.e. every header parsed.
 * Known leniency, not patched over here: a datagram whose body is shorter
 * than Content-Length is still reported complete (msg_extract() = 1, no
 * MSG_FLG_TRUNC), because the declared body fits in the allocated buffer.
 */
/* Built twice: as-is with sip_default_mclass() (the SIP base headers; IMS P-headers,
 * Security-* and the like stay unparsed), and with -DSOFIA_EXTENDED using
 * sip_extend_mclass(), which also types the extension headers Sofia knows. */
#ifdef SOFIA_EXTENDED
#define PEER_NAME "sofia-sip-ext"
#else
#define PEER_NAME "sofia-sip"
#endif
#include "bench_common.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

static msg_mclass_t const *mclass;

static int peer_init(void) {
#ifdef SOFIA_EXTENDED
  mclass = sip_extend_mclass(NULL);
#else
  mclass = sip_default_mclass();
#endif
  return mclass ? 0 : -1;
}

static int peer_parse(const char *data, size_t len, char *why, size_t whylen) {
  msg_t *msg = msg_create(mclass, 0);
  if (!msg) {
    if (why) snprintf(why, whylen, "msg_create failed");
    return 0;
  }
  /* msg_extract() NUL-terminates at the end of the committed data, so the
   * buffer needs one spare byte. */
  char *buf = msg_buf_alloc(msg, len + 1);
  if (!buf) {
    msg_destroy(msg);
    if (why) snprintf(why, whylen, "msg_buf_alloc failed");
    return 0;
  }
  memcpy(buf, data, len);
  msg_buf_commit(msg, len, 1 /* end of stream: the datagram is all there is */);

  int rc = msg_extract(msg);
  sip_t const *sip = sip_object(msg);
  unsigned bad = msg_get_flags(msg, MSG_FLG_ERROR | MSG_FLG_TRUNC);
  int ok = rc > 0 && !bad && sip && (sip->sip_request || sip->sip_status) &&
           !sip->sip_error;
  if (!ok && why) {
    int n = snprintf(why, whylen, "msg_extract() = %d%s%s", rc,
                     (bad & MSG_FLG_ERROR) ? ", MSG_FLG_ERROR" : "",
                     (bad & MSG_FLG_TRUNC) ? ", MSG_FLG_TRUNC" : "");
    if (sip && !sip->sip_request && !sip->sip_status && n >= 0 && (size_t)n < whylen)
      n += snprintf(why + n, whylen - n, ", no start line");
    /* The error list can also hold well-formed headers of other classes
     * (e.g. a second Content-Length), so only a true error header has
     * er_name; for the others use the header class name. */
    for (sip_error_t const *e = sip ? sip->sip_error : NULL; e; e = e->er_next) {
      msg_hclass_t const *hc = e->er_common->h_class;
      char const *name = hc->hc_hash == msg_error_hash ? e->er_name : hc->hc_name;
      if (n >= 0 && (size_t)n < whylen)
        n += snprintf(why + n, whylen - n, ", bad header %s", name ? name : "(unnamed)");
    }
  }
  msg_destroy(msg);
  return ok;
}
