/**
 * The bundle's own networks, which no rule may open: the planned bottle subnet(s) and the subnet
 * of every interface the bundle finds itself on (the docker backend's egress network too, whose
 * gateway is the host). Pure: interface data in, ranges out.
 */
import type { NetworkInterfaceInfo } from "node:os";
import { parseCidr, type Cidr } from "../../core/cidr.ts";
import { parseIpv6Range, type Ipv6Range, type OwnNetworks } from "./address.ts";

export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/**
 * The planned subnets (parsed by the config's schema: a malformed one never got this far) plus
 * each interface's CIDR as the OS reports it; interface entries it cannot read are skipped.
 */
export function ownNetworks(subnets: readonly Cidr[], interfaces: InterfaceTable): OwnNetworks {
  const v4: Cidr[] = [...subnets];
  const v6: Ipv6Range[] = [];
  const cidrs = Object.values(interfaces).flatMap((infos) => (infos ?? []).map((info) => info.cidr ?? ""));
  for (const text of cidrs) {
    const parsed = parseCidr(text, false);
    if (parsed.ok) v4.push(parsed.cidr);
    else if (text.includes(":")) {
      const range = parseIpv6Range(text);
      if (range) v6.push(range);
    }
  }
  return { v4, v6 };
}
