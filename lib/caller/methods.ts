import type { QueryParams, RequestBody } from "./body";
import type { CallOptions } from "./options";

/** The methods a Caller sends. */
export type CallMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a call carries besides its options. */
export interface CallPayload {
  params?: QueryParams;
  body?: RequestBody;
}

/**
 * The five call shorthands, written once for the Caller and its
 * request-bound views. `T` is the type the JSON response is trusted to
 * have; nothing checks it at run time.
 */
export abstract class CallMethods {
  /** Sends one call; the shorthands below all come here. */
  abstract request<T = unknown>(
    method: CallMethod,
    path: string,
    payload?: CallPayload,
    options?: CallOptions,
  ): Promise<T>;

  /**
   * GET `path` with `params` as its query string.
   * @example const page = await crm.get<Page>("/search", { q: "ada" });
   */
  get<T = unknown>(
    path: string,
    params?: QueryParams,
    options?: CallOptions,
  ): Promise<T> {
    return this.request<T>("GET", path, { params }, options);
  }

  /** POST `body` (JSON, or bytes or a string sent as given) to `path`. */
  post<T = unknown>(
    path: string,
    body?: RequestBody,
    options?: CallOptions,
  ): Promise<T> {
    return this.request<T>("POST", path, { body }, options);
  }

  /** PUT `body` to `path`. */
  put<T = unknown>(
    path: string,
    body?: RequestBody,
    options?: CallOptions,
  ): Promise<T> {
    return this.request<T>("PUT", path, { body }, options);
  }

  /** PATCH `path` with `body`. */
  patch<T = unknown>(
    path: string,
    body?: RequestBody,
    options?: CallOptions,
  ): Promise<T> {
    return this.request<T>("PATCH", path, { body }, options);
  }

  /** DELETE `path`, with an optional body. */
  delete<T = unknown>(
    path: string,
    body?: RequestBody,
    options?: CallOptions,
  ): Promise<T> {
    return this.request<T>("DELETE", path, { body }, options);
  }
}
