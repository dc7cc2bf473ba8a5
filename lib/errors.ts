/**
 * The base of every error integration-kit throws on purpose. Each subclass
 * has its own `name` and a stable `code` (`ERR_WEBHOOK_REPLAY`,
 * `ERR_HTTP_STATUS`, ...) to branch on, and keeps the error it wraps as
 * `cause`.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof IntegrationKitError) {
 *     logger.error({ err, code: err.code }, "upstream integration failed");
 *   }
 *   next(err);
 * });
 * ```
 */
export class IntegrationKitError extends Error {
  /** A stable identifier for the kind of failure, safe to branch on. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
