/** Answers requests that Node's HTTP parser refuses before express sees them (headers too large, a malformed request line) as `{"errors": ["…"]}`. */
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';

/** Status and message for a parser error, following Node's own choice of status. */
function describe(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `Request line and headers exceed ${maxHeaderSize} bytes` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'Chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'Request not received in time' };
    default:
      return { status: 400, message: `Malformed HTTP request${code ? ` (${code})` : ''}` };
  }
}

/** The server's `clientError` listener: writes the error response when the socket can still take one, then closes it. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent: boolean } | null }): void {
  // As Node's default listener does: a reset peer, or a keep-alive socket whose in-flight response has begun, gets no
  // answer (it would corrupt that response), only a closed socket.
  if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, message } = describe(err.code);
  const body = JSON.stringify({ errors: [message] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
