#! /usr/bin/env python3
# Copyright (c) 2026 The ovs-ipoib authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Writes the seed inputs of the fuzz targets (tests/fuzz/fuzz-*.c).

    tests/fuzz/make-seeds.py CAPTURE.pcap OUTDIR

makes OUTDIR/xlate, OUTDIR/parsers and OUTDIR/sa-mad: hand-built frames of
every kind the translation handles, and the IB packets of a real capture
(../shared/captures/wireshark-infiniband-sample.pcap: raw IB, LRH first).
build-aux/fuzz.sh starts from these; what fuzzing then finds is kept,
minimized, in tests/fuzz/corpus/.  The input formats are described at the
top of each fuzz-*.c."""

import os
import struct
import sys

VM1 = bytes.fromhex("525400000001")
BCAST = b"\xff" * 6
REMOTE_GID = bytes.fromhex("fe800000000000000002c90300002002")
PORT_GID = bytes.fromhex("fe800000000000000002c90300001001")
IP_VM1 = bytes([10, 0, 0, 1])
IP_REMOTE = bytes([10, 0, 0, 2])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ipv4(proto, src, dst, payload, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0,
                      ttl, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, payload, flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags,
                       65535, 0, 0) + payload


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def arp_eth(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def hwaddr(qpn, gid):
    return struct.pack("!I", qpn & 0xffffff) + gid


def arp_ib(op, sha, spa, tha, tpa):
    return (struct.pack("!HHBBH", 32, 0x0800, 20, 4, op)
            + sha + spa + tha + tpa)


def ipoib(ethertype, payload):
    return struct.pack("!HH", ethertype, 0) + payload


def dhcp(op, xid, chaddr, htype=1, hlen=6, options=b""):
    body = struct.pack("!BBBBIHH4s4s4s4s", op, htype, hlen, 0, xid, 0,
                       0x8000, b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4)
    body += chaddr.ljust(16, b"\0") + b"\0" * 192
    return body + bytes([99, 130, 83, 99]) + options + b"\xff"


def ipv6_ns(src_mac):
    target = bytes.fromhex("fe800000000000000000000000000002")
    icmp = (struct.pack("!BBHI", 135, 0, 0, 0) + target
            + bytes([1, 1]) + src_mac)
    src = bytes.fromhex("fe80000000000000505400fffe000001")
    dst = bytes.fromhex("ff0200000000000000000001ff000002")
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    hdr = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + src + dst
    return hdr + icmp


# One record of fuzz-xlate's input; 'vlan' picks VLAN 5's context.
def tx(frame, tso=False, to_last_sender=False, vlan=False):
    op = (2 if tso else 0) | (4 if to_last_sender else 0) | (8 if vlan else 0)
    return struct.pack("!BH", op, len(frame)) + frame


def rx(payload, multicast=False, vif=0, sender=0, vlan=False):
    meta = bytes([1 if multicast else 0, vif, sender, 0, 0, 0, 0, 0])
    data = meta + payload
    return struct.pack("!BH", 1 | (8 if vlan else 0), len(data)) + data


def tagged(vid, ethertype, payload):
    return struct.pack("!HH", vid, ethertype) + payload


def xlate_seeds():
    remote = hwaddr(0x48, REMOTE_GID)
    vm1_hw = hwaddr(0x100, PORT_GID)
    arp_req_in = rx(ipoib(0x0806, arp_ib(1, remote, IP_REMOTE,
                                         b"\0" * 20, IP_VM1)),
                    multicast=True)
    seeds = {
        "arp-exchange": (
            tx(eth(BCAST, VM1, 0x0806,
                   arp_eth(1, VM1, IP_VM1, b"\0" * 6, IP_REMOTE)))
            + arp_req_in
            + tx(eth(BCAST, VM1, 0x0806,
                     arp_eth(2, VM1, IP_VM1, b"\0" * 6, IP_REMOTE)),
                 to_last_sender=True)
            + rx(ipoib(0x0806, arp_ib(2, remote, IP_REMOTE, vm1_hw,
                                      IP_VM1)))),
        "ipv4-both-ways": (
            arp_req_in
            + tx(eth(BCAST, VM1, 0x0800,
                     ipv4(6, IP_VM1, IP_REMOTE,
                          tcp(1000, 80, 1, b"hello"))),
                 to_last_sender=True)
            + rx(ipoib(0x0800, ipv4(17, IP_REMOTE, IP_VM1,
                                    udp(53, 1000, b"answer"))))),
        "tso": (
            arp_req_in
            + tx(eth(BCAST, VM1, 0x0800,
                     ipv4(6, IP_VM1, IP_REMOTE,
                          tcp(1000, 80, 1, bytes(6000)))),
                 tso=True, to_last_sender=True)),
        "ipv4-multicast": (
            tx(eth(bytes.fromhex("01005e010101"), VM1, 0x0800,
                   ipv4(17, IP_VM1, bytes([239, 1, 1, 1]),
                        udp(5000, 5000, b"group"), ttl=1)))),
        "ipv6-nd": (
            tx(eth(bytes.fromhex("3333ff000002"), VM1, 0x86dd,
                   ipv6_ns(VM1)))),
        "dhcp": (
            tx(eth(BCAST, VM1, 0x0800,
                   ipv4(17, b"\0" * 4, b"\xff" * 4,
                        udp(68, 67, dhcp(1, 0x1234, VM1,
                                         options=bytes([53, 1, 1]))))))
            + rx(ipoib(0x0800,
                       ipv4(17, IP_REMOTE, b"\xff" * 4,
                            udp(67, 68, dhcp(2, 0x1234, b"", htype=32,
                                             hlen=0,
                                             options=bytes([53, 1, 2]))))),
                 multicast=True)),
        "vlan-tagged-untagged-context": (
            tx(eth(BCAST, VM1, 0x8100,
                   tagged(5, 0x0806,
                          arp_eth(1, VM1, IP_VM1, b"\0" * 6, IP_REMOTE))))),
        # VLAN 5's context: VM1's VLAN 5 VIF is the fourth seed (QPN 0x102).
        "vlan5-both-ways": (
            tx(eth(BCAST, VM1, 0x8100,
                   tagged(5, 0x0806,
                          arp_eth(1, VM1, IP_VM1, b"\0" * 6, IP_REMOTE))),
               vlan=True)
            + rx(ipoib(0x0806, arp_ib(1, remote, IP_REMOTE, b"\0" * 20,
                                      IP_VM1)),
                 multicast=True, vlan=True)
            + tx(eth(BCAST, VM1, 0x8100,
                     tagged(5, 0x0800,
                            ipv4(6, IP_VM1, IP_REMOTE,
                                 tcp(1000, 80, 1, b"tagged")))),
                 to_last_sender=True, vlan=True)
            + rx(ipoib(0x0800, ipv4(17, IP_REMOTE, IP_VM1,
                                    udp(53, 1000, b"answer"))),
                 vif=3, vlan=True)),
    }
    return seeds


LINKTYPE_ERF = 197
ERF_HEADER_LEN = 16


def read_pcap(path):
    """The IB packets of a pcap file, without ERF record headers."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    skip = ERF_HEADER_LEN if linktype == LINKTYPE_ERF else 0
    ofs = 24
    packets = []
    while ofs + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[ofs:ofs + 16])
        packets.append(data[ofs + 16 + skip:ofs + 16 + incl])
        ofs += 16 + incl
    return packets


def ib_payload(pkt):
    """The payload after LRH, GRH if any, BTH and DETH; CRCs cut off."""
    lnh = pkt[1] & 3
    ofs = 8 + (40 if lnh == 3 else 0)
    if lnh not in (2, 3) or len(pkt) < ofs + 20 + 6:
        return None, False
    opcode = pkt[ofs]
    pad = (pkt[ofs + 1] >> 4) & 3
    multicast = lnh == 3 and pkt[ofs - 40 + 24] == 0xff
    if opcode not in (0x64, 0x65):
        return None, multicast
    body = pkt[ofs + 20 + (4 if opcode == 0x65 else 0):len(pkt) - 6]
    return body[:len(body) - pad], multicast


def parser_seeds(packets):
    seeds = {}
    for i, pkt in enumerate(packets):
        seeds["ib-packet-%02d" % (i + 1)] = bytes([0]) + pkt
    seeds["arp-eth"] = bytes([1]) + arp_eth(1, VM1, IP_VM1, b"\0" * 6,
                                            IP_REMOTE)
    seeds["arp-ib"] = bytes([2]) + arp_ib(1, hwaddr(0x48, REMOTE_GID),
                                          IP_REMOTE, b"\0" * 20, IP_VM1)
    discover = ipv4(17, b"\0" * 4, b"\xff" * 4,
                    udp(68, 67, dhcp(1, 0x1234, VM1,
                                     options=bytes([53, 1, 1]))))
    seeds["dhcp-tx"] = bytes([3]) + discover
    offer = ipv4(17, IP_REMOTE, b"\xff" * 4,
                 udp(67, 68, dhcp(2, 0x1234, b"", htype=32, hlen=0,
                                  options=bytes([53, 1, 2, 61, 7, 255])
                                  + VM1)))
    seeds["dhcp-rx"] = bytes([4]) + offer
    seeds["vif-frame"] = bytes([5]) + eth(BCAST, VM1, 0x0806,
                                          arp_eth(1, VM1, IP_VM1,
                                                  b"\0" * 6, IP_REMOTE))
    big = eth(BCAST, VM1, 0x0800,
              ipv4(6, IP_VM1, IP_REMOTE, tcp(1000, 80, 1, bytes(3000))))
    seeds["tso"] = bytes([6, 0]) + struct.pack("!H", 1000) + big
    seeds["gro"] = bytes([7]) + eth(VM1, BCAST, 0x0800,
                                    ipv4(6, IP_REMOTE, IP_VM1,
                                         tcp(80, 1000, 7, b"data")))
    seeds["partitions"] = bytes([8]) + (
        b"Default=0x7fff, ipoib, mtu=4 : ALL=full;\n"
        b"vlan5=0x0005, ipoib, mtu=5, rate=7, sl=1, scope=2 :"
        b" 0x0002c90300001001=full, ALL=limited;\n")
    return seeds


def sa_mad_seeds(packets):
    seeds = {}
    for i, pkt in enumerate(packets):
        body, _ = ib_payload(pkt)
        if body and len(body) >= 256 and body[1] == 3:
            seeds["capture-%02d" % (i + 1)] = body[:256]
    return seeds


def xlate_capture_seeds(packets):
    seeds = {}
    for i, pkt in enumerate(packets):
        body, multicast = ib_payload(pkt)
        if body and len(body) >= 4 and body[:2] in (b"\x08\x00",
                                                     b"\x08\x06",
                                                     b"\x86\xdd"):
            seeds["capture-%02d" % (i + 1)] = rx(body, multicast=multicast)
    return seeds


def write(outdir, name, seeds):
    path = os.path.join(outdir, name)
    os.makedirs(path, exist_ok=True)
    for seed_name, data in seeds.items():
        with open(os.path.join(path, "seed-" + seed_name), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: %s CAPTURE.pcap OUTDIR" % sys.argv[0])
    packets = read_pcap(sys.argv[1])
    xlate = xlate_seeds()
    xlate.update(xlate_capture_seeds(packets))
    write(sys.argv[2], "xlate", xlate)
    write(sys.argv[2], "parsers", parser_seeds(packets))
    write(sys.argv[2], "sa-mad", sa_mad_seeds(packets))


if __name__ == "__main__":
    main()
