// asl-validator v4 ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<{ readonly message?: string }>;
    errorsText(separator?: string): string;
  }
  interface ValidatorOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  function aslValidator(definition: unknown, options?: ValidatorOptions): ValidationResult;
  export = aslValidator;
}
