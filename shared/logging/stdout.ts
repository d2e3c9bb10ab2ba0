import sonicBoom from 'sonic-boom';

// A CommonJS module whose class is also its `SonicBoom` property (Node's ESM import sees no named export).
const { SonicBoom } = sonicBoom;

/**
 * The process's stdout for log lines, written synchronously: FC may freeze the instance as soon as an invocation
 * answers, losing buffered lines. A bare `fs.writeSync(1)` is not enough: when stdout is a pipe (a custom
 * runtime's server under FC's log collector, the FC emulator's child) Node makes it non-blocking, so a full pipe
 * throws EAGAIN — which failed whole invocations in the buffered burst — and a partial write cuts a line.
 * sonic-boom's sync mode writes the rest of a partial write and, on EAGAIN, waits and tries again
 * (pinojs/pino#783): a slow reader then slows the instance instead of failing it.
 */
let stream: InstanceType<typeof SonicBoom> | undefined;

export function stdoutStream(): { write(line: string): void } {
  stream ??= new SonicBoom({ fd: 1, sync: true });
  return stream;
}
