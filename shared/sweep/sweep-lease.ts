/** The sweep lease queue's one message (`npm run setup` puts it in) and its name in log lines. */
export const SWEEP_LEASE = {
  body: JSON.stringify({ lease: 'sweep', about: 'one fleet sweep at a time' }),
  what: 'sweep lease',
} as const;
