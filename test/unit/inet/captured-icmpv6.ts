/**
 * An ICMPv6 echo request and the reply to it, as Ethernet frames, from PcapPlusPlus's test data
 * (public domain, The Unlicense): repository seladb/PcapPlusPlus,
 * Tests/Packet++Test/PacketExamples/IcmpV6_EchoRequest.dat @ c5085e5114789a64892efacc5104aef9f244fdc4
 * and IcmpV6_EchoReply.dat @ 931c7f13756123c63bd24fa734dfd72e4046b18f. Each frame is a 14-octet
 * Ethernet header, then the IPv6 packet. The reply's checksum (0x794c) was computed by the
 * replying host, not by us.
 *
 * Kept here because test/vectors is not this area's to edit; it belongs there as a JSON file.
 */
export const ICMPV6_ECHO_REQUEST_FRAME =
  "00155d70fc2e00155da5c4c586dd600d2ce300403a40fe8000000000000002155dfffea5c4c5fe80000000000000dd05dae074bc734180007a4c00180014bdcecb6200000000f3a1090000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

export const ICMPV6_ECHO_REPLY_FRAME =
  "00155da5c4c500155d70fc2e86dd6000000000403a80fe80000000000000dd05dae074bc7341fe8000000000000002155dfffea5c4c58100794c00180014bdcecb6200000000f3a1090000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";
