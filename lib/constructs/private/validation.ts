/**
 * Validation errors raised by the constructs, naming the construct path.
 */
import type { IConstruct } from 'constructs';

/** A construct was configured wrongly; the message starts with the construct path. */
export class ConstructValidationError extends Error {
  public override readonly name = 'ValidationError';
  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
  }
}
