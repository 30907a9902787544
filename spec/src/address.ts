/** `HOST:PORT`, with IPv6 hosts in brackets, as in the `listening on` line every server prints. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
