/** Why a file could not be read, in words (`no such file`), not a stack trace about `open`. */
export function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return String(code ?? (error instanceof Error ? error.message : error));
}
