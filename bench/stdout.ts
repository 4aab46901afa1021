// Stdout throughput through the FIFOs, the same scenarios as the Go baseline's `stdout`
// (../shared/bench/go-baseline): a container writes N bytes (default 256 MiB) and the time is
// Start -> exit delivered and every byte consumed. Prints a table, then one JSON line.
//   RXC_BENCH_BYTES (default 268435456), RXC_BENCH_REP (default 3)
import { Writable } from "node:stream";
import { lastValueFrom, type Observable } from "rxjs";
import { Stdio, type Containerd, type IOCreator } from "../src/index.js";
import { benchClient, dist, IMAGE, rssSampler, row, type Dist } from "./support.js";

const N = Number(process.env["RXC_BENCH_BYTES"] ?? 268435456);
const REP = Number(process.env["RXC_BENCH_REP"] ?? 3);
let seq = 0;

/** Runs `sh -c script`; `consume` subscribes to the task's output (or not, for null IO) and resolves with the byte count. */
async function runOnce(
  client: Containerd,
  script: string,
  io: IOCreator,
  consume: (stdout$: Observable<Buffer>) => Promise<number>,
): Promise<{ ms: number; bytes: number }> {
  const id = `out-${++seq}`;
  const container = await lastValueFrom(client.containers.create$(id, { image: IMAGE, args: ["sh", "-c", script] }));
  try {
    const task = await lastValueFrom(container.newTask$({ io }));
    const exit$ = task.wait$();
    const t0 = performance.now();
    const counted = consume(task.stdout$);
    await lastValueFrom(task.start$());
    const status = await lastValueFrom(exit$);
    const bytes = await counted;
    const ms = performance.now() - t0;
    await lastValueFrom(task.delete$());
    if (status.code !== 0) throw new Error(`${script} exited ${status.code}`);
    return { ms, bytes };
  } finally {
    await lastValueFrom(container.delete$());
  }
}

const countObservable = (stdout$: Observable<Buffer>) =>
  new Promise<number>((resolve, reject) => {
    let n = 0;
    stdout$.subscribe({
      next: (c) => {
        n += c.length;
      },
      error: reject,
      complete: () => resolve(n),
    });
  });

async function main(): Promise<void> {
  const { client, dispose } = await benchClient();
  const mb = N / 1e6;
  const prodA = `cat /dev/zero | busybox head -c ${N}`;
  const prodB = N % 1048576 === 0 ? `busybox dd if=/dev/zero bs=1048576 count=${N / 1048576} 2>/dev/null` : "";
  type Variant = {
    key: string;
    label: string;
    script: string;
    io: () => IOCreator;
    consume: (s: Observable<Buffer>) => Promise<number>;
    check: boolean;
  };
  // A Node Writable sink, ended at EOF (`end: true`): its 'finish' is the moment every byte was taken.
  const writable = (): { io: () => IOCreator; consume: () => Promise<number> } => {
    let finished: Promise<number> = Promise.resolve(0);
    return {
      io: () => {
        let n = 0;
        const sink = new Writable({
          write(chunk: Buffer, _e, done) {
            n += chunk.length;
            done();
          },
        });
        finished = new Promise((resolve) => sink.once("finish", () => resolve(n)));
        return Stdio.streams({ stdout: sink, end: true });
      },
      consume: () => finished,
    };
  };
  const w = writable();
  const variants: Variant[] = [
    {
      key: "a_fifo_observable",
      label: "A `cat|busybox head -c` -> FIFO -> stdout$ (count)",
      script: prodA,
      io: () => Stdio.pipe({ stderr: false }),
      consume: countObservable,
      check: true,
    },
    {
      key: "a_in_container_devnull",
      label: "A in container, > /dev/null (null IO; producer ceiling)",
      script: `${prodA} > /dev/null`,
      io: () => Stdio.null(),
      consume: async () => N,
      check: false,
    },
  ];
  if (prodB) {
    variants.push(
      {
        key: "b_fifo_observable",
        label: "B `busybox dd bs=1M` -> FIFO -> stdout$ (count)",
        script: prodB,
        io: () => Stdio.pipe({ stderr: false }),
        consume: countObservable,
        check: true,
      },
      {
        key: "b_fifo_writable",
        label: "B -> FIFO -> Stdio.streams(Writable)",
        script: prodB,
        io: w.io,
        consume: w.consume,
        check: true,
      },
      {
        key: "b_in_container_pipe_cat",
        label: "B in container, | busybox cat > /dev/null (null IO)",
        script: `${prodB} | cat > /dev/null`,
        io: () => Stdio.null(),
        consume: async () => N,
        check: false,
      },
    );
  }
  const summary: Record<string, Dist | number | string> = { bytes: N, producer_a: prodA, producer_b: prodB };
  console.log(`stdout throughput: ${N} bytes, ${REP} repetitions, node ${process.version}`);
  for (const v of variants) {
    const rates: number[] = [];
    const rss = rssSampler();
    for (let r = 0; r < REP; r++) {
      const { ms, bytes } = await runOnce(client, v.script, v.io(), v.consume);
      if (v.check && bytes !== N) throw new Error(`${v.key}: got ${bytes} bytes, want ${N}`);
      rates.push(mb / (ms / 1000));
    }
    const d = dist(rates);
    summary[`${v.key}_MBps`] = d;
    summary[`${v.key}_peak_rss_MiB`] = rss.stop();
    row(
      "stdout",
      v.label,
      "MB/s",
      `median ${d.median.toFixed(0)}  (min ${d.min.toFixed(0)} max ${d.max.toFixed(0)} n=${d.n}); peak RSS ${summary[`${v.key}_peak_rss_MiB`]} MiB`,
    );
  }
  console.log(JSON.stringify({ rxcontainerd_stdout: summary }));
  await dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
