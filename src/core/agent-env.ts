/**
 * The environment every bottle's agent gets, whatever the backend. Pure.
 * IP literals only: the guest has no DNS it can use, so every URL names the bundle's address.
 */

export const BUNDLE_PORTS = { proxy: 8888, gitGate: 8889, supervise: 8890 } as const;
/** The gate's one repository: `http://<bundle-ip>:8889/workspace.git`. */
export const GATE_REPO_PATH = "/workspace.git";

/** Where the bundle CA certificate lands inside the guest. */
export const GUEST_CA_PATH = "/etc/claude-bottle/bundle-ca.crt";

/**
 * Where the guest's combined trust lands: the image's own roots plus the bundle CA, made at `up`
 * for any image, so OpenSSL, curl, git and Python trust terminated hosts without the image's help.
 */
export const GUEST_TRUST_PATH = "/etc/claude-bottle/ca-bundle.crt";

/** Where images keep their roots: Debian, Ubuntu and Alpine; Fedora and RHEL; OpenSSL's default. */
export const IMAGE_ROOTS_PATHS = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
];

/** The variables that point OpenSSL (and curl, git, Python requests) at GUEST_TRUST_PATH. */
export const TRUST_ENV_NAMES = ["SSL_CERT_FILE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE"] as const;

/**
 * Names the manifest may not set: they are how the agent finds the bundle, and a manifest value
 * would route around it. Compared case-insensitively (curl honours both spellings).
 */
export const RESERVED_ENV_NAMES: readonly string[] = [
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "CLAUDE_BOTTLE_GIT_URL",
  "CLAUDE_BOTTLE_SUPERVISE_URL",
  "CLAUDE_BOTTLE_NAME",
];

export function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_NAMES.includes(name.toUpperCase());
}

/**
 * The agent's bundle environment for a bottle whose bundle listens on `bundleIp`; with
 * `guestTrust` (the backend provides GUEST_TRUST_PATH) also the variables pointing TLS there.
 */
export function bundleAgentEnv(slug: string, bundleIp: string, guestTrust = false): Record<string, string> {
  const proxy = `http://${bundleIp}:${BUNDLE_PORTS.proxy}`;
  const noProxy = `${bundleIp},localhost,127.0.0.1,::1`;
  return {
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    https_proxy: proxy,
    http_proxy: proxy,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    NODE_EXTRA_CA_CERTS: GUEST_CA_PATH,
    ...(guestTrust ? Object.fromEntries(TRUST_ENV_NAMES.map((name) => [name, GUEST_TRUST_PATH])) : {}),
    CLAUDE_BOTTLE_GIT_URL: `http://${bundleIp}:${BUNDLE_PORTS.gitGate}${GATE_REPO_PATH}`,
    CLAUDE_BOTTLE_SUPERVISE_URL: `http://${bundleIp}:${BUNDLE_PORTS.supervise}`,
    CLAUDE_BOTTLE_NAME: slug,
  };
}

/** Names that look like credentials; the plan warns, since guest env is readable by the agent. */
export function looksLikeSecret(name: string): boolean {
  return /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIALS?)$/i.test(name);
}
