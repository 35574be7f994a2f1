#!/usr/bin/env python3
"""HTTP clients for tests/host/metrics.sh: well-behaved and not.

  om_client.py get ADDR PATH [ACCEPT]      status, Content-Type, then the body
  om_client.py raw ADDR HEX                 send bytes, print the status line
  om_client.py hold ADDR MODE TIMEOUT_S     one bad connection (silent, garbage,
                                            partial) held open while another
                                            client scrapes; exit 1 with why

ADDR: HOST:PORT, or a Unix socket path (starts with /).
"""
import socket
import sys
import time


def connect(addr, timeout):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
        s.settimeout(timeout)
    return s


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def get(addr, path, accept=None, timeout=3.0):
    """(status line, headers dict, body) of GET path."""
    s = connect(addr, timeout)
    req = "GET %s HTTP/1.1\r\nHost: test\r\n" % path
    if accept:
        req += "Accept: %s\r\n" % accept
    s.sendall((req + "\r\n").encode())
    data = read_all(s)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body


def scrape_ok(addr):
    t0 = time.monotonic()
    status, headers, body = get(addr, "/metrics", timeout=3.0)
    took = time.monotonic() - t0
    if not status.endswith("200 OK") or not body.endswith(b"# EOF\n"):
        return "scrape answered %r, %d bytes" % (status, len(body))
    if took > 2.0:
        return "scrape took %.1f s" % took
    return None


def hold(addr, mode, timeout_s):
    bad = connect(addr, timeout_s + 5)
    if mode == "garbage":
        bad.sendall(b"\x16\x03\x01\x02\x00garbage\xff")  # a TLS hello, say
    elif mode == "partial":
        bad.sendall(b"GET /metr")  # and nothing more
    time.sleep(0.3)
    why = scrape_ok(addr)
    if why:
        print("while a %s connection was open: %s" % (mode, why))
        return 1
    if mode == "garbage":
        status = read_all(bad).split(b"\r\n", 1)[0]
        if status != b"HTTP/1.1 400 Bad Request":
            print("garbage answered %r, not 400" % status)
            return 1
        print("garbage answered 400 while another client scraped")
        return 0
    # silent or partial: the server closes it at its deadline
    t0 = time.monotonic()
    try:
        rest = read_all(bad)
    except socket.timeout:
        print("a %s connection still open %.1f s later" % (mode, time.monotonic() - t0))
        return 1
    print("%s connection closed by the server after %.1f s (%d bytes), scrape fine meanwhile"
          % (mode, time.monotonic() - t0, len(rest)))
    return 0


def main():
    cmd, addr = sys.argv[1], sys.argv[2]
    try:
        if cmd == "get":
            status, headers, body = get(addr, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
            sys.stdout.write("%s\n%s\n" % (status, headers.get("content-type", "")))
            sys.stdout.flush()
            sys.stdout.buffer.write(body)
            return 0
        if cmd == "raw":
            s = connect(addr, 3.0)
            s.sendall(bytes.fromhex(sys.argv[3]))
            print(read_all(s).split(b"\r\n", 1)[0].decode("latin-1"))
            return 0
        if cmd == "hold":
            return hold(addr, sys.argv[3], float(sys.argv[4]))
    except OSError as e:
        print("%s %s: %s" % (cmd, addr, e))
        return 1
    print("unknown command " + cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())
