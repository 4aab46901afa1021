// A separate Node process for the re-attach test: starts a task with piped stdin/stdout, talks to
// it once, then exits without deleting anything (as an app that crashes or restarts would).
// argv: namespace container-id
import { lastValueFrom } from "rxjs";
import { Containerd, Stdio } from "../../src/index.js";
import { BUSYBOX } from "./lab.js";

const [namespace, id] = process.argv.slice(2);
if (!namespace || !id) throw new Error("usage: attach-child NAMESPACE ID");
const client = new Containerd({ namespace });
const script = 'echo ready; while read l; do echo "got $l"; done; echo bye';
const container = await lastValueFrom(client.containers.create$(id, { image: BUSYBOX, args: ["sh", "-c", script] }));
const task = await lastValueFrom(container.newTask$({ io: Stdio.pipe({ stdin: true }) }));
let seen = "";
const lines = new Promise<void>((resolve) =>
  task.stdout$.subscribe((c) => {
    seen += c.toString();
    if (seen === "ready\ngot first\n") resolve();
  }),
);
await lastValueFrom(task.start$());
task.stdin?.write("first\n");
await lines;
// An exec with piped stdin too, left running.
const exec = await lastValueFrom(task.exec$("cat", { args: ["cat"] }, { io: Stdio.pipe({ stdin: true }) }));
let echoed = "";
const echo = new Promise<void>((resolve) =>
  exec.stdout$.subscribe((c) => {
    echoed += c.toString();
    if (echoed === "x\n") resolve();
  }),
);
await lastValueFrom(exec.start$());
exec.stdin?.write("x\n");
await echo;
process.stdout.write(JSON.stringify({ pid: task.pid, seen, echoed, stdout: task.io?.config.stdout }) + "\n");
process.exit(0);
