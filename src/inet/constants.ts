/** IANA Assigned Internet Protocol Numbers used by the inner-packet layer. */
export const IpProtocol = {
  HOP_BY_HOP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  DCCP: 33,
  IPV6_ROUTING: 43,
  IPV6_FRAGMENT: 44,
  ICMPV6: 58,
  IPV6_DEST_OPTS: 60,
  SCTP: 132,
  UDP_LITE: 136,
} as const;

/** ICMP (RFC 792) and ICMPv6 (RFC 4443 §4) echo message types. */
export const IcmpType = {
  ECHO_REPLY: 0,
  ECHO_REQUEST: 8,
} as const;

export const Icmpv6Type = {
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;
