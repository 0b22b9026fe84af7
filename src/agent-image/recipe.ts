/**
 * The default agent image's recipe, carried inside the binary: a Debian slim base, the tools an
 * agent needs, a non-root `agent` user, and the Claude Code native executable at a pinned
 * version. Pure: every file of the build context as text.
 */
import { GUEST_CA_PATH } from "../core/agent-env.ts";

export const DEFAULT_BASE_IMAGE = "debian:bookworm-slim";
export const CLAUDE_CODE_VERSION = "2.1.331";

/**
 * The `dist.integrity` of each pinned package, as the npm registry published it. Checked against
 * the registry's answer and against the tarball itself, so a tarball carried to an air-gapped
 * host (`--claude-code-tarball`) is verified as strictly as a download.
 */
export const CLAUDE_CODE_INTEGRITY: Readonly<Record<string, string>> = {
  "linux-x64": "sha512-IpvZ9c/NopO/sr8ThWLVAUDXVAFT3auLWrhbR6wq1dgkuJfZYdTtoXf6GajE5KL9R58iTt/86OPXrJAsM4+l8g==",
  "linux-arm64": "sha512-zy+OOB7i1J7rCjNoPB2ZBD7EAtT0Eus1wH+toklZGL2XpwHyw+POGUGOpEBBE6xe5EkAYWXzFSTQ3uD8UtWlRg==",
};

export const AGENT_PACKAGES = ["git", "ripgrep", "ca-certificates", "bash", "procps", "less"] as const;
export const AGENT_USER_NAME = "agent";
export const AGENT_UID = 1000;

/** Where things live inside the image. */
export const IMAGE_PATHS = {
  claudeCode: "/opt/claude-code",
  executable: "/opt/claude-code/package/claude",
  trust: "/usr/local/bin/claude-bottle-trust",
  claude: "/usr/local/bin/claude",
} as const;

/** The settings that suit a sandbox: no self-update, no traffic beyond the API itself. */
export const AGENT_IMAGE_ENV: Readonly<Record<string, string>> = {
  DISABLE_AUTOUPDATER: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
};

/** Docker's architecture names to npm's platform suffix; undefined = no Claude Code build. */
export function claudeCodePlatform(dockerArch: string): string | undefined {
  return { amd64: "linux-x64", arm64: "linux-arm64" }[dockerArch];
}

export function claudeCodePackage(platform: string): string {
  return `@anthropic-ai/claude-code-${platform}`;
}

/** The file name the package's tarball has in the registry and in the build context. */
export function claudeCodeTarballName(platform: string, version = CLAUDE_CODE_VERSION): string {
  return `claude-code-${platform}-${version}.tgz`;
}

/**
 * Runs a command trusting the bottle CA, when the bottle put one in the image: in the OS store
 * where the root file system is writable (root in a microVM), otherwise in a combined bundle in
 * $TMPDIR that OpenSSL, git, curl and Python are pointed at (a read-only root, a non-root user).
 * Node and Claude Code read NODE_EXTRA_CA_CERTS, which the bottle sets.
 */
export function trustScript(): string {
  return `#!/bin/sh
# claude-bottle: trust the bottle CA (${GUEST_CA_PATH}) when present, then run the command.
ca=${GUEST_CA_PATH}
system=/etc/ssl/certs/ca-certificates.crt
if [ -r "$ca" ]; then
  umask 022
  local_dir=/usr/local/share/ca-certificates
  if [ -w "$local_dir" ] && [ -w /etc/ssl/certs ] && command -v update-ca-certificates >/dev/null 2>&1; then
    if ! cmp -s "$ca" "$local_dir/claude-bottle.crt"; then
      cp "$ca" "$local_dir/claude-bottle.crt" && update-ca-certificates >/dev/null 2>&1
    fi
  else
    uid=$(id -u 2>/dev/null || echo x)
    bundle="\${TMPDIR:-/tmp}/claude-bottle-ca-$uid.pem"
    if cat "$system" "$ca" > "$bundle.$$" 2>/dev/null && mv -f "$bundle.$$" "$bundle"; then
      export SSL_CERT_FILE="$bundle" GIT_SSL_CAINFO="$bundle" CURL_CA_BUNDLE="$bundle" REQUESTS_CA_BUNDLE="$bundle"
    else
      rm -f "$bundle.$$"
      echo "claude-bottle-trust: cannot write \${TMPDIR:-/tmp}; the bottle CA is trusted by node only" >&2
    fi
  fi
fi
[ "$#" -gt 0 ] || set -- bash
exec "$@"
`;
}

/** `claude` on PATH: the pinned executable, started through the trust step. */
export function claudeWrapper(): string {
  return `#!/bin/sh\nexec ${IMAGE_PATHS.trust} ${IMAGE_PATHS.executable} "$@"\n`;
}

export interface RecipeOptions {
  readonly base: string;
  readonly platform: string;
  readonly version: string;
}

/** The Dockerfile. Everything it copies is written next to it by the builder. */
export function agentDockerfile(options: RecipeOptions): string {
  const env = Object.entries(AGENT_IMAGE_ENV).map(([key, value]) => `${key}=${value}`).join(" ");
  return [
    `FROM ${options.base}`,
    "ARG DEBIAN_FRONTEND=noninteractive",
    "RUN apt-get update \\",
    ` && apt-get install -y --no-install-recommends ${AGENT_PACKAGES.join(" ")} \\`,
    " && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb",
    // The workspace the agent's own: in a microVM the clone goes to /workspace on the image's root.
    `RUN useradd --create-home --uid ${AGENT_UID} --user-group --shell /bin/bash ${AGENT_USER_NAME} \\`,
    ` && install -d -o ${AGENT_USER_NAME} -g ${AGENT_USER_NAME} -m 0755 /workspace`,
    // ADD unpacks a local tarball: package/claude lands under /opt/claude-code.
    `ADD ${claudeCodeTarballName(options.platform, options.version)} ${IMAGE_PATHS.claudeCode}/`,
    `COPY claude-bottle-trust ${IMAGE_PATHS.trust}`,
    `COPY claude ${IMAGE_PATHS.claude}`,
    `RUN ${IMAGE_PATHS.executable} --version`,
    `ENV ${env}`,
    `LABEL dev.claude-bottle.role="agent" dev.claude-bottle.claude-code="${options.version}"`,
    `USER ${AGENT_USER_NAME}`,
    `WORKDIR /home/${AGENT_USER_NAME}`,
    `ENTRYPOINT ["${IMAGE_PATHS.trust}"]`,
    'CMD ["claude"]',
    "",
  ].join("\n");
}
