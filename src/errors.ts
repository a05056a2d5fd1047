/**
 * Errors with a stable machine-readable code. Thrown anywhere; rendered once by the HTTP error
 * handler (JSON `{ error, error_description }`) and by the CLI (stderr, exit code).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export const invalidTenantId = (message: string) => new AppError('invalid_tenant_id', message, 400);
export const tenantNotFound = (id: string) => new AppError('tenant_not_found', `tenant "${id}" does not exist`, 404);
export const tenantExists = (id: string) => new AppError('tenant_exists', `tenant "${id}" already exists`, 409);
export const notFound = (what: string, id: string) => new AppError(`${what}_not_found`, `${what} "${id}" does not exist`, 404);
export const invalidRequest = (message: string) => new AppError('invalid_request', message, 400);

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** PostgreSQL SQLSTATE of a pg error, if it is one. */
export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
