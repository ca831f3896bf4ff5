/** Reads an SSE response incrementally in tests: frames as they arrive, each read bounded by a timeout. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
  retry?: number;
}

export function sseClient(response: Response) {
  if (!response.body) throw new Error("no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  const comments: string[] = [];

  function parse(block: string): SseMessage | null {
    const message: SseMessage = { event: "message", data: "" };
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        comments.push(line.slice(1).trim());
        continue;
      }
      const at = line.indexOf(":");
      const name = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
      fields += 1;
      if (name === "id") message.id = value;
      else if (name === "event") message.event = value;
      else if (name === "data") data.push(value);
      else if (name === "retry") message.retry = Number(value);
    }
    message.data = data.join("\n");
    return fields > 0 ? message : null;
  }

  /** The next frame, or null when the stream ended; throws after `timeoutMs` without one. */
  async function next(timeoutMs = 3_000): Promise<SseMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = parse(block);
        if (message) return message;
        continue;
      }
      if (done) return null;
      pending ??= reader.read();
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE frame");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const result = await Promise.race([
        pending,
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), left);
        }),
      ]);
      if (timer !== undefined) clearTimeout(timer);
      if (result === "timeout") throw new Error("timed out waiting for an SSE frame");
      pending = null;
      if (result.done) done = true;
      else buffer += decoder.decode(result.value, { stream: true });
    }
  }

  /** The next frame that is an event (skips `retry:`-only frames). */
  async function nextEvent(timeoutMs = 3_000): Promise<SseMessage | null> {
    for (;;) {
      const message = await next(timeoutMs);
      if (message === null || message.data !== "" || message.event !== "message") return message;
    }
  }

  /** Asserts nothing arrives for `ms` (a frame arriving is returned for the test to fail on). */
  async function silence(ms = 400): Promise<SseMessage | null> {
    try {
      return await nextEvent(ms);
    } catch {
      return null;
    }
  }

  return {
    next,
    nextEvent,
    silence,
    comments,
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}

export type SseClient = ReturnType<typeof sseClient>;
