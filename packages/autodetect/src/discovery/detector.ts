import type { Timer } from '@hma-lab/core';
import type { ResolvedAutodetectConfig } from '../config.js';
import { cacheClassOf, type Detection } from '../protocol/detection.js';
import { createResultCache, type ResultCache } from '../protocol/result-cache.js';
import { discover, type DiscoverDeps } from './discover.js';
import { TIMED_OUT, withDeadline } from './with-deadline.js';

interface Job {
  promise: Promise<Detection>;
  result?: Detection;
  /** A caller got 202 and will poll for this result. */
  awaitingPoll: boolean;
  expiry?: Timer;
}

/** Marker: detection is still running (the endpoint answers 202). */
export const STILL_SEARCHING = Symbol('still searching');

/**
 * Detection with the sticky cache and one in-flight job per address: a
 * request waits up to its budget; if detection is not done by then it gets
 * {@link STILL_SEARCHING} (202) and the job goes on in the background, its
 * result kept for the caller's next poll.
 */
export interface Detector {
  detect(email: string, budgetMs: number): Promise<Detection | typeof STILL_SEARCHING>;
  cache: ResultCache;
  /** Drops cached results (one address or all) and finished jobs; returns entries dropped. */
  clear(email?: string): number;
  close(): void;
}

export function createDetector(deps: DiscoverDeps, config: ResolvedAutodetectConfig): Detector {
  const cache = createResultCache(deps.clock);
  const jobs = new Map<string, Job>();

  function start(email: string): Job {
    const job: Job = {
      awaitingPoll: false,
      promise: discover(email, deps, config).then((detection) => {
        const cacheClass = cacheClassOf(detection);
        if (cacheClass) {
          cache.set(
            email,
            detection,
            cacheClass === 'found' ? config.cacheTtlMs : config.negativeCacheTtlMs,
          );
        }
        if (cacheClass || !job.awaitingPoll) {
          if (jobs.get(email) === job) jobs.delete(email);
        } else {
          job.result = detection;
          job.expiry = deps.clock.after(
            config.pendingResultTtlMs,
            () => {
              if (jobs.get(email) === job) jobs.delete(email);
            },
            `autodetect: forget pending result for ${email}`,
          );
        }
        return detection;
      }),
    };
    jobs.set(email, job);
    return job;
  }

  return {
    cache,
    async detect(email, budgetMs) {
      const cached = cache.get(email);
      if (cached) return cached;
      const existing = jobs.get(email);
      if (existing?.result) {
        existing.expiry?.cancel();
        jobs.delete(email);
        return existing.result;
      }
      const job = existing ?? start(email);
      const outcome = await withDeadline(
        deps.clock,
        budgetMs,
        `autodetect: answer budget for ${email}`,
        () => job.promise,
      );
      if (outcome === TIMED_OUT) {
        job.awaitingPoll = true;
        return STILL_SEARCHING;
      }
      return outcome;
    },
    clear(email) {
      let dropped = cache.clear(email);
      for (const [key, job] of jobs) {
        if (job.result && (email === undefined || key === email.toLowerCase())) {
          job.expiry?.cancel();
          jobs.delete(key);
          dropped++;
        }
      }
      return dropped;
    },
    close() {
      for (const job of jobs.values()) job.expiry?.cancel();
      jobs.clear();
      cache.clear();
    },
  };
}
