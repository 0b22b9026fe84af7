/**
 * Before the host sends the bundle anything (the readiness probe), the route to its address
 * must be the bundle network's own bridge: `ip -4 route get` names a `br-…` device, no gateway,
 * and the host's address on it is the network's planned gateway (docker puts that on the
 * bridge). Anything else — a gateway, the host's LAN, loopback, an answer we cannot read, no
 * `ip` at all — could send the probe off the machine to a private address, so it is refused.
 */
import { BottleError, EXIT } from "../core/errors.ts";
import type { BackendDeps } from "../core/deps.ts";
import { tail } from "../core/runner.ts";

/** Why the route to `address` is not the bundle's bridge; undefined when it is. Pure. */
export function bundleRouteProblem(routeOutput: string, gateway: string): string | undefined {
  const line = routeOutput.split("\n")[0] ?? "";
  if (/\svia\s/.test(line)) return "this host routes it through a gateway, not a local bridge";
  const dev = /\sdev\s+(\S+)/.exec(line)?.[1];
  const src = /\ssrc\s+(\S+)/.exec(line)?.[1];
  const special = /^(local|broadcast|unreachable|prohibit|blackhole)\s/.test(line);
  if (special || !dev) return `this host does not route it to a bridge ("${line.trim()}")`;
  if (!dev.startsWith("br-")) return `this host routes it over ${dev}, not a docker bridge`;
  if (src !== gateway) {
    return `this host's address on ${dev} is ${src ?? "none"}, not the bundle network's gateway ${gateway}`;
  }
  return undefined;
}

/** Throws E_BUNDLE_NOT_LOCAL unless `address` is reached over the bridge whose gateway is `gateway`. */
export async function ensureBundleRoute(address: string, gateway: string, deps: BackendDeps): Promise<void> {
  const route = await deps.runner.run(["ip", "-4", "route", "get", address], { timeoutMs: 5000 });
  const problem =
    route.exitCode === 0
      ? bundleRouteProblem(route.stdout, gateway)
      : `cannot tell how this host routes it (ip -4 route get: ${route.spawnError ?? tail(route.stderr, 1)})`;
  if (!problem) return;
  const hint =
    route.exitCode !== 0
      ? "the bundle is probed only once `ip` shows it on its own bridge: on Linux install iproute2; " +
        "elsewhere (macOS) the host cannot reach a container's address (docs/architecture.md, placements)"
      : /\svia\s/.test(route.stdout)
        ? `a route on this host covers the bundle's subnet (ip route get ${address}); ` +
          "choose another [bundle] subnet_pool"
        : `ip route get ${address} should name the bundle network's docker bridge, which holds ${gateway}; ` +
          "if this host's own network uses that range, choose another [bundle] subnet_pool";
  throw new BottleError("E_BUNDLE_NOT_LOCAL", `Cannot check the bundle at ${address}: ${problem}`, {
    exitCode: EXIT.unavailable,
    hint,
    run: route,
  });
}
