#!/usr/bin/env python3
"""Compares two pcap files frame for frame (bytes only, not timestamps).

usage: pcap_compare.py GOT.pcap EXPECTED.pcap [EXPECTED2.pcap ...]
The expected frames are those of the EXPECTED files one after the other.
Prints "frames=N bytes=B identical" and exits 0 when GOT holds the same
frames in the same order; otherwise names the first difference and exits 1.
Written without libraries so that it is an oracle independent of libpcap.
"""
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit(f"{path}: not a pcap file")
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            sys.exit(f"{path}: truncated record header at offset {off}")
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            sys.exit(f"{path}: truncated record at offset {off}")
        yield data[off:off + caplen]
        off += caplen


def main():
    got = list(frames(sys.argv[1]))
    want = [f for path in sys.argv[2:] for f in frames(path)]
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            print(f"frame {i}: {len(a)} bytes expected, {len(b)} bytes got, contents differ")
            return 1
    if len(want) != len(got):
        print(f"{len(want)} frames expected, {len(got)} got")
        return 1
    print(f"frames={len(want)} bytes={sum(map(len, want))} identical")
    return 0


sys.exit(main())
