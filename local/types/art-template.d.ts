/** Serverless Devs' own template engine (what `s` uses to render s.yaml), the one entry point we call. */
declare module '@serverless-devs/art-template/lib/devs-compile.js' {
  /**
   * Renders `${…}` magic variables in one string. A value that is a single `${…}` returns the referenced value
   * itself (an object, list or boolean); anything else returns a string. Throws when a reference is missing.
   */
  function compile(value: unknown, context: Record<string, unknown>, ...rest: unknown[]): unknown;
  export = compile;
}
