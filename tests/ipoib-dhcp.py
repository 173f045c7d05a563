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

"""DHCP reference packets for tests/ipoib-dhcp.at, built and decoded by
scapy (an implementation independent of lib/ipoib-dhcp).

    ipoib-dhcp.py build NAME [eth]   prints packet NAME in hex (IPv4, or a
                                     whole Ethernet frame with "eth")
    ipoib-dhcp.py show HEX [eth]     decodes a packet and prints its DHCP
                                     fields and checksum checks in one line
    ipoib-dhcp.py xlate-roundtrip    drives "test-ipoib-dhcp xlate" through
                                     a whole DISCOVER/OFFER exchange
"""

import logging
import subprocess
import sys

# Scapy warns on stderr about interfaces that come and go while it starts
# (other tests' veths): not ours to report.
logging.getLogger('scapy').setLevel(logging.ERROR)
from scapy.all import BOOTP, DHCP, IP, UDP, Ether, raw  # noqa: E402

VM_MAC = '52:54:00:12:34:56'
SERVER_MAC = '52:54:00:00:00:99'
OUR_ID = bytes.fromhex('ff00000000000300015254001234' '56')
DUID_EN_ID = bytes.fromhex('ff0102030400020000a0e4aabbccdd')
BCAST = 'ff:ff:ff:ff:ff:ff'


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(':', ''))


def client_ip(bootp, options, src='0.0.0.0', dst='255.255.255.255',
              sport=68, dport=67):
    return (IP(src=src, dst=dst) / UDP(sport=sport, dport=dport)
            / bootp / DHCP(options=options))


def discover(extra=(), **kw):
    bootp = BOOTP(op=1, chaddr=mac_bytes(VM_MAC), xid=0x1234, **kw)
    opts = [('message-type', 'discover'),
            ('param_req_list', [1, 3, 6])] + list(extra) + ['end']
    return client_ip(bootp, opts)


def offer_ib(client_id, flags=0x8000, giaddr='0.0.0.0'):
    bootp = BOOTP(op=2, htype=32, hlen=0, xid=0x1234, flags=flags,
                  yiaddr='10.0.0.50', siaddr='10.0.0.2', giaddr=giaddr)
    opts = [('message-type', 'offer'), ('server_id', '10.0.0.2'),
            ('lease_time', 3600)]
    if client_id is not None:
        opts.append(('client_id', client_id))
    opts.append('end')
    return client_ip(bootp, opts, src='10.0.0.2', sport=67, dport=68)


def pad_to(pkt, size):
    """Pads the DHCP options with zeros after END, as clients do to reach
    BOOTP's 300 bytes."""
    data = raw(pkt)
    ip = IP(data)
    udp_payload = raw(ip[UDP].payload) + b'\0' * (size - len(ip[UDP].payload))
    return IP(src=ip.src, dst=ip.dst) / UDP(sport=ip.sport,
                                           dport=ip.dport) / udp_payload


def overloaded_offer():
    """An RFC 4390 OFFER whose client identifier (ours) sits in the 'file'
    field (option 52 = 1)."""
    file_field = bytes([61, len(OUR_ID)]) + OUR_ID + b'\xff'
    file_field += b'\0' * (128 - len(file_field))
    bootp = BOOTP(op=2, htype=32, hlen=0, xid=0x1234, flags=0x8000,
                  yiaddr='10.0.0.50', file=file_field)
    opts = [('message-type', 'offer'), ('server_id', '10.0.0.2'),
            (52, b'\x01'), 'end']
    return client_ip(bootp, opts, src='10.0.0.2', sport=67, dport=68)


def with_options(pkt, options_bytes):
    """'pkt' with its DHCP options (after the cookie) replaced by raw
    bytes, and lengths made to agree (the UDP checksum is computed)."""
    ip = IP(raw(pkt))
    bootp = raw(ip[BOOTP])[:240] + options_bytes
    return IP(src=ip.src, dst=ip.dst) / UDP(sport=ip.sport,
                                           dport=ip.dport) / bootp


PACKETS = {
    # A VM's DISCOVER as ISC dhclient sends it: no client identifier,
    # padded to 300 bytes (room for ours after END).
    'discover-padded': lambda: pad_to(discover(), 300),
    # The same without padding: adding the identifier grows the packet.
    'discover-bare': lambda: discover(),
    # With its own client identifier ("01" + MAC, as udhcpc sends).
    'discover-cid': lambda: discover(
        [('client_id', b'\x01' + mac_bytes(VM_MAC))]),
    # No UDP checksum (zero).
    'discover-nocsum': lambda: IP(raw(discover())[:26] + b'\0\0'
                                  + raw(discover())[28:]),
    # Relayed: giaddr set.
    'discover-relayed': lambda: discover(giaddr='10.0.0.254'),
    # Plain BOOTP (no magic cookie).
    'bootp': lambda: IP(src='0.0.0.0', dst='255.255.255.255')
    / UDP(sport=68, dport=67)
    / BOOTP(op=1, chaddr=mac_bytes(VM_MAC), options=b''),
    # A native IPoIB client's DISCOVER (RFC 4390 form).
    'discover-ib': lambda: client_ip(
        BOOTP(op=1, htype=32, hlen=0, xid=0x77, flags=0x8000),
        [('message-type', 'discover'), ('client_id', DUID_EN_ID), 'end']),
    # A server VM's OFFER to a remote client (Ethernet form).
    'offer-eth': lambda: client_ip(
        BOOTP(op=2, chaddr=mac_bytes('0a:bc:de:f0:12:34'), xid=0x1234,
              flags=0x8000, yiaddr='10.0.0.50'),
        [('message-type', 'offer'), ('server_id', '10.0.0.2'),
         ('client_id', OUR_ID), 'end'],
        src='10.0.0.2', sport=67, dport=68),
    # RFC 4390 OFFERs: echoing our identifier, a foreign one, or none.
    'offer-ib': lambda: offer_ib(OUR_ID),
    'offer-ib-foreign': lambda: offer_ib(DUID_EN_ID),
    'offer-ib-type1': lambda: offer_ib(b'\x01' + mac_bytes(VM_MAC)),
    'offer-ib-noid': lambda: offer_ib(None),
    'offer-ib-overload': overloaded_offer,
    'offer-ib-relayed': lambda: offer_ib(OUR_ID, giaddr='10.0.0.254'),
    # Malformed.
    'bad-optlen': lambda: with_options(discover(), bytes([53, 1, 1, 55, 9,
                                                          1, 3])),
    'bad-noend': lambda: with_options(discover(), bytes([53, 1, 1, 0, 0])),
    'bad-overload': lambda: with_options(discover(), bytes([53, 1, 1, 52,
                                                            1, 7, 255])),
    'bad-cid': lambda: with_options(discover(), bytes([53, 1, 1, 61, 1, 1,
                                                       255])),
    'bad-short': lambda: IP(src='0.0.0.0', dst='255.255.255.255')
    / UDP(sport=68, dport=67) / raw(discover()[BOOTP])[:200],
    'bad-udplen': lambda: IP(raw(discover())[:24] + b'\x01\x00'
                             + raw(discover())[26:]),
    'bad-op': lambda: IP(raw(discover())[:28] + b'\x07'
                         + raw(discover())[29:]),
}


def build(name, eth):
    pkt = PACKETS[name]()
    data = raw(pkt)
    if eth:
        src = SERVER_MAC if name.startswith('offer') else VM_MAC
        dst = BCAST
        data = raw(Ether(src=src, dst=dst) / IP(data))
    return data.hex()


def csum_ok(pkt, layer):
    """Whether 'layer''s checksum in 'pkt' is what scapy computes."""
    got = pkt[layer].chksum
    if layer is UDP and got == 0:
        return 'none'
    copy = pkt.copy()
    del copy[layer].chksum
    return 'ok' if IP(raw(copy))[layer].chksum == got else 'bad'


def show(hexdata, eth):
    data = bytes.fromhex(hexdata)
    if eth:
        frame = Ether(data)
        print('eth %s > %s' % (frame.src, frame.dst), end=' ')
        data = raw(frame[IP])
    ip = IP(data)
    b = ip[BOOTP]
    opts = dict(o for o in ip[DHCP].options if isinstance(o, tuple)) \
        if DHCP in ip else {}
    cid = opts.get('client_id')
    chaddr = b.chaddr[:6].hex(':') + ('' if not any(b.chaddr[6:])
                                      else '+junk')
    print('op=%d htype=%d hlen=%d chaddr=%s bcast=%d cid=%s ip=%s udp=%s '
          'len=%d' % (b.op, b.htype, b.hlen, chaddr, b.flags >> 15,
                      cid.hex() if cid else '-', csum_ok(ip, IP),
                      csum_ok(ip, UDP), ip.len))


def xlate_roundtrip():
    """DISCOVER from hv1's VM, OFFER back from hv2's server VM (broadcast),
    a unicast REQUEST/ACK, through 'test-ipoib-dhcp xlate'."""
    proc = subprocess.Popen(['test-ipoib-dhcp', 'xlate'],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)

    def send(hv, frame):
        proc.stdin.write('%s %s\n' % (hv, raw(frame).hex()))
        proc.stdin.flush()
        lines = []
        for line in iter(proc.stdout.readline, ''):
            if line.strip() == '.':
                break
            lines.append(line.strip())
        for line in lines:
            if line.startswith('ipoib '):
                kind, data = line.split()[1:]
                print('  fabric (%s):' % kind, end=' ')
                show(data[8:], False)   # After the 4-byte IPoIB header.
            elif line.startswith('eth '):
                print('  bridge:', end=' ')
                show(line.split()[1], True)
            else:
                print(line)
        return lines

    print('DISCOVER from hv1')
    disc = Ether(src=VM_MAC, dst=BCAST) / pad_to(discover(), 300)
    lines = send('hv1', disc)
    # The server VM sees the client as hv2's derived MAC: answer it there.
    got = Ether(bytes.fromhex(lines[3].split()[1]))
    derived = got[BOOTP].chaddr[:6].hex(':')
    assert got.src == derived, (got.src, derived)
    cid = dict(o for o in got[DHCP].options if isinstance(o, tuple))[
        'client_id']

    print('OFFER from hv2 (broadcast)')
    offer = Ether(src=SERVER_MAC, dst=BCAST) / client_ip(
        BOOTP(op=2, chaddr=mac_bytes(derived), xid=0x1234, flags=0x8000,
              yiaddr='10.0.0.50', siaddr='10.0.0.2'),
        [('message-type', 'offer'), ('server_id', '10.0.0.2'),
         ('client_id', cid), 'end'], src='10.0.0.2', sport=67, dport=68)
    send('hv2', offer)

    print('ACK from hv2 (broadcast, no client id: found by xid)')
    ack = Ether(src=SERVER_MAC, dst=BCAST) / client_ip(
        BOOTP(op=2, chaddr=mac_bytes(derived), xid=0x1234, flags=0x8000,
              yiaddr='10.0.0.50'),
        [('message-type', 'ack'), ('server_id', '10.0.0.2'), 'end'],
        src='10.0.0.2', sport=67, dport=68)
    send('hv2', ack)

    print('ACK from hv2 (broadcast, no client id, unknown xid: unchanged)')
    ack[BOOTP].xid = 0x9999
    send('hv2', ack)

    print('ACK from hv2 (broadcast, no client id, xid 2 minutes old)')
    proc.stdin.write('time 120001\n')
    ack[BOOTP].xid = 0x1234
    send('hv2', ack)

    print('ACK from hv2 (unicast to the derived MAC, no client id)')
    ack = Ether(src=SERVER_MAC, dst=derived) / client_ip(
        BOOTP(op=2, chaddr=mac_bytes(derived), xid=0x1235,
              ciaddr='10.0.0.50', yiaddr='10.0.0.50'),
        [('message-type', 'ack'), ('server_id', '10.0.0.2'), 'end'],
        src='10.0.0.2', dst='10.0.0.50', sport=67, dport=68)
    send('hv2', ack)
    proc.stdin.close()
    proc.wait()


def main():
    cmd = sys.argv[1]
    eth = 'eth' in sys.argv[3:]
    if cmd == 'build':
        print(build(sys.argv[2], eth))
    elif cmd == 'show':
        show(sys.argv[2], eth)
    elif cmd == 'xlate-roundtrip':
        xlate_roundtrip()
    else:
        sys.exit('unknown command %s' % cmd)


if __name__ == '__main__':
    main()
