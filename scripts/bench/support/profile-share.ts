/**
 * How much of a process's busy time went through some code, callees included: the share of a V8
 * .cpuprofile's samples (idle ones left out) whose stack holds a frame of a file matching `files`.
 * A share of samples is a share of CPU time, and unlike requests a second it hardly moves with
 * whatever else the machine runs.
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export function inclusiveShare(file: string, files: RegExp): { share: number; busySamples: number } {
  const { nodes, samples } = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const within = new Map<number, boolean>();
  const isWithin = (id: number): boolean => {
    let known = within.get(id);
    if (known === undefined) {
      const up = parent.get(id);
      known = files.test(byId.get(id)!.callFrame.url) || (up !== undefined && isWithin(up));
      within.set(id, known);
    }
    return known;
  };
  let busy = 0;
  let inside = 0;
  for (const id of samples) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    busy++;
    if (isWithin(id)) inside++;
  }
  return { share: busy === 0 ? 0 : inside / busy, busySamples: busy };
}
