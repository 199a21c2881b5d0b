const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFields = Record<string, unknown>;

const SECRET_KEYS = /pass(word)?|secret|token|authorization|cookie|card|cvc|api[-_]?key/i;

/**
 * Structured logger: one JSON object per line with `level`, `event`, `time` and the bound
 * context (`requestId`, `userId`, ...). Fields whose names look secret are redacted.
 */
export class Logger {
  constructor(
    private readonly context: LogFields = {},
    private readonly minLevel: LogLevel = "info",
    private readonly sink: (line: string, level: LogLevel) => void = defaultSink,
  ) {}

  child(fields: LogFields): Logger {
    return new Logger({ ...this.context, ...fields }, this.minLevel, this.sink);
  }

  debug(event: string, fields?: LogFields) {
    this.write("debug", event, fields);
  }
  info(event: string, fields?: LogFields) {
    this.write("info", event, fields);
  }
  warn(event: string, fields?: LogFields) {
    this.write("warn", event, fields);
  }
  error(event: string, fields?: LogFields) {
    this.write("error", event, fields);
  }

  private write(level: LogLevel, event: string, fields: LogFields = {}) {
    if (LEVELS[level] < LEVELS[this.minLevel]) return;
    const record: LogFields = { level, event, time: new Date().toISOString(), ...this.context };
    for (const [key, value] of Object.entries(fields)) {
      record[key] = SECRET_KEYS.test(key) ? "[redacted]" : serialize(value);
    }
    this.sink(JSON.stringify(record), level);
  }
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function defaultSink(line: string, level: LogLevel) {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
