/** A UDP address and port, as the IKE engine sees its own sockets and its peers. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

/** IKE's own port and the NAT-T port that also carries UDP-encapsulated ESP (RFC 7296 §2.23, RFC 3948). */
export const IKE_PORT = 500;
export const NATT_PORT = 4500;
