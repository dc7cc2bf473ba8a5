import { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import axios, {
  AxiosError,
  isAxiosError,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";

// Response bodies read by the Caller itself, with its own byte counter.
// axios can cut a body at maxContentLength, but it reports that with the
// code it also uses for a 5xx and for a body cut mid-stream (both
// retriable), so only the wording of its message would set the final case
// apart, and an axios release that rewords it would turn the limit into
// retries. Here axios hands over the decompressed body as a stream and
// the limit is counted and reported by this module, under its own class.

/** Thrown when a body passes its limit; always final. */
export class BodyOverLimit extends Error {
  /** The limit that was crossed, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(`response body passed ${limit} bytes`);
    this.name = "BodyOverLimit";
    this.limit = limit;
  }
}

/** Whether `error` was caused by a body over its limit. */
export function isBodyOverLimit(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as { cause?: unknown }).cause instanceof BodyOverLimit;
}

/** Whether `instance` sends through axios' http adapter. */
export function usesHttpAdapter(instance: AxiosInstance): boolean {
  return axios.getAdapter(instance.defaults.adapter) ===
    axios.getAdapter("http");
}

function isReadable(value: unknown): value is Readable {
  return typeof value === "object" && value !== null &&
    typeof (value as Readable).on === "function" &&
    typeof (value as Readable).destroy === "function";
}

/** An error for a body that closed before its end. */
function closedEarly(): Error {
  return Object.assign(new Error("response closed before its end"),
    { code: "ECONNRESET" });
}

/**
 * Reads `body` as it streams in, to its end, as UTF-8 text. Past `limit`
 * bytes it destroys the stream, which cuts the connection, and rejects
 * with BodyOverLimit: at most `limit` bytes are ever held.
 */
function readStream(body: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let isSettled = false;

    body.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        isSettled = true;
        reject(new BodyOverLimit(limit));
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.on("error", (error) => {
      isSettled = true;
      reject(error);
    });
    // 'close' follows 'end' too: only a close before it is a failure
    body.on("close", () => {
      if (!isSettled) reject(closedEarly());
    });
    body.on("end", () => {
      isSettled = true;
      resolve(decodeText(chunks.length === 1 ? chunks[0] :
        Buffer.concat(chunks, size)));
    });
  });
}

/** UTF-8 text, without a byte order mark (JSON.parse refuses one). */
function decodeText(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * `value` once the stream just read empty has ended, which is when its
 * socket goes back to the pool: a call made right after this one can
 * reuse it. Reading an ended stream empty queues its 'end' on the next
 * tick, and the socket is released from there; a tick queued now runs
 * after it, and the promise reactions after every tick queued meanwhile.
 * This spares two 'end'/'close' listeners and their closures a call.
 */
function afterEnd<T>(value: T): Promise<T> {
  return new Promise((resolve) => {
    process.nextTick(resolve, value);
  });
}

/**
 * The body at once when it has all arrived already, as a small response
 * often does with its headers, or `undefined`: no 'data' listener, and
 * no turn of the event loop to start the flow. Reading the buffer empty
 * still ends the stream (see afterEnd()).
 */
function readWhole(body: Readable, limit: number): string | undefined {
  const isWhole = body instanceof IncomingMessage && body.complete &&
    body.readableFlowing === null && body.readableLength <= limit;
  if (!isWhole) return undefined;

  const bytes = body.read() as Buffer | null;
  return bytes === null ? "" : decodeText(bytes);
}

/** An error for a body that did not arrive whole, for axios-retry. */
function readFailure(
  error: unknown,
  response: AxiosResponse,
  config: InternalAxiosRequestConfig,
): unknown {
  // an abort or a deadline arrives as axios' own CanceledError
  if (isAxiosError(error)) return error;

  // no response attached: it was not received whole. Not `instanceof
  // Error`: errors from Node's internals may come from another realm
  const cause = typeof error === "object" && error !== null ?
    error as Error : new Error(String(error));
  const code = error instanceof BodyOverLimit ?
    AxiosError.ERR_BAD_RESPONSE : undefined;
  return AxiosError.from(cause, code, config, response.request);
}

/** Reads the body of `response` in place; a failure as an AxiosError. */
function readResponse(
  response: AxiosResponse,
  limit: number,
): Promise<AxiosResponse> {
  const body: unknown = response.data;
  if (!isReadable(body)) return Promise.resolve(response);

  // the common case, a small body already whole: no stream reading and no
  // promise hop of its own
  const whole = readWhole(body, limit);
  if (whole !== undefined) {
    response.data = whole;
    return afterEnd(response);
  }

  return readStream(body, limit).then(
    (text) => {
      response.data = text;
      return response;
    },
    (error: unknown) => {
      throw readFailure(error, response, response.config);
    });
}

/**
 * axios' http adapter, with each response body, error bodies included,
 * read by readResponse() under `limit` bytes. Calls that use it ask axios for
 * a stream (`responseType: "stream"`) and set no maxContentLength; the
 * interceptors still see the body as text.
 */
export function createReadingAdapter(limit: number): AxiosAdapter {
  const http = axios.getAdapter("http");

  // built once, not per call: a response and an AxiosError both carry
  // the config they belong to
  const onResponse = (response: AxiosResponse): Promise<AxiosResponse> =>
    readResponse(response, limit);
  const onError = (error: unknown): Promise<never> => {
    // a status outside 2xx: read its body before it is judged
    const failed = isAxiosError(error) ? error.response : undefined;
    if (failed === undefined) return Promise.reject(error);
    return readResponse(failed, limit).then(() => {
      throw error;
    });
  };

  // promise chains rather than async functions: two fewer promises a call
  return (config) => http(config).then(onResponse, onError);
}
