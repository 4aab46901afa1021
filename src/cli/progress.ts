// Progress of pull, push, import and unpack: bars per blob and overall, redrawn in place, when
// stdout is a TTY; one plain line per step otherwise (logs and pipes stay readable).
import type { ImageProgress } from "../index.js";
import { bytes, shortDigest } from "./rx.js";

interface Item {
  label: string;
  state: string;
  bytes: number;
  total: number;
}

export interface ProgressView {
  update(p: ImageProgress): void;
  /** Draws the final state (TTY) and stops redrawing. */
  end(): void;
}

const BAR = 24;

function bar(done: number, total: number): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * BAR);
  return `[${"=".repeat(Math.max(0, n - 1))}${n > 0 ? (n === BAR ? "=" : ">") : ""}${" ".repeat(BAR - n)}]`;
}

/** A view for `out` (bars when `tty`). */
export function progressView(out: NodeJS.WriteStream, tty: boolean): ProgressView {
  return tty ? new TtyView(out) : new PlainView(out);
}

class PlainView implements ProgressView {
  private readonly started = new Set<string>();
  constructor(private readonly out: NodeJS.WriteStream) {}
  private line(s: string): void {
    this.out.write(s + "\n");
  }
  update(p: ImageProgress): void {
    switch (p.type) {
      case "resolved":
        return this.line(`resolved ${p.name} ${p.target.digest}`);
      case "downloading":
        if (!this.started.has(p.digest)) {
          this.started.add(p.digest);
          this.line(`downloading ${p.digest} ${p.total} bytes`);
        }
        if (p.bytes === p.total) this.line(`downloaded ${p.digest}`);
        return;
      case "uploading":
        if (p.bytes === 0 && !p.existed) return this.line(`uploading ${p.digest} ${p.total} bytes`);
        return this.line(`${p.existed ? "exists" : "uploaded"} ${p.digest}`);
      case "blob":
        if (p.state !== "writing") this.line(`${p.state} ${p.digest ?? p.path} ${p.total} bytes`);
        return;
      case "layer":
        return this.line(`${p.state === "unpacked" ? "unpacked" : "exists"} layer ${p.index} ${p.digest}`);
      case "done":
        return this.line(`done ${p.image.name}`);
    }
  }
  end(): void {}
}

class TtyView implements ProgressView {
  private readonly items = new Map<string, Item>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  constructor(private readonly out: NodeJS.WriteStream) {}

  private item(key: string, label: string): Item {
    let it = this.items.get(key);
    if (!it) this.items.set(key, (it = { label, state: "waiting", bytes: 0, total: 0 }));
    return it;
  }

  /** A permanent line above the bars. */
  private message(s: string): void {
    this.clear();
    this.out.write(s + "\n");
    this.render();
  }

  update(p: ImageProgress): void {
    switch (p.type) {
      case "resolved":
        return this.message(`resolved ${p.name} ${shortDigest(p.target.digest)}`);
      case "downloading": {
        const it = this.item(p.digest, shortDigest(p.digest));
        Object.assign(it, { bytes: p.bytes, total: p.total, state: p.bytes === p.total ? "done" : "downloading" });
        break;
      }
      case "uploading": {
        const it = this.item(p.digest, shortDigest(p.digest));
        const done = p.bytes === p.total;
        Object.assign(it, {
          bytes: p.bytes,
          total: p.total,
          state: p.existed ? "exists" : done ? "pushed" : "pushing",
        });
        break;
      }
      case "blob": {
        const it = this.item(p.path, p.digest ? shortDigest(p.digest) : p.path);
        Object.assign(it, { bytes: p.bytes, total: p.total, state: p.state === "writing" ? "importing" : p.state });
        break;
      }
      case "layer":
        return this.message(
          `${p.state === "unpacked" ? "unpacked" : "exists  "} layer ${p.index} ${shortDigest(p.digest)}`,
        );
      case "done":
        return this.message(`done ${p.image.name}`);
    }
    this.schedule();
  }

  private schedule(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.render();
    }, 100);
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private render(): void {
    this.dirty = false;
    if (this.items.size === 0) return;
    this.clear();
    const width = Math.max(...[...this.items.values()].map((i) => i.label.length));
    const lines = [...this.items.values()].map(
      (i) =>
        `${i.label.padEnd(width)}  ${i.state.padEnd(11)} ${bar(i.bytes, i.total)} ${bytes(i.bytes)} / ${bytes(i.total)}`,
    );
    const done = [...this.items.values()].reduce((a, i) => a + i.bytes, 0);
    const total = [...this.items.values()].reduce((a, i) => a + i.total, 0);
    const finished = [...this.items.values()].filter((i) => i.bytes === i.total && i.state !== "waiting").length;
    lines.push(
      `${"total".padEnd(width)}  ${`${finished}/${this.items.size}`.padEnd(11)} ${bar(done, total)} ${bytes(done)} / ${bytes(total)}`,
    );
    this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(""));
    this.drawn = lines.length;
  }

  end(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.render();
  }
}
