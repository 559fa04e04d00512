/**
 * What a response's `write` and `end` were given, as bytes: shared by the
 * trace's capture and the in-process dispatcher; internal to core.
 */

/**
 * Adds what was handed to a response's `write` or `end` (bytes, or a string in
 * `encoding`) to `chunks` as bytes; a missing chunk or a callback in its place
 * adds nothing.
 */
export function pushWrittenChunk(chunks: Buffer[], chunk: unknown, encoding: unknown): void {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
  if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  else {
    const name = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
    chunks.push(Buffer.from(String(chunk), name));
  }
}

/** Written chunks as one Buffer (the chunk itself when there is only one). */
export function joinedChunks(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
