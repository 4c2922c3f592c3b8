import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One Server-Sent Event as the API sends it: a name, an increasing id and a JSON payload. */
export interface StreamEvent<T = unknown> {
  event: string;
  id: string | undefined;
  data: T;
}

/**
 * Reads the SSE body of a fetch Response as an async iterator of parsed events. Events split across
 * chunks, several events in one chunk and multi-line `data:` are handled by eventsource-parser (the
 * parser the AI SDK uses); comments such as `: ping` are skipped. Breaking out of the loop, or
 * aborting the request's signal, releases the connection.
 */
export async function* streamEvents<T = unknown>(response: Response): AsyncGenerator<StreamEvent<T>> {
  if (!response.body) throw new Error(`Expected an event stream, got ${response.status} with no body`);
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { event: value.event ?? 'message', id: value.id, data: JSON.parse(value.data) as T };
    }
  } finally {
    // Cancels the body too, so the server sees the connection close.
    await reader.cancel().catch(() => {});
  }
}
