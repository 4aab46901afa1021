// Runs a container to completion with piped IO and collects what it wrote.
import { lastValueFrom, reduce, type Observable } from "rxjs";
import type { Containerd, CreateContainerOptions, IOCreator, Process } from "../../src/index.js";
import { BUSYBOX } from "./lab.js";

export interface Collected {
  stdout: Buffer;
  stderr: Buffer;
  code: number;
}

/** Concatenates every chunk (a Promise that settles at completion). */
export const collect = (chunks$: Observable<Buffer>): Promise<Buffer> =>
  lastValueFrom(chunks$.pipe(reduce((acc: Buffer[], c: Buffer) => (acc.push(c), acc), [])), { defaultValue: [] }).then(
    (parts) => Buffer.concat(parts),
  );

/** Subscribes to stdout$/stderr$ and wait$ before start$, then deletes (which drains) and collects. */
export async function startAndCollect(proc: Process): Promise<Collected> {
  const out = collect(proc.stdout$);
  const err = collect(proc.stderr$);
  const exit$ = proc.wait$();
  await lastValueFrom(proc.start$());
  await lastValueFrom(exit$);
  const { code } = await lastValueFrom(proc.delete$());
  return { stdout: await out, stderr: await err, code };
}

/** create$ -> newTask$({ io }) -> startAndCollect -> container delete. */
export async function runPiped(
  client: Containerd,
  id: string,
  io: IOCreator,
  options: CreateContainerOptions,
): Promise<Collected> {
  const container = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, ...options }));
  try {
    const task = await lastValueFrom(container.newTask$({ io }));
    return await startAndCollect(task);
  } finally {
    await lastValueFrom(container.delete$());
  }
}
