import { parseDuration } from '@hma-lab/core';

/**
 * Settings of the AutoDetect service. The real service publishes none of these
 * values; every default below is a lab choice (see README, "Choices").
 */
export interface AutodetectConfig {
  /**
   * How long a found account (200) is remembered. The real cache is "sticky"
   * (support has to clear it); its lifetime is unconfirmed. Default `24h`.
   */
  cacheTtl: string | number;
  /** How long "nothing found" (204) is remembered. Default `1h`. */
  negativeCacheTtl: string | number;
  /**
   * How long a request waits for detection before answering 202 (still
   * searching) when it carries no `timeout` query parameter. Virtual-clock time.
   * Default `10s`.
   */
  responseBudget: string | number;
  /** Upper bound of the `timeout` query parameter (seconds on the wire). Default `30s`. */
  maxResponseBudget: string | number;
  /**
   * How long the AutoDiscover v2 chain (steps 2-4) may take before detection
   * gives up and answers with `X-AutoDv2-Error`. Default `8s`.
   */
  autodiscoverTimeout: string | number;
  /** How long the empty-Bearer probe (step 5) may take. Default `5s`. */
  probeTimeout: string | number;
  /** Redirects AutoDetect follows itself in the AutoDiscover chain. Default 10. */
  maxRedirects: number;
  /** How long a background result (after a 202) waits for its poller. Default `5m`. */
  pendingResultTtl: string | number;
}

export const DEFAULT_AUTODETECT_CONFIG: AutodetectConfig = {
  cacheTtl: '24h',
  negativeCacheTtl: '1h',
  responseBudget: '10s',
  maxResponseBudget: '30s',
  autodiscoverTimeout: '8s',
  probeTimeout: '5s',
  maxRedirects: 10,
  pendingResultTtl: '5m',
};

/** The config with durations in milliseconds, as the service uses it. */
export interface ResolvedAutodetectConfig {
  cacheTtlMs: number;
  negativeCacheTtlMs: number;
  responseBudgetMs: number;
  maxResponseBudgetMs: number;
  autodiscoverTimeoutMs: number;
  probeTimeoutMs: number;
  maxRedirects: number;
  pendingResultTtlMs: number;
}

/** Applies defaults and parses durations; throws RangeError on a bad value. */
export function resolveAutodetectConfig(
  overrides: Partial<AutodetectConfig> = {},
): ResolvedAutodetectConfig {
  const config = { ...DEFAULT_AUTODETECT_CONFIG, ...overrides };
  if (!Number.isInteger(config.maxRedirects) || config.maxRedirects < 0) {
    throw new RangeError(`autodetect: maxRedirects must be a whole number >= 0`);
  }
  return {
    cacheTtlMs: parseDuration(config.cacheTtl),
    negativeCacheTtlMs: parseDuration(config.negativeCacheTtl),
    responseBudgetMs: parseDuration(config.responseBudget),
    maxResponseBudgetMs: parseDuration(config.maxResponseBudget),
    autodiscoverTimeoutMs: parseDuration(config.autodiscoverTimeout),
    probeTimeoutMs: parseDuration(config.probeTimeout),
    maxRedirects: config.maxRedirects,
    pendingResultTtlMs: parseDuration(config.pendingResultTtl),
  };
}
