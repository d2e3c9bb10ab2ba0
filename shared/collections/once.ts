/**
 * `build`, called on first use and then remembered. For module-level values that cost at load and that many
 * invocations never need (zod schemas for records an invocation that fails nothing never reads or writes).
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
