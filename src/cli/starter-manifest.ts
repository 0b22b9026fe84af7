/** The manifest `init` writes. A TS constant: the compiled binary reads no files of its own. */
import { DEFAULT_AGENT_IMAGE, DEFAULT_BUNDLE_IMAGE, DEFAULT_SUBNET_POOL } from "../core/manifest.ts";

/** `[workspace]` and a commented credential: active in a git repository, all commented elsewhere. */
function workspaceSection(inGitRepo: boolean): string {
  const on = inGitRepo ? "" : "# ";
  return `
# The project the agent works on: a clone of ${inGitRepo ? "this repository" : "a git repository (run init in one)"} at /workspace in
# the bottle, served by the bundle's git gate. The agent pushes to claude/* branches;
# \`claude-bottle pull NAME\` brings them here as refs/remotes/bottle-NAME/*, \`diff NAME\` shows
# them. Your own branches are never written. \`enabled = false\` turns the workspace off.
${on}[workspace]
# refs = ["HEAD"]
# push = ["claude/*"]

# Credentials the agent uses without holding them: the bottle gets a stand-in (a sentinel), and
# the bundle puts the real value, read here at \`up\`, into requests to api.anthropic.com only.
# Uncomment with ANTHROPIC_API_KEY set in your environment.
# [credentials.ANTHROPIC_API_KEY]
# from_env = "ANTHROPIC_API_KEY"
`;
}

export function starterManifest(slug: string, options: { inGitRepo?: boolean } = {}): string {
  return `# claude-bottle manifest. Reference: the README's "Manifest" section.
# Unknown keys are errors, so a typo never passes silently.

# The bottle's name: 1-40 lowercase letters, digits or hyphens.
name = "${slug}"

# Which isolation backend runs the agent: "smolmachines" (a microVM: needs smolvm and KVM or
# Apple silicon), "docker" (a hardened container, for hosts without them: it shares the host
# kernel), or a plugin path.
backend = "smolmachines"
# backend = "docker"

[agent]
# OCI image the agent runs in; it is loaded into the VM locally, never pulled by the guest.
image = "${DEFAULT_AGENT_IMAGE}"
# command = ["claude"]
# The VM's vCPUs and memory in MiB (the container's limits with backend = "docker").
# cpus = 2
# memory = 4096
# Keep Claude Code's own state (~/.claude: settings, sessions; never credentials) across
# down/up of this name; \`claude-bottle down --purge NAME\` removes it.
# persist_home = true

# Extra, non-secret environment for the agent. Proxy and CA variables are set by
# claude-bottle and cannot be overridden here.
[agent.env]
# EDITOR = "vi"

[egress]
# Hosts the agent may reach through the bundle's proxy; everything else is denied.
# Exact hosts, "*.suffix" wildcards, "host:port", or a CIDR to admit a private range.
allow = [
  "api.anthropic.com",
  "statsig.anthropic.com",
  "registry.npmjs.org",
]

[bundle]
image = "${DEFAULT_BUNDLE_IMAGE}"
# Each bottle gets a /24 from this pool for its bundle network.
subnet_pool = "${DEFAULT_SUBNET_POOL}"
${workspaceSection(options.inGitRepo ?? false)}`;
}
