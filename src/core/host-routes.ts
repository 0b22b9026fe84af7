/**
 * Parsers for what the host says about its networks. Pure: text in, CIDR strings out.
 */

/** `ip -4 route show` (Linux): the destination of each line; "default" is skipped. */
export function parseLinuxRoutes(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((dest) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dest))
    .map((dest) => (dest.includes("/") ? dest : `${dest}/32`));
}

/**
 * `ip -4 route show table all` (Linux): the host's own addresses, from the "local" routes of its
 * local table (`local 172.17.0.1 dev docker0 table local …`), as /32s. Loopback is left out.
 */
export function parseLinuxLocalAddresses(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] === "local" && /^\d+\.\d+\.\d+\.\d+$/.test(words[1] ?? "") && !words[1]!.startsWith("127."))
    .map((words) => `${words[1]}/32`);
}

/**
 * `netstat -rn -f inet` (macOS): destinations like "192.168.1", "10/8", "172.16.5.4".
 * A shortened destination without a prefix covers the octets it names.
 */
export function parseBsdRoutes(output: string): string[] {
  const cidrs: string[] = [];
  for (const line of output.split("\n")) {
    const dest = line.trim().split(/\s+/)[0] ?? "";
    const match = /^(\d+(?:\.\d+){0,3})(?:\/(\d+))?$/.exec(dest);
    if (!match) continue;
    const octets = match[1]!.split(".");
    const prefix = match[2] ?? String(octets.length * 8);
    while (octets.length < 4) octets.push("0");
    cidrs.push(`${octets.join(".")}/${prefix}`);
  }
  return cidrs;
}

export interface DockerNetworkFacts {
  readonly name: string;
  readonly subnets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Lines of `docker network inspect --format '{{json .Name}}\t{{json .IPAM.Config}}\t{{json .Labels}}'`.
 * Malformed lines are skipped: a fact we cannot read is not a fact.
 */
export function parseDockerNetworks(output: string): DockerNetworkFacts[] {
  const networks: DockerNetworkFacts[] = [];
  for (const line of output.split("\n")) {
    if (!line.trim()) continue;
    try {
      const [name, ipam, labels] = line.split("\t").map((part) => JSON.parse(part) as unknown);
      const subnets = Array.isArray(ipam)
        ? ipam.flatMap((entry: { Subnet?: unknown }) => (typeof entry?.Subnet === "string" ? [entry.Subnet] : []))
        : [];
      networks.push({
        name: String(name),
        subnets: subnets.filter((subnet) => !subnet.includes(":")),
        labels: labels && typeof labels === "object" ? (labels as Record<string, string>) : {},
      });
    } catch {
      continue;
    }
  }
  return networks;
}
