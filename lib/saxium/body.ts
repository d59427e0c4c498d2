/**
 * Reading a response body within the client's caps: chunk by chunk into one
 * reused buffer (a 5 MB document leaves no garbage behind), a size cap on
 * text answers, and the headers that say what the body should be. Apart
 * from the client so that the part that touches raw bytes is small and read
 * on its own.
 *
 * @module
 */

import { oneLine } from "../base/text.ts";

/** Bytes read from a response body at a time, into one reused buffer. */
const READ_CHUNK_BYTES = 64 * 1024;

/** Options of {@linkcode drainBody}. */
export interface DrainOptions {
  /** Called with each chunk, valid only until it returns (hence synchronous). */
  onChunk: (chunk: Uint8Array) => void;
  /** What a read error becomes (a timeout or network failure, as the client words it). */
  failure: (error: unknown) => unknown;
}

/**
 * Reads the body chunk by chunk; read errors become `options.failure(error)`.
 * A body left unread (an exception from `onChunk`) is cancelled.
 */
export async function drainBody(res: Response, options: DrainOptions): Promise<void> {
  if (!res.body) return;
  const reader = chunkReader(res.body);
  let finished = false;
  try {
    while (true) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await reader.next();
      } catch (error) {
        finished = true;
        throw options.failure(error);
      }
      if (chunk === undefined) {
        finished = true;
        return;
      }
      options.onChunk(chunk);
    }
  } finally {
    if (!finished) await reader.stream.cancel().catch(() => {});
    reader.stream.releaseLock();
  }
}

/** Options of {@linkcode readBodyText}. */
export interface ReadTextOptions {
  /** Largest accepted body. */
  maxBytes: number;
  /** The error thrown past `maxBytes`. */
  tooLarge: () => unknown;
  /** What a read error becomes. */
  failure: (error: unknown) => unknown;
}

/** The whole body as text, within the size cap. */
export async function readBodyText(res: Response, options: ReadTextOptions): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  await drainBody(res, {
    failure: options.failure,
    onChunk: (chunk) => {
      total += chunk.length;
      if (total > options.maxBytes) throw options.tooLarge();
      chunks.push(chunk.slice());
    },
  });
  return new TextDecoder().decode(concat(chunks));
}

/** Options of {@linkcode copyBody}. */
export interface CopyOptions {
  /** Where the bytes go. */
  file: Deno.FsFile;
  /** The declared length, when there is one: fewer bytes is an interruption. */
  declared?: number;
  /** Largest accepted body. */
  maxBytes: number;
  /** The error thrown past `maxBytes`. */
  tooLarge: () => unknown;
  /** What a read error becomes. */
  failure: (error: unknown) => unknown;
  /** The error for a body cut short, given the bytes received. */
  interrupted: (total: number) => unknown;
  /** Called at each chunk received (the client's inactivity timer). */
  progress?: () => void;
  /**
   * Judges the body's first `sniffBytes` bytes (all of a shorter body) before
   * any byte is written: an error to throw (a web page instead of the
   * document), or undefined.
   */
  sniff?: (start: Uint8Array) => unknown;
  /** How many bytes `sniff` is given; 512 by default. */
  sniffBytes?: number;
}

/**
 * Streams the body into `options.file` within the size cap; the byte count.
 * A body cut short (a network read error, or fewer bytes than declared)
 * throws `options.interrupted`, which the client retries.
 */
export async function copyBody(res: Response, options: CopyOptions): Promise<number> {
  let total = 0;
  let readFailed = false;
  const write = (bytes: Uint8Array) => {
    // Written at once: a chunk reaches the OS cache in microseconds, less
    // than a trip to Deno's thread pool, whose threads would each keep
    // their own buffers (the flush to disk at the end does go there).
    let offset = 0;
    while (offset < bytes.length) offset += options.file.writeSync(bytes.subarray(offset));
  };
  // The start, kept (chunks are only valid during onChunk) until it is judged.
  let start: Uint8Array[] | undefined = options.sniff ? [] : undefined;
  const judge = () => {
    if (!start) return;
    const head = concat(start);
    start = undefined;
    const refusal = options.sniff!(head);
    if (refusal !== undefined) throw refusal;
    write(head);
  };
  try {
    await drainBody(res, {
      failure: (error) => {
        readFailed = true;
        return options.failure(error);
      },
      onChunk: (chunk) => {
        total += chunk.length;
        options.progress?.();
        if (total > options.maxBytes) throw options.tooLarge();
        if (!start) return write(chunk);
        start.push(chunk.slice());
        if (total >= (options.sniffBytes ?? 512)) judge();
      },
    });
    judge();
  } catch (error) {
    const network = readFailed && (error as { kind?: string }).kind === "network";
    throw network ? options.interrupted(total) : error;
  }
  if (options.declared !== undefined && total < options.declared) {
    throw options.interrupted(total);
  }
  return total;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}

/** The body's declared length, when it is not compressed; undefined otherwise. */
export function declaredLength(res: Response): number | undefined {
  const encoding = res.headers.get("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") return undefined;
  const value = res.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The answer's content type, short and clean, for a message. */
export function contentType(res: Response): string {
  return oneLine(res.headers.get("content-type")?.split(";")[0] ?? "sans type", 60);
}

/**
 * Reads a body chunk by chunk. A byte stream (fetch's bodies are) is read
 * into one buffer, reused, so that a 5 MB document leaves no garbage behind;
 * a chunk is then only valid until the next read.
 */
function chunkReader(body: ReadableStream<Uint8Array>): {
  stream: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
  next(): Promise<Uint8Array | undefined>;
} {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    const stream = body.getReader();
    return {
      stream,
      async next() {
        const { done, value } = await stream.read();
        return done ? undefined : value;
      },
    };
  }
  let buffer = new Uint8Array(READ_CHUNK_BYTES);
  return {
    stream: byob,
    async next() {
      const { done, value } = await byob.read(buffer);
      if (done || !value) return undefined;
      buffer = new Uint8Array(value.buffer);
      return value;
    },
  };
}
