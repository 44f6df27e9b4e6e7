#!/usr/bin/env python3
"""Holds every packet of one netfilter queue for a fixed time, then lets it pass.

The chaos suite's network delay. `tc qdisc ... netem` is the usual tool, but a kernel built
without sch_netem (as on some virtual machines) cannot run it; an iptables NFQUEUE rule plus this
program gives the same effect on the packets the rule selects: each is accepted `delay_ms` after
the kernel queued it, in the order they came (one fixed delay keeps the order).

    nfq_delay.py QUEUE_NUM DELAY_MS

Run it in the network namespace of the rule (the queue is per namespace). It prints "ready" once
bound to the queue and runs until SIGTERM or SIGINT. It speaks nfnetlink_queue directly over a
netlink socket (no library): bind the queue, ask for packet metadata only, answer NF_ACCEPT
verdicts. Packets still held when it stops are dropped by the kernel unless the rule has
--queue-bypass (the suite's rules do, so stopping it never cuts the link).
"""
import collections
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
AF_INET = 2


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(msg, queue, attrs, flags=NLM_F_REQUEST, seq=0):
    """An nfnetlink message of the queue subsystem: nlmsghdr, nfgenmsg, attributes."""
    body = struct.pack("=BB", 0, 0) + struct.pack("!H", queue) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg, flags, seq, 0) + body


def packet_ids(data):
    """The packet ids of the queued-packet messages in one datagram."""
    ids = []
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            pos = offset + 16 + 4
            end = offset + length
            while pos + 4 <= end:
                alen, akind = struct.unpack_from("=HH", data, pos)
                if alen < 4:
                    break
                if (akind & 0x7FFF) == NFQA_PACKET_HDR:
                    ids.append(struct.unpack_from("!I", data, pos + 4)[0])
                pos += (alen + 3) & ~3
        elif kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, offset + 16)[0]
            if err != 0:
                raise OSError(-err, "nfnetlink_queue refused a request")
        offset += (length + 3) & ~3
    return ids


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: nfq_delay.py QUEUE_NUM DELAY_MS\n")
        return 64
    queue = int(sys.argv[1])
    delay = int(sys.argv[2]) / 1000.0
    if not 0 <= queue <= 65535 or not 0 <= delay <= 10:
        sys.stderr.write("nfq_delay.py: queue 0..65535, delay 0..10000 ms\n")
        return 64

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))
    sock.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, AF_INET))],
                      NLM_F_REQUEST | NLM_F_ACK, 1))
    packet_ids(sock.recv(65536))  # the ACK; raises if the bind was refused
    sock.send(message(NFQNL_MSG_CONFIG, queue, [attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))],
                      NLM_F_REQUEST | NLM_F_ACK, 2))
    packet_ids(sock.recv(65536))
    print("ready", flush=True)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    held = collections.deque()  # (due time, packet id), oldest first
    while not stop:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, pid = held.popleft()
            sock.send(message(NFQNL_MSG_VERDICT, queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))]))
        timeout = max(0.0, held[0][0] - now) if held else 0.5
        try:
            ready, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        if ready:
            try:
                data = sock.recv(1 << 16)
            except OSError as e:  # ENOBUFS: the kernel dropped messages; the rule's bypass covers them
                sys.stderr.write(f"nfq_delay.py: {e}\n")
                continue
            due = time.monotonic() + delay
            held.extend((due, pid) for pid in packet_ids(data))
    # Release what is still held, at once, rather than leave it to the kernel.
    for _, pid in held:
        sock.send(message(NFQNL_MSG_VERDICT, queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, pid))]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
