// Reads a server-sent-events response over fetch (what a browser's EventSource parses).

/** One parsed event: its `event:` type (default "message") and `data:` (JSON-parsed when it is JSON). */
export interface SseEvent {
  readonly type: string;
  readonly data: unknown;
}

/** Yields the events of `url` until the server ends the stream (or `signal` aborts). */
export async function* readSse(url: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const res = await fetch(url, { headers: { accept: "text/event-stream" }, signal });
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let type = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length === 0) continue;
      const text = data.join("\n");
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // plain text data
      }
      yield { type, data: parsed };
    }
  }
}
