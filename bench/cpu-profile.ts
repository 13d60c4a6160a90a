/**
 * Where the panel's thread spends its CPU: V8's sampling profiler on the panel's frame
 * (an out-of-process frame of the extension, found among the browser's targets) while some
 * work runs, summed by function. `--panel-profile` turns it on for one more cold refresh;
 * the whole profile is written beside the results (open it in DevTools' Performance panel).
 * With the same refresh traced (task-trace.ts), the samples inside each of the busiest tasks
 * say what that task did: the profile's clock and the trace's are the same (µs).
 */
import { writeFileSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Sampled time, ms: on the CPU in our code, in V8's GC, in the browser's own work ("(program)"), idle. */
  totalMs: number;
  idleMs: number;
  gcMs: number;
  programMs: number;
  /** The functions with the most self time, ms. */
  top: { name: string; where: string; selfMs: number }[];
}

/** Runs `work` while the frame whose URL starts with `urlPrefix` is profiled; writes the profile to `file`. */
export async function profileFrame<T>(browser: Browser, urlPrefix: string, file: string, work: () => Promise<T>): Promise<{ result: T; summary: ProfileSummary; profile: Profile }> {
  const target = browser.targets().find((t) => t.url().startsWith(urlPrefix));
  if (!target) throw new Error(`No target at ${urlPrefix} to profile (targets: ${browser.targets().map((t) => t.url()).join(', ')}).`);
  const session = await target.createCDPSession();
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 200 });
  await session.send('Profiler.start');
  let result: T;
  let profile: Profile;
  try {
    result = await work();
  } finally {
    profile = ((await session.send('Profiler.stop')) as unknown as { profile: Profile }).profile;
    await session.detach();
  }
  writeFileSync(file, JSON.stringify(profile));
  return { result, summary: summarize(profile), profile };
}

/** Each sample with its time (µs, from the previous sample) and when it was taken (µs, the trace's clock). */
function timedSamples(profile: Profile): { id: number; at: number; us: number }[] {
  let at = profile.startTime;
  return profile.samples.map((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    return { id, at, us: profile.timeDeltas[i + 1] ?? 0 };
  });
}

/** Self time by function of the samples taken within [from, to) (µs), most first. */
export function selfTimeWithin(profile: Profile, from: number, to: number, count = 6): { name: string; where: string; selfMs: number }[] {
  return summarize({ ...profile, ...restrict(profile, from, to) }).top.slice(0, count);
}

function restrict(profile: Profile, from: number, to: number): Pick<Profile, 'samples' | 'timeDeltas'> {
  const inside = timedSamples(profile).filter((s) => s.at >= from && s.at < to);
  // summarize() reads a sample's time from the next delta: shifted by one.
  return { samples: inside.map((s) => s.id), timeDeltas: [0, ...inside.map((s) => s.us)] };
}

function summarize(profile: Pick<Profile, 'nodes' | 'samples' | 'timeDeltas'>): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let idle = 0;
  let gc = 0;
  let program = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    // A sample's time is the delta to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return void (idle += us);
    if (functionName === '(garbage collector)') gc += us;
    if (functionName === '(program)') program += us;
    const where = url ? `${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}:${columnNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = self.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    self.set(key, entry);
  });
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, 25)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, gcMs: gc / 1000, programMs: program / 1000, top };
}
