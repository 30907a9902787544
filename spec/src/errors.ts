/** Errors with stable codes: one line for people, a code for programs. */
export class BridgekeeperError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A question table file that breaks a TABLE-* rule or is not a valid table document. */
export class TableError extends BridgekeeperError {
  readonly file: string;
  readonly rule: string | undefined;
  constructor(file: string, message: string, rule?: string) {
    super("E_TABLE_INVALID", `${file}: ${rule ? `${rule}: ` : ""}${message}`);
    this.file = file;
    this.rule = rule;
  }
}

/** A limit value outside the floor and ceiling that the spec allows, or not a number. */
export class LimitError extends BridgekeeperError {
  constructor(message: string) {
    super("E_LIMIT_INVALID", message);
  }
}
