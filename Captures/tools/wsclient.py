#!/usr/bin/env python3
"""SIP over WebSocket client (RFC 7118) for recording Captures/sip-websocket.pcapng:
REGISTER, OPTIONS, then an INVITE sent as two fragments, its ACK, and a close frame."""
import base64, os, socket, struct, sys

host, port = sys.argv[1], int(sys.argv[2])

def frame(payload, opcode=1, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

def read_messages(sock, want):
    buf, out = b"", []
    while len(out) < want:
        data = sock.recv(65536)
        if not data: break
        buf += data
        while len(buf) >= 2:
            n, off = buf[1] & 0x7F, 2
            if n == 126: n, off = struct.unpack("!H", buf[2:4])[0], 4
            if len(buf) < off + n: break
            out.append(buf[off:off + n].decode()); buf = buf[off + n:]
    return out

def sip(method, cseq, call_id, extra="", body=""):
    return (f"{method} sip:ims.test SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{call_id}{cseq};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:alice@ims.test>;tag=ws{call_id}\r\nTo: <sip:{'alice' if method == 'REGISTER' else 'bob'}@ims.test>\r\n"
            f"Call-ID: {call_id}@df7jal23ls0d.invalid\r\nCSeq: {cseq} {method}\r\n{extra}Content-Length: {len(body)}\r\n\r\n{body}").encode()

s = socket.create_connection((host, port), timeout=5)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
           "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
resp = b""
while b"\r\n\r\n" not in resp: resp += s.recv(4096)
assert resp.startswith(b"HTTP/1.1 101"), resp
s.sendall(frame(sip("REGISTER", 1, "reg1", "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>;expires=600\r\n")))
print(read_messages(s, 1)[0].split("\r\n")[0])
s.sendall(frame(sip("OPTIONS", 1, "opt1")))
print(read_messages(s, 1)[0].split("\r\n")[0])
sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/SAVPF 0\r\n"
invite = sip("INVITE", 1, "inv1", "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\nContent-Type: application/sdp\r\n", sdp)
half = len(invite) // 2
s.sendall(frame(invite[:half], fin=False) + frame(invite[half:], opcode=0))
for m in read_messages(s, 2): print(m.split("\r\n")[0])
s.sendall(frame(sip("ACK", 1, "inv1")))
s.sendall(frame(struct.pack("!H", 1000), opcode=8))
s.close()
