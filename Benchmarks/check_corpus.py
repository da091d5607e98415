#!/usr/bin/env python3
"""Sanity-check the benchmark corpus: one SIP message per file.

Checks, per file:
  * every line of the header section (start line + headers) ends in CRLF,
    with no bare CR or LF anywhere in it, and it ends with an empty line;
  * exactly one Content-Length header, equal to the body's byte count;
  * a body, if present, uses CRLF line endings too (SDP requires it);
  * RFC 3261 basics: Via (top one with a z9hG4bK branch), From with a tag,
    To, Call-ID, CSeq; for requests Max-Forwards and a CSeq method equal to
    the request method.

Usage: check_corpus.py [DIR]   (default: the corpus/ folder beside this file)
Exit status 0 when every file passes, 1 otherwise.
"""
import os
import re
import sys

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length",
           "m": "contact", "c": "content-type"}


def check(path):
    errs = []
    data = open(path, "rb").read()
    sep = data.find(b"\r\n\r\n")
    if sep < 0:
        return ["no CRLF CRLF between headers and body"]
    head, body = data[:sep + 2], data[sep + 4:]
    lines = head.split(b"\r\n")[:-1]
    for i, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            errs.append("header line %d has a bare CR or LF" % i)
    if not lines:
        return errs + ["empty message"]
    start = lines[0].decode("utf-8", "replace")
    req = re.fullmatch(r"([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP/2\.0", start)
    resp = re.fullmatch(r"SIP/2\.0 ([1-6]\d\d) (.+)", start)
    if not req and not resp:
        errs.append("bad start line: %r" % start)

    headers = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            errs.append("folded header line (avoid in the corpus)")
            continue
        name, colon, value = line.decode("utf-8", "replace").partition(":")
        if not colon:
            errs.append("header line without a colon: %r" % line)
            continue
        name = name.strip().lower()
        headers.append((COMPACT.get(name, name), value.strip()))

    def values(n):
        return [v for k, v in headers if k == n]

    cl = values("content-length")
    if len(cl) != 1:
        errs.append("expected one Content-Length, found %d" % len(cl))
    elif not cl[0].isdigit() or int(cl[0]) != len(body):
        errs.append("Content-Length %s but body has %d bytes" % (cl[0], len(body)))
    if body and (re.search(rb"(?<!\r)\n", body) or re.search(rb"\r(?!\n)", body)
                 or not body.endswith(b"\r\n")):
        errs.append("body is not CRLF-terminated text")

    for n in ("via", "from", "to", "call-id", "cseq"):
        if not values(n):
            errs.append("missing %s" % n)
    vias = values("via")
    if vias and not re.search(r";\s*branch=z9hG4bK", vias[0]):
        errs.append("top Via has no z9hG4bK branch")
    if values("from") and not re.search(r";\s*tag=", values("from")[0]):
        errs.append("From has no tag")
    cseq = values("cseq")
    if cseq and not re.fullmatch(r"\d+ \S+", cseq[0]):
        errs.append("bad CSeq %r" % cseq[0])
    if req:
        if not values("max-forwards"):
            errs.append("request without Max-Forwards")
        if cseq and cseq[0].split()[-1] != req.group(1):
            errs.append("CSeq method %s != request method %s" % (cseq[0].split()[-1], req.group(1)))
    return errs


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    files = sorted(f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f)))
    bad = 0
    for f in files:
        errs = check(os.path.join(d, f))
        print("%s: %s" % (f, "ok" if not errs else "; ".join(errs)))
        bad += bool(errs)
    print("%d passed, %d failed" % (len(files) - bad, bad))
    return 1 if bad or not files else 0


if __name__ == "__main__":
    sys.exit(main())
