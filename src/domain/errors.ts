/** The few error kinds the domain throws; `src/app.ts` maps them to HTTP statuses in one place. */
export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly statusCode: number = 500;
}

export class ValidationError extends DomainError {
  override name = 'ValidationError';
  override readonly statusCode = 400;
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  override readonly statusCode = 404;
}

export class ConflictError extends DomainError {
  override name = 'ConflictError';
  override readonly statusCode = 409;
}

export class InvalidTransitionError extends ConflictError {
  override name = 'InvalidTransitionError';
  constructor(
    readonly lifecycle: string,
    readonly from: string,
    readonly to: string,
    reason?: string,
  ) {
    super(reason ?? `a ${lifecycle} cannot go from ${from} to ${to}`);
  }
}

export class UnauthorizedError extends DomainError {
  override name = 'UnauthorizedError';
  override readonly statusCode = 401;
}

export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  override readonly statusCode = 403;
}
