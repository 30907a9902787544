import { BridgekeeperError } from "@bridgekeeper/spec";

/**
 * The deploy package's typed errors: the project's BridgekeeperError (a stable code for programs,
 * one line for people), under one class so callers can tell the cluster's own failures apart.
 */
export class DeployError extends BridgekeeperError {}

/** The haproxy binary is not installed (or not where it was said to be). */
export class HaproxyMissingError extends DeployError {
  constructor(message: string) {
    super("E_HAPROXY_MISSING", message);
  }
}

/** HAProxy refused the rendered configuration, or exited before it listened. */
export class HaproxyStartError extends DeployError {
  constructor(message: string) {
    super("E_HAPROXY_START", message);
  }
}

/** HAProxy would need more descriptors than this process may open. */
export class DescriptorLimitError extends DeployError {
  constructor(message: string) {
    super("E_FD_LIMIT", message);
  }
}

/** A backend that did not start, or servers that HAProxy did not see UP in time. */
export class ClusterStartError extends DeployError {
  constructor(message: string) {
    super("E_CLUSTER_START", message);
  }
}

/** The stats socket did not answer a command. */
export class StatsSocketError extends DeployError {
  constructor(message: string) {
    super("E_STATS_SOCKET", message);
  }
}
